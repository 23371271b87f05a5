"""Export every ``mtr_`` table to CSV and Parquet for Power BI, atomically.

All files are written into a temporary folder beside the exports first; only when every table
has been written are they renamed into place (``os.replace`` is atomic on one filesystem), and
``manifest.json`` is replaced last. A failure before that leaves the previous export untouched.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.errors import PublishError
from crm_warehouse.warehouse import METRICS_SCHEMA

MANIFEST = "manifest.json"
FORMATS = ("csv", "parquet")


@dataclass
class ExportedTable:
    name: str
    rows: int
    columns: list[dict[str, str]]

    def files(self) -> dict[str, str]:
        return {fmt: f"{self.name}.{fmt}" for fmt in FORMATS}


def metric_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and table_name like 'mtr\\_%' escape '\\' order by table_name",
        [METRICS_SCHEMA],
    ).fetchall()
    return [r[0] for r in rows]


def export_metric_tables(
    con: duckdb.DuckDBPyConnection, export_dir: Path, *, run_id: str
) -> list[ExportedTable]:
    tables = metric_tables(con)
    if not tables:
        raise PublishError(f"no mtr_ tables in schema {METRICS_SCHEMA}",
                           fix="run `crm-warehouse transform` first")
    export_dir.mkdir(parents=True, exist_ok=True)
    staging = export_dir / f".tmp-{run_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        exported = [_write_table(con, name, staging) for name in tables]
        manifest = _manifest(exported, run_id)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        _swap_into_place(staging, export_dir, exported)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return exported


def _write_table(con: duckdb.DuckDBPyConnection, name: str, folder: Path) -> ExportedTable:
    relation = f"{METRICS_SCHEMA}.{name}"
    described = con.execute(f"describe {relation}").fetchall()
    columns = [{"name": row[0], "type": row[1]} for row in described]
    order_by = ", ".join(str(i + 1) for i in range(len(columns)))
    query = f"select * from {relation} order by {order_by}"  # stable row order: clean diffs
    con.execute(f"copy ({query}) to '{folder / (name + '.csv')}' (format csv, header true)")
    con.execute(f"copy ({query}) to '{folder / (name + '.parquet')}' (format parquet)")
    rows = con.execute(f"select count(*) from {relation}").fetchone()
    return ExportedTable(name=name, rows=int(rows[0]) if rows else 0, columns=columns)


def _manifest(exported: list[ExportedTable], run_id: str) -> dict[str, Any]:
    built_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return {
        "run_id": run_id,
        "built_at": built_at,
        "tables": {
            t.name: {"rows": t.rows, "columns": t.columns, "files": t.files(),
                     "built_at": built_at, "run_id": run_id}
            for t in exported
        },
    }


def _swap_into_place(staging: Path, export_dir: Path, exported: list[ExportedTable]) -> None:
    keep = {f for t in exported for f in t.files().values()}
    for name in sorted(keep):
        os.replace(staging / name, export_dir / name)
    os.replace(staging / MANIFEST, export_dir / MANIFEST)
    for stale in export_dir.glob("mtr_*.*"):
        if stale.suffix.lstrip(".") in FORMATS and stale.name not in keep:
            stale.unlink()


def read_manifest(export_dir: Path) -> dict[str, Any] | None:
    path = export_dir / MANIFEST
    return json.loads(path.read_text()) if path.exists() else None
