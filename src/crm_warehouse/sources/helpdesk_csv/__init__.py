"""The helpdesk ticket export: CSV files dropped into a folder, loaded file by file.

A file is identified by its path and the sha256 of its content. A file already loaded with the
same content loads nothing; a changed file under the same name loads again (its rows become new
versions in raw). Values are kept as text, untransformed; staging casts them.

As a plug-in (``sources/plugin.py``): ``config_model``, ``raw_tables`` and ``build_source``.

A malformed file (``reader.py``) is quarantined whole: nothing of it loads, every other file
does, the sync carries a warning naming file, line, column and reason, and
``raw.<source>_quarantine`` gets one row for it (path, sha256, line, reason and the offending
record, which stays in raw). The file itself stays in the feed. The same bad content is not
read again; a changed file under that name is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from crm_warehouse.errors import SourceError
from crm_warehouse.sources.contract import QUARANTINE_SCHEMA, QUARANTINE_TABLE, compare_columns
from crm_warehouse.sources.helpdesk_csv.columns import REQUIRED_COLUMNS
from crm_warehouse.sources.helpdesk_csv.config import HelpdeskCsvSource
from crm_warehouse.sources.helpdesk_csv.reader import (
    ROW_NUMBER,
    MalformedFileError,
    Problem,
    read_ticket_file,
    snake_case,
)
from crm_warehouse.sources.metadata import column_hints, raw_item, stamp, utc_now
from crm_warehouse.sources.plugin import SourceJob
from crm_warehouse.sources.sync import SyncReport

config_model = HelpdeskCsvSource

__all__ = [
    "REQUIRED_COLUMNS",
    "ROW_NUMBER",
    "MalformedFileError",
    "build_source",
    "config_model",
    "helpdesk_csv",
    "raw_tables",
    "read_ticket_file",
    "snake_case",
]

FileCounter = Callable[[str, int], None]

FILE_QUARANTINE_SCHEMA = (
    QUARANTINE_SCHEMA.append(pa.field("file_path", pa.string()))
    .append(pa.field("file_sha256", pa.string()))
    .append(pa.field("line_number", pa.int64()))
)
_NAMED_IN_WARNING = 5  # quarantined files named in the sync's warning; the rest are counted


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
    held: dict[str, str] = state.setdefault("quarantined_files", {})
    report = sync.table(raw_table)
    newest = state.get("newest_file_at")
    refused: list[tuple[str, Problem]] = []
    for path in list_feed_files(feed_dir, pattern, sync.source):
        relative = path.relative_to(feed_dir).as_posix()
        digest = file_digest(path)
        if not _is_new(relative, digest, loaded, held):
            continue
        source_file_id = f"{relative}#sha256:{digest[:16]}"
        try:
            table = read_ticket_file(path)
        except MalformedFileError as bad:
            held[relative] = digest
            report.files_quarantined += 1
            refused.append((relative, bad.problem))
            yield _quarantined_file(bad, raw_table, relative, digest, source_file_id, sync.source)
            continue
        held.pop(relative, None)
        _track_columns(state, table, raw_table, sync)
        report.rows_extracted += table.num_rows
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat()
        newest = max(newest or modified, modified)
        if on_rows:
            on_rows(relative, table.num_rows)
        if table.num_rows:
            stamped = stamp(table, source_file_id=source_file_id, extracted_at=utc_now())
            yield dlt.mark.with_hints(
                stamped, dlt.mark.make_hints(columns=column_hints(stamped.schema))
            )
        loaded[relative] = digest
    if refused:
        sync.warnings.append(quarantine_warning(sync.source, refused))
    if newest:
        state["newest_file_at"] = newest
        sync.newest(raw_table, dt.datetime.fromisoformat(newest))


def _is_new(relative: str, digest: str, loaded: dict[str, str], held: dict[str, str]) -> bool:
    """Content not loaded and not quarantined under this path before. Content that loaded
    before (a file put back after a bad version) releases the path from quarantine."""
    if loaded.get(relative) == digest:
        held.pop(relative, None)
        return False
    return held.get(relative) != digest


def _quarantined_file(
    bad: MalformedFileError,
    raw_table: str,
    relative: str,
    digest: str,
    source_file_id: str,
    source: str,
) -> Any:
    """The quarantine table's row for a refused file: where and why, and the offending record
    (raw is where customer data may live)."""
    row = {
        "table_name": raw_table,
        "column_name": bad.problem.column,
        "value": None,
        "reason": bad.problem.reason,
        "record": bad.evidence,
        "file_path": relative,
        "file_sha256": digest,
        "line_number": bad.problem.line,
    }
    table = pa.Table.from_pylist([row], FILE_QUARANTINE_SCHEMA)
    stamped = stamp(table, source_file_id=source_file_id, extracted_at=utc_now())
    return raw_item(stamped, f"{source}_{QUARANTINE_TABLE}")


def quarantine_warning(source: str, refused: list[tuple[str, Problem]]) -> str:
    """One line for the sync: each refused file (the first few) with line, column and reason."""
    named = "; ".join(
        f"{path} ({problem.describe()})" for path, problem in refused[:_NAMED_IN_WARNING]
    )
    more = len(refused) - _NAMED_IN_WARNING
    return (
        f"quarantined {len(refused)} feed file(s), nothing of them loaded: {named}"
        + (f"; and {more} more" if more > 0 else "")
        + f" - fix: correct the file and drop it into the feed again (a changed file is read "
        f"again); it stays in the feed, and raw.{source}_{QUARANTINE_TABLE} records it"
    )


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
