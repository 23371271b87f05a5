"""Read back what recent runs did, for `crm-warehouse status`."""

from __future__ import annotations

from typing import Any

import duckdb

from crm_warehouse.config import Settings
from crm_warehouse.errors import ConfigError
from crm_warehouse.warehouse import OPS_SCHEMA, RAW_SCHEMA, connect, table_exists

FAILED_STATUSES = ("failed", "error", "fail", "runtime error")


def read_status(settings: Settings, *, last: int = 10) -> dict[str, Any]:
    if not settings.duckdb_path.exists():
        raise ConfigError(f"no warehouse at {settings.duckdb_path}",
                          fix="run `crm-warehouse run` (or `make demo`) first")
    with connect(settings) as con:
        if not table_exists(con, OPS_SCHEMA, "runs"):
            return {"runs": [], "raw_tables": _raw_tables(con, None), "failures": []}
        runs = _rows(con, f"select run_id, command, status, started_at, finished_at, seconds, "
                          f"error from {OPS_SCHEMA}.runs order by started_at desc limit ?", [last])
        last_run = runs[0]["run_id"] if runs else None
        failures = _rows(
            con,
            f"select step, name, status, error from {OPS_SCHEMA}.run_steps "
            f"where run_id = ? and status in {FAILED_STATUSES} order by step, name",
            [last_run],
        ) if last_run else []
        return {"runs": runs, "raw_tables": _raw_tables(con, last_run), "failures": failures}


def _raw_tables(con: duckdb.DuckDBPyConnection, last_run: str | None) -> list[dict[str, Any]]:
    names = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_name not like '\\_dlt%' escape '\\' order by table_name", [RAW_SCHEMA]
    ).fetchall()]
    last_rows: dict[str, int] = {}
    if last_run and table_exists(con, OPS_SCHEMA, "run_steps"):
        last_rows = dict(con.execute(
            f"select name, rows_written from {OPS_SCHEMA}.run_steps "
            f"where run_id = ? and step = 'ingest'", [last_run]).fetchall())
    tables = []
    for name in names:
        rows, synced = con.execute(
            f'select count(*), max(_ab_synced_at) from {RAW_SCHEMA}."{name}"'  # noqa: S608
        ).fetchone() or (0, None)
        tables.append({"table": name, "rows": rows, "last_synced_at": synced,
                       "last_run_rows": last_rows.get(name) or 0})
    return tables


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
