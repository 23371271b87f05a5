"""Export every published table for Power BI, atomically: the tables the dbt project marks
with ``meta.export`` (the mtr_ tables as CSV and Parquet, the row-grain tables of the star
schema as Parquet), read from where dbt built them.

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
from crm_warehouse.transform.relations import Relations
from crm_warehouse.warehouse import table_exists

MANIFEST = "manifest.json"
FORMATS = ("csv", "parquet")
VERSIONS = ".versions"
KEEP_VERSIONS = 3


@dataclass(frozen=True)
class PublishedTable:
    """A table of the export set: where dbt built it and the formats it is exported in."""

    name: str
    schema: str
    identifier: str
    formats: tuple[str, ...]

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.identifier}"


def published_tables(relations: Relations) -> list[PublishedTable]:
    """Every model the dbt project marks for export (``meta.export``: its formats), by name."""
    return [
        PublishedTable(model.name, model.schema, model.identifier, tuple(model.meta["export"]))
        for model in sorted(relations.models.values(), key=lambda m: m.name)
        if model.meta.get("export")
    ]


@dataclass
class ExportedTable:
    name: str
    rows: int
    columns: list[dict[str, str]]
    formats: tuple[str, ...] = FORMATS

    def files(self) -> dict[str, str]:
        return {fmt: f"{self.name}.{fmt}" for fmt in self.formats}


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
    con: duckdb.DuckDBPyConnection,
    export_dir: Path,
    *,
    run_id: str,
    tables: list[PublishedTable],
) -> PreparedExport:
    """Write every published table and the manifest into ``.versions/<run_id>/``."""
    _check_built(con, tables)
    prepared = PreparedExport(export_dir, run_id)
    staging = export_dir / VERSIONS / f".tmp-{run_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        prepared.tables = [_write_table(con, table, staging) for table in tables]
        manifest = _manifest(prepared.tables, run_id, staging)
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        shutil.rmtree(prepared.version_dir, ignore_errors=True)
        staging.rename(prepared.version_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return prepared


def export_tables(
    con: duckdb.DuckDBPyConnection,
    export_dir: Path,
    *,
    run_id: str,
    tables: list[PublishedTable],
) -> list[ExportedTable]:
    return prepare_export(con, export_dir, run_id=run_id, tables=tables).publish()


def _check_built(con: duckdb.DuckDBPyConnection, tables: list[PublishedTable]) -> None:
    if not tables:
        raise PublishError(
            "the dbt project marks no table for export",
            fix="set meta.export on the published models (transform/dbt_project.yml)",
        )
    missing = [t.relation for t in tables if not table_exists(con, t.schema, t.identifier)]
    if missing:
        raise PublishError(
            f"published table(s) not built: {', '.join(missing)}",
            fix="run `crm-warehouse transform` first",
        )


def _write_table(
    con: duckdb.DuckDBPyConnection, table: PublishedTable, folder: Path
) -> ExportedTable:
    described = con.execute(f"describe {table.relation}").fetchall()
    columns = [{"name": row[0], "type": row[1]} for row in described]
    order_by = ", ".join(str(i + 1) for i in range(len(columns)))
    query = f"select * from {table.relation} order by {order_by}"  # stable row order: clean diffs
    exported = ExportedTable(table.name, 0, columns, table.formats)
    for fmt, name in exported.files().items():
        options = "format csv, header true" if fmt == "csv" else "format parquet"
        con.execute(f"copy ({query}) to '{folder / name}' ({options})")
    rows = con.execute(f"select count(*) from {table.relation}").fetchone()
    exported.rows = int(rows[0]) if rows else 0
    return exported


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
    stale = _manifested_files(read_manifest(export_dir)) - keep
    for name in [*sorted(keep), MANIFEST]:
        _place(version_dir / name, export_dir / name)
    for name in sorted(stale):  # tables (or formats) the previous set had and this one has not
        (export_dir / name).unlink(missing_ok=True)


def _manifested_files(manifest: dict[str, Any] | None) -> set[str]:
    tables = manifest["tables"].values() if manifest else ()
    return {Path(f).name for table in tables for f in table["files"].values()}


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
