"""Where the demo writes: the configured CRM database (SQLite file or PostgreSQL), helpdesk feed
folder and, when ``[demo.marketing_mock]`` is configured, the marketing mock's files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from crm_warehouse.errors import ConfigError
from crm_warehouse.settings import Settings
from crm_warehouse.sources.crm_database.config import SqlDatabaseSource
from crm_warehouse.sources.helpdesk_csv.config import HelpdeskCsvSource

DemoProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoTargets:
    url: str  # the CRM database (SQLAlchemy-style URL)
    feed_dir: Path
    sqlite_file: Path | None = None
    marketing_dir: Path | None = None


def use_source_url(settings: Settings, url: str) -> Settings:
    """The settings with the demo's CRM database at ``url`` (``demo --source-url``)."""
    name, database = _crm_source(settings)
    kind = "postgres" if url.split("://", 1)[0].startswith("postgres") else "sqlite"
    changed = database.model_copy(update={"url": SecretStr(url), "kind": kind})
    return settings.model_copy(update={"sources": {**settings.sources, name: changed}})


def _crm_source(settings: Settings) -> tuple[str, SqlDatabaseSource]:
    databases = [(n, s) for n, s in settings.sources.items() if isinstance(s, SqlDatabaseSource)]
    if not databases:
        raise ConfigError(
            "the demo needs one CRM database source",
            where=str(settings.config_path or "configuration"),
            fix="restore [sources.crm] from the repository",
        )
    return databases[0]


def demo_targets(settings: Settings) -> DemoTargets:
    _, database = _crm_source(settings)
    feeds = [s for s in settings.sources.values() if isinstance(s, HelpdeskCsvSource)]
    if not feeds:
        raise ConfigError(
            "the demo needs one helpdesk_csv source",
            where=str(settings.config_path or "configuration"),
            fix="restore [sources.helpdesk] from the repository",
        )
    mock = settings.demo.marketing_mock
    url = database.url.get_secret_value()
    sqlite_file = None
    if url.startswith("sqlite:///"):
        sqlite_file = settings.resolve(Path(url.removeprefix("sqlite:///")))
        url = f"sqlite:///{sqlite_file}"
    marketing_dir = settings.resolve(mock.folder) if mock else None
    return DemoTargets(url, settings.resolve(feeds[0].feed_dir), sqlite_file, marketing_dir)


def _crm_exists(targets: DemoTargets) -> bool:
    if targets.sqlite_file is not None:
        return targets.sqlite_file.exists()
    from crm_warehouse.demo.writer import open_writer

    writer = open_writer(targets.url)
    try:
        return bool(writer.existing_tables())
    finally:
        writer.close(success=False)


def prepare_demo_sources(
    settings: Settings,
    *,
    scale: float,
    seed: int,
    advance_days: int,
    progress: DemoProgress | None = None,
) -> str:
    """Generate the demo sources when absent, or advance them; return what was done."""
    from crm_warehouse.demo import advance, generate

    targets = demo_targets(settings)
    where = str(targets.sqlite_file or targets.url.split("@")[-1])
    exists = _crm_exists(targets)
    if advance_days:
        if not exists:
            raise ConfigError(
                "there are no demo sources to advance",
                where=where,
                fix="run `crm-warehouse demo` first",
            )
        summary = advance(
            targets.url, targets.feed_dir, days=advance_days, seed=seed, progress=progress
        )
        _write_marketing(targets, seed)
        return f"advanced the demo sources by {advance_days} day(s): {summary}"
    if exists:
        if targets.marketing_dir is not None and not any(targets.marketing_dir.glob("*.jsonl")):
            _write_marketing(targets, seed)
        return f"demo sources exist ({where}); not regenerating"
    if targets.sqlite_file:
        targets.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    targets.feed_dir.mkdir(parents=True, exist_ok=True)
    summary = generate(targets.url, targets.feed_dir, seed=seed, scale=scale, progress=progress)
    _write_marketing(targets, seed)
    return f"generated demo sources (seed {seed}, scale {scale:g}): {summary}"


def _write_marketing(targets: DemoTargets, seed: int) -> None:
    if targets.marketing_dir is None:
        return
    from crm_warehouse.demo.marketing import write_marketing

    write_marketing(targets.url, targets.marketing_dir, seed=seed)
