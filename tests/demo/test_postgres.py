"""The PostgreSQL writer produces exactly the rows and files the SQLite writer does."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from crm_warehouse.demo import advance, generate
from crm_warehouse.errors import PipelineError
from tests.demo.conftest import Sources, feed_files

pytestmark = pytest.mark.postgres

SERVER = os.environ.get(
    "CRM_WAREHOUSE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
KEYS = {
    "customers": "customer_id",
    "products": "product_id",
    "orders": "order_id",
    "order_items": "order_item_id",
}


def _normal(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return round(float(value), 2)
    return value


@pytest.fixture
def pg_url() -> Iterator[str]:
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(SERVER, connect_timeout=3)
    except psycopg2.Error as exc:
        pytest.skip(f"no PostgreSQL server at {SERVER}: {exc}".splitlines()[0])
    admin.autocommit = True
    name = f"crm_demo_test_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    try:
        yield SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _tables(url: str) -> dict[str, list[tuple]]:
    import psycopg2

    with psycopg2.connect(url) as con, con.cursor() as cur:
        out = {}
        for table, key in KEYS.items():
            cur.execute(f"SELECT * FROM {table} ORDER BY {key}")
            out[table] = [tuple(_normal(v) for v in row) for row in cur.fetchall()]
        return out


def _sqlite_tables(sources: Sources) -> dict[str, list[tuple]]:
    return {
        table: [
            tuple(_normal(v) for v in row)
            for row in sources.sql(f"SELECT * FROM {table} ORDER BY {key}")
        ]
        for table, key in KEYS.items()
    }


def _files(feed: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in feed_files(feed)}


def test_postgres_matches_sqlite(pg_url: str, tmp_path: Path, demo_small: Sources) -> None:
    feed = tmp_path / "pg-feed"
    summary = generate(pg_url, feed, seed=42, scale=0.1)
    assert summary.inserted == demo_small.summary.inserted
    assert _tables(pg_url) == _sqlite_tables(demo_small)
    assert _files(feed) == _files(demo_small.feed)
    with pytest.raises(PipelineError, match="already has demo tables"):
        generate(pg_url, tmp_path / "other-feed", seed=42, scale=0.1)

    lite = Sources(tmp_path / "lite", demo_small.summary)
    shutil.copytree(demo_small.folder, lite.folder)
    advance(pg_url, feed, days=2)
    advance(lite.url, lite.feed, days=2)
    assert _tables(pg_url) == _sqlite_tables(lite)
    assert _files(feed) == _files(lite.feed)
