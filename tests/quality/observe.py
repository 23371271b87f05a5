"""What a reader of production sees: fingerprints of the warehouse's data and of the published
files, and a concurrent reader that polls both while a run goes on."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tests.conftest import Project

# A handful of figures from every layer, read in one read-only connection.
PROBE = """
select
    (select count(*) from raw.crm_customers),
    (select count(*) from raw.crm_orders),
    (select count(*) from raw.helpdesk_tickets),
    (select count(*) from marts.fct_orders),
    (select sum(order_amount_gbp) from marts.fct_orders),
    (select count(*) from marts.fct_ticketing),
    (select total_revenue_gbp from analytics.mtr_kpi_summary),
    (select count(distinct run_id) from audit.metric_history)
"""


def warehouse(project: Project) -> Path:
    return project.folder / "data" / "warehouse.duckdb"


def source(project: Project) -> sqlite3.Connection:
    return sqlite3.connect(project.folder / "data" / "source" / "crm.sqlite")


def data_tables(project: Project) -> dict[str, str]:
    """A digest of every table's and view's rows, in every schema but ``ops`` (run metadata,
    which a failed run does record)."""
    with duckdb.connect(str(warehouse(project)), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema <> 'ops' and table_catalog = current_database() "
            "order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": con.execute(
                f"select md5(coalesce(string_agg(row_text, chr(10) order by row_text), '')) "
                f'from (select cast(t as varchar) as row_text from "{schema}"."{table}" as t)'
            ).fetchall()[0][0]
            for schema, table in relations
        }


def published_files(project: Project) -> dict[str, str]:
    """SHA-256 of every published file: exports, dbt docs, the kept production manifest."""
    roots = [
        project.folder / "powerbi",
        project.folder / "site" / "dbt-docs",
        project.folder / "data" / "dbt" / "prod-manifest",
    ]
    return {
        str(path.relative_to(project.folder)): _sha256(path)
        for root in roots
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Seen:
    data: tuple[Any, ...]
    export_run: str
    export_consistent: bool


class Reader(threading.Thread):
    """Polls production read-only, as Power BI or a notebook would, until stopped."""

    def __init__(self, project: Project) -> None:
        super().__init__(daemon=True)
        self.project = project
        self.seen: list[Seen] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            observed = self.observe()
            if observed is not None:
                self.seen.append(observed)
            time.sleep(0.02)

    def observe(self) -> Seen | None:
        try:
            with duckdb.connect(str(warehouse(self.project)), read_only=True) as con:
                data = tuple(con.execute(PROBE).fetchall()[0])
        except duckdb.IOException:  # the pipeline holds the file a moment to record the run
            return None
        exports = self.project.folder / "powerbi"
        manifest = json.loads((exports / "manifest.json").read_text())
        version = exports / manifest["version_dir"]
        consistent = all(
            _sha256(version / name) == table["sha256"][fmt]
            for table in manifest["tables"].values()
            for fmt, name in table["files"].items()
        )
        return Seen(data, manifest["run_id"], consistent)

    def __enter__(self) -> Reader:
        self.start()
        while not self.seen:  # at least one observation of the state before
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self.join()
        final = self.observe()
        if final is not None:
            self.seen.append(final)


def last_run(project) -> tuple[str, str, dict]:
    run_id, status, summary = project.sql(
        "select run_id, status, summary from ops.runs order by started_at desc limit 1"
    )[0]
    return run_id, status, json.loads(summary)


def loosen(con, table: str) -> None:
    """The same table without NOT NULL / UNIQUE / PRIMARY KEY, so dirty rows can be written."""
    ddl = con.execute(
        "select sql from sqlite_master where type = 'table' and name = ?", [table]
    ).fetchone()[0]
    loose = re.sub(r"\s+(NOT NULL|UNIQUE|PRIMARY KEY)", "", ddl, flags=re.IGNORECASE)
    con.executescript(
        f"{loose.replace(f'CREATE TABLE {table}', 'CREATE TABLE loose', 1)};"
        f"insert into loose select * from {table}; drop table {table};"
        f"alter table loose rename to {table};"
        f"create index ix_{table}_updated_at on {table} (updated_at);"
    )


def distinct_in_order(values: list[Any]) -> list[Any]:
    """The values in the order they were first seen, consecutive repeats collapsed."""
    collapsed: list[Any] = []
    for value in values:
        if not collapsed or collapsed[-1] != value:
            collapsed.append(value)
    return collapsed
