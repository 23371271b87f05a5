"""Export every ``mtr_`` table to CSV and Parquet for Power BI, atomically.

Each export set is first written, whole, into its own immutable version folder
(``.versions/<run_id>/``, under a temporary name until complete). Publishing then hard-links
each file into place under a temporary name and renames it (``os.replace`` is atomic on one
filesystem), ``manifest.json`` last. A failure before that leaves the previous export
untouched. The manifest names its version folder and each file's SHA-256: a reader that must
never mix two sets reads ``manifest.json``, then the files in that folder (the last few
versions are kept, so a set stays readable after the next one is published).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.errors import PublishError
from crm_warehouse.warehouse import METRICS_SCHEMA

MANIFEST = "manifest.json"
FORMATS = ("csv", "parquet")
VERSIONS = ".versions"
KEEP_VERSIONS = 3


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


@dataclass
class PreparedExport:
    """An export set written to its version folder, not yet visible at the top level."""

    export_dir: Path
    run_id: str
    tables: list[ExportedTable] = field(default_factory=list)

    @property
    def version_dir(self) -> Path:
        return self.export_dir / VERSIONS / self.run_id

    def publish(self) -> list[ExportedTable]:
        """Put this set in place at the top level (manifest last) and prune old versions."""
        _swap_into_place(self.version_dir, self.export_dir, self.tables)
        _prune_versions(self.export_dir / VERSIONS, keep=KEEP_VERSIONS, current=self.run_id)
        return self.tables

    def discard(self) -> None:
        shutil.rmtree(self.version_dir, ignore_errors=True)


def prepare_export(
    con: duckdb.DuckDBPyConnection, export_dir: Path, *, run_id: str
) -> PreparedExport:
    """Write every metric table and the manifest into ``.versions/<run_id>/``."""
    tables = metric_tables(con)
    if not tables:
        raise PublishError(
            f"no mtr_ tables in schema {METRICS_SCHEMA}", fix="run `crm-warehouse transform` first"
        )
    prepared = PreparedExport(export_dir, run_id)
    staging = export_dir / VERSIONS / f".tmp-{run_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        prepared.tables = [_write_table(con, name, staging) for name in tables]
        manifest = _manifest(prepared.tables, run_id, staging)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        shutil.rmtree(prepared.version_dir, ignore_errors=True)
        staging.rename(prepared.version_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return prepared


def export_metric_tables(
    con: duckdb.DuckDBPyConnection, export_dir: Path, *, run_id: str
) -> list[ExportedTable]:
    return prepare_export(con, export_dir, run_id=run_id).publish()


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


def _manifest(exported: list[ExportedTable], run_id: str, folder: Path) -> dict[str, Any]:
    built_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return {
        "run_id": run_id,
        "built_at": built_at,
        "version_dir": f"{VERSIONS}/{run_id}",
        "tables": {
            t.name: {
                "rows": t.rows,
                "columns": t.columns,
                "files": t.files(),
                "sha256": {fmt: _sha256(folder / name) for fmt, name in t.files().items()},
                "built_at": built_at,
                "run_id": run_id,
            }
            for t in exported
        },
    }


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _swap_into_place(version_dir: Path, export_dir: Path, exported: list[ExportedTable]) -> None:
    keep = {f for t in exported for f in t.files().values()}
    for name in [*sorted(keep), MANIFEST]:
        _place(version_dir / name, export_dir / name)
    for stale in export_dir.glob("mtr_*.*"):
        if stale.suffix.lstrip(".") in FORMATS and stale.name not in keep:
            stale.unlink()


def _place(source: Path, destination: Path) -> None:
    """``destination`` becomes ``source``'s content in one rename (a hard link: no copy)."""
    temporary = destination.with_name(f".tmp-{destination.name}")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:  # no hard links on this filesystem
        shutil.copyfile(source, temporary)
    temporary.replace(destination)


def _prune_versions(versions: Path, *, keep: int, current: str) -> None:
    folders = sorted(
        (p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in folders[keep:]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)


def read_manifest(export_dir: Path) -> dict[str, Any] | None:
    path = export_dir / MANIFEST
    return json.loads(path.read_text()) if path.exists() else None
