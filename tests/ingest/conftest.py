"""Fixtures for the database source tests: the demo CRM in a throwaway PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from crm_warehouse.cli import load_config
from crm_warehouse.demo import generate
from crm_warehouse.ingest import SourceLoad
from crm_warehouse.settings import Settings
from tests.conftest import ingest_recorded
from tests.pg import database


@pytest.fixture
def pg_crm(tmp_path: Path) -> Iterator[str]:
    """A new database on the local server holding the demo CRM at a small scale."""
    with database() as url:
        generate(url, tmp_path / "pg-feed", seed=7, scale=0.03)
        yield url


@pytest.fixture
def pg_settings(
    project: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch, feed_dir: Path
) -> Callable[..., Settings]:
    """Settings whose CRM source is the given PostgreSQL URL (extra keys as env settings)."""

    def make(url: str, *, tables: dict[str, str] | None = None, **crm: str) -> Settings:
        monkeypatch.setenv("CRM_WAREHOUSE_SOURCES__CRM__KIND", "postgres")
        monkeypatch.setenv("CRM_WAREHOUSE_SOURCES__CRM__URL", url)
        for key, value in crm.items():
            monkeypatch.setenv(f"CRM_WAREHOUSE_SOURCES__CRM__{key.upper()}", value)
        settings = project()
        if tables is not None:  # only these tables (the environment can add, not remove)
            config = settings.config_path
            text = config.read_text()
            start = text.index("[sources.crm.tables]")
            end = text.index("\n\n", start)
            lines = "\n".join(f'{t} = "{k}"' for t, k in tables.items())
            config.write_text(text[:start] + f"[sources.crm.tables]\n{lines}" + text[end:])
            settings = load_config(config)
        return settings

    return make


def sync(settings: Settings, run_id: str, source: str = "crm") -> SourceLoad:
    return ingest_recorded(settings, run_id, only=[source])[0]


def warehouse(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path)) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def private_pg():
    """A private cluster with wal_level = logical and password authentication."""
    from tests.pg import private_cluster

    with private_cluster() as cluster:
        yield cluster
