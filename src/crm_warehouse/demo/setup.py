"""Where the demo writes: the configured CRM database and helpdesk feed folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crm_warehouse.config import HelpdeskCsvSource, Settings, SqlDatabaseSource
from crm_warehouse.errors import ConfigError

DemoProgress = Callable[[str, int, int], None]


def demo_targets(settings: Settings) -> tuple[str, Path, Path | None]:
    """(SQLAlchemy URL of the CRM database, helpdesk feed folder, SQLite file if any)."""
    databases = [s for s in settings.sources.values() if isinstance(s, SqlDatabaseSource)]
    feeds = [s for s in settings.sources.values() if isinstance(s, HelpdeskCsvSource)]
    if not databases or not feeds:
        raise ConfigError("the demo needs one CRM database source and one helpdesk_csv source",
                          where=str(settings.config_path or "configuration"),
                          fix="restore [sources.crm] and [sources.helpdesk] from the repository")
    url = databases[0].url.get_secret_value()
    sqlite_file = None
    if url.startswith("sqlite:///"):
        sqlite_file = settings.resolve(Path(url.removeprefix("sqlite:///")))
        url = f"sqlite:///{sqlite_file}"
    return url, settings.resolve(feeds[0].feed_dir), sqlite_file


def prepare_demo_sources(
    settings: Settings, *, scale: float, seed: int, advance_days: int,
    progress: DemoProgress | None = None,
) -> str:
    """Generate the demo sources when absent, or advance them; return what was done."""
    from crm_warehouse.demo import advance, generate

    url, feed_dir, sqlite_file = demo_targets(settings)
    exists = sqlite_file.exists() if sqlite_file else False
    if advance_days:
        if not exists:
            raise ConfigError("there are no demo sources to advance", where=str(sqlite_file),
                              fix="run `crm-warehouse demo` first")
        summary = advance(url, feed_dir, days=advance_days, seed=seed, progress=progress)
        return f"advanced the demo sources by {advance_days} day(s): {summary}"
    if exists:
        return f"demo sources exist ({sqlite_file}); not regenerating"
    if sqlite_file:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    feed_dir.mkdir(parents=True, exist_ok=True)
    summary = generate(url, feed_dir, seed=seed, scale=scale, progress=progress)
    return f"generated demo sources (seed {seed}, scale {scale:g}): {summary}"
