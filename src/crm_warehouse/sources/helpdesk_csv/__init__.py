"""The helpdesk ticket export: CSV files dropped into a folder, loaded file by file.

A file is identified by its path and the sha256 of its content. A file already loaded with the
same content loads nothing; a changed file under the same name loads again (its rows become new
versions in raw). Values are kept as text, untransformed; staging casts them.

As a plug-in (``sources/plugin.py``): ``config_model``, ``raw_tables`` and ``build_source``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.csv as pacsv
from dlt.sources import DltResource

from crm_warehouse.errors import SourceError
from crm_warehouse.sources.contract import compare_columns
from crm_warehouse.sources.helpdesk_csv.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from crm_warehouse.sources.helpdesk_csv.config import HelpdeskCsvSource
from crm_warehouse.sources.metadata import column_hints, stamp, utc_now
from crm_warehouse.sources.plugin import SourceJob
from crm_warehouse.sources.sync import SyncReport

config_model = HelpdeskCsvSource

ROW_NUMBER = "_source_row_number"

FileCounter = Callable[[str, int], None]


def snake_case(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")


def raw_tables(name: str, config: HelpdeskCsvSource) -> list[str]:
    return [f"{name}_tickets"]


def build_source(job: SourceJob) -> Any:
    config: HelpdeskCsvSource = job.config
    return helpdesk_csv(
        job.name,
        job.resolve(config.feed_dir),
        pattern=config.pattern,
        on_rows=job.on_rows,
        sync=job.sync,
    )


@dlt.source(name="helpdesk_csv", max_table_nesting=0)
def helpdesk_csv(
    source_name: str,
    feed_dir: Path,
    *,
    pattern: str = "**/*.csv",
    on_rows: FileCounter | None = None,
    sync: SyncReport | None = None,
) -> DltResource:
    return dlt.resource(
        _feed_rows(
            feed_dir,
            pattern,
            on_rows,
            sync or SyncReport(source_name, ""),
            f"{source_name}_tickets",
        ),
        name=f"{source_name}_tickets",
        write_disposition="append",
    )


def list_feed_files(feed_dir: Path, pattern: str, source: str = "helpdesk") -> list[Path]:
    if not feed_dir.is_dir():
        raise SourceError(
            f"feed folder {feed_dir} does not exist",
            where=f"source {source!r}",
            fix=f"create it, point sources.{source}.feed_dir at the export "
            "folder, or run `crm-warehouse demo`",
        )
    return sorted(p for p in feed_dir.glob(pattern) if p.is_file())


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _feed_rows(
    feed_dir: Path, pattern: str, on_rows: FileCounter | None, sync: SyncReport, raw_table: str
) -> Iterator[Any]:
    state = dlt.current.resource_state()
    loaded: dict[str, str] = state.setdefault("files", {})
    report = sync.table(raw_table)
    newest = state.get("newest_file_at")
    for path in list_feed_files(feed_dir, pattern, sync.source):
        relative = path.relative_to(feed_dir).as_posix()
        digest = file_digest(path)
        if loaded.get(relative) == digest:
            continue
        table = read_ticket_file(path, where=f"source {sync.source!r} file {relative}")
        _track_columns(state, table, raw_table, sync)
        report.rows_extracted += table.num_rows
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat()
        newest = max(newest or modified, modified)
        if on_rows:
            on_rows(relative, table.num_rows)
        if table.num_rows:
            stamped = stamp(
                table, source_file_id=f"{relative}#sha256:{digest[:16]}", extracted_at=utc_now()
            )
            yield dlt.mark.with_hints(
                stamped, dlt.mark.make_hints(columns=column_hints(stamped.schema))
            )
        loaded[relative] = digest
    if newest:
        state["newest_file_at"] = newest
        sync.newest(raw_table, dt.datetime.fromisoformat(newest))


def _track_columns(
    state: dict[str, Any], table: pa.Table, raw_table: str, sync: SyncReport
) -> None:
    """Columns beyond the layout flow into raw as text; each new one is reported once."""
    known: dict[str, str] = state.setdefault("columns", {})
    current = dict.fromkeys(table.column_names, "text")
    if known:
        sync.changes.extend(
            c for c in compare_columns(raw_table, known, current) if c.change == "added"
        )
    known.update(current)
    sync.table(raw_table).columns = dict(known)


def read_ticket_file(path: Path, *, where: str) -> pa.Table:
    """Read one export as text columns (quoted multi-line descriptions allowed)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(
            f"unreadable CSV header ({exc})",
            where=where,
            fix="re-export the file as UTF-8 CSV with a header row",
        ) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise SourceError(
            f"missing column(s) {', '.join(missing)}",
            where=where,
            fix="export with the standard ticket layout (see docs/sources.md)",
        )
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise SourceError(
            f"malformed CSV ({str(exc).splitlines()[0]})",
            where=where,
            fix="check quoting of multi-line descriptions and the column count of every row",
        ) from None
    table = table.rename_columns([snake_case(name) for name in table.column_names])
    for optional in OPTIONAL_COLUMNS:
        if snake_case(optional) not in table.column_names:
            table = table.append_column(snake_case(optional), pa.nulls(table.num_rows, pa.string()))
    return table.append_column(ROW_NUMBER, pa.array(range(1, table.num_rows + 1), pa.int64()))
