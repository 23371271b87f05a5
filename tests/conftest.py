"""Shared fixtures. Tests build the data they assert on."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crm_warehouse.cli import load_config
from crm_warehouse.ingest import SourceLoad
from crm_warehouse.settings import Settings

REPO = Path(__file__).resolve().parents[1]

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

CRM_DDL = """
create table customers(customer_id integer primary key, full_name text, email text, age integer,
    gender text, location text, income_bracket text, signup_date date, created_at timestamp,
    updated_at timestamp);
create table products(product_id integer primary key, product_name text, brand text,
    category text, list_price numeric(12,2), created_at timestamp, updated_at timestamp);
create table orders(order_id integer primary key, customer_id integer, status text,
    ordered_at timestamp, currency text, created_at timestamp, updated_at timestamp);
create table order_items(order_item_id integer primary key, order_id integer,
    product_id integer, quantity integer, unit_price numeric(12,2), created_at timestamp,
    updated_at timestamp);
"""

TICKET_HEADER = (
    "Ticket ID,Customer Name,Customer Email,Customer Age,Customer Gender,Product Purchased,"
    "Date of Purchase,Ticket Type,Ticket Subject,Ticket Description,Ticket Status,Resolution,"
    "Ticket Priority,Ticket Channel,First Response Time,Time to Resolution,"
    "Customer Satisfaction Rating,Created At"
)


def ingest_recorded(settings: Settings, run_id: str, **options: Any) -> list[SourceLoad]:
    """``ingest``, then what a run does with its result: the columns the sources send into
    the loaded warehouse (the runner) and the syncs with their schema changes (the run
    recorder), so ``ops`` holds what the sources saw."""
    from crm_warehouse.ingest import ingest
    from crm_warehouse.monitor.store import migrate
    from crm_warehouse.monitor.syncs import record_source_columns, record_syncs

    loads = ingest(settings, run_id, **options)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        migrate(con)
        record_source_columns(con, loads)
        record_syncs(con, run_id, loads)
    return loads


def write_config(folder: Path, extra: str = "") -> Path:
    """A config file in ``folder`` like the repository's, pointing at ``folder/data``."""
    text = (REPO / "crm-warehouse.toml").read_text()
    text = text.replace('project_dir = "transform"', f'project_dir = "{REPO / "transform"}"')
    if "[transform]" not in text:
        text = text.replace(
            "[publish]", f'[transform]\nproject_dir = "{REPO / "transform"}"\n\n[publish]'
        )
    path = folder / "crm-warehouse.toml"
    path.write_text(text + extra)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Settings]:
    """A throwaway project folder with its own config, sources and warehouse."""

    def make(extra: str = "") -> Settings:
        return load_config(write_config(tmp_path, extra))

    return make


@pytest.fixture
def crm_db(tmp_path: Path) -> sqlite3.Connection:
    path = tmp_path / "data" / "source" / "crm.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(CRM_DDL)
    yield con
    con.close()


@pytest.fixture
def feed_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "feeds" / "helpdesk"
    folder.mkdir(parents=True)
    return folder


def ticket_csv(rows: list[dict[str, str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TICKET_HEADER.split(","), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in TICKET_HEADER.split(",")})
    return out.getvalue()


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True)


CLI = str(Path(sys.executable).with_name("crm-warehouse"))


@dataclass
class Project:
    folder: Path
    config: Path

    @property
    def settings(self) -> Settings:
        return load_config(self.config)

    def cli(
        self, *args: str, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [CLI, "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            env=os.environ | {"COLUMNS": "200"} | (env or {}),
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"crm-warehouse {' '.join(args)} failed:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def sql(self, query: str) -> list[tuple]:
        with duckdb.connect(str(self.folder / "data" / "warehouse.duckdb"), read_only=True) as c:
            return c.execute(query).fetchall()

    def copy(self, dest: Path) -> Project:
        shutil.copytree(self.folder, dest, symlinks=True)
        config = dest / self.config.name
        config.write_text(self.config.read_text())
        return Project(dest, config)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """`crm-warehouse demo` at the default (seed) scale, built once per session and shared by
    every suite that needs a whole warehouse: the calibration targets hold here."""
    folder = tmp_path_factory.mktemp("demo")
    project = Project(folder, write_config(folder))
    project.first_output = project.cli("demo").stdout  # type: ignore[attr-defined]
    return project


@pytest.fixture
def demo_copy(demo: Project, tmp_path: Path) -> Project:
    """A private copy of the built demo, for tests that change sources or the warehouse."""
    return demo.copy(tmp_path / "project")
