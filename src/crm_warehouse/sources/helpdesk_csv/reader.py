"""One helpdesk export file, read strictly: UTF-8, comma-separated, RFC 4180 quoting, the
header's column count on every record.

A file that breaks any of these is refused whole (``MalformedFileError``) with the line, the
column where it is known, and the reason - never a value from the file: the offending record's
text travels separately (``evidence``), for the quarantine table in raw only.

Two passes. Python's ``csv`` module (strict, no field size limit) checks every record, fed line
by line from the bytes so each problem has its physical line number; it keeps nothing. Arrow's
CSV reader then parses the checked file into text columns, with blocks sized to its longest
record, so a description of tens of megabytes is one value like any other (Arrow alone stops
at a record longer than its block, and its errors quote the row).
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from crm_warehouse.errors import cause
from crm_warehouse.sources.helpdesk_csv.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

ROW_NUMBER = "_source_row_number"
DEFAULT_BLOCK_BYTES = 1 << 20  # Arrow's default CSV block
MAX_RECORD_BYTES = 1 << 30  # Arrow's block size is an int32; twice a record must fit
EVIDENCE_CHARS = 1 << 20  # the offending record kept in the quarantine table, at most
_SNIFF_BYTES = 1 << 16
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_OTHER_DELIMITERS = (";", "\t", "|")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a field may be as long as the file


def snake_case(header: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")


@dataclass(frozen=True)
class Problem:
    """Why a file was refused: where (1-based physical line; the header is line 1) and why."""

    line: int | None
    reason: str
    column: str | None = None

    def describe(self) -> str:
        where = [f"line {self.line}"] if self.line else []
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class MalformedFileError(ValueError):
    """A feed file that cannot be read as a ticket export. Its message names line, column and
    reason only; ``evidence`` holds the offending record's text (for raw's quarantine table)."""

    def __init__(self, problem: Problem, evidence: str | None = None) -> None:
        super().__init__(problem.describe())
        self.problem = problem
        self.evidence = evidence[:EVIDENCE_CHARS] if evidence else None


def read_ticket_file(path: Path) -> pa.Table:
    """The file's records as text columns (headers snake-cased, ``Created At`` added when
    absent) plus ``_source_row_number``; raises ``MalformedFileError``."""
    header, records, longest = check_file(path)
    table = _parse(path, header, longest)
    if table.num_rows != records:  # both parsers read RFC 4180: a bug if they disagree
        raise RuntimeError(f"{path}: {records} records checked, {table.num_rows} parsed")
    for optional in OPTIONAL_COLUMNS:
        if snake_case(optional) not in table.column_names:
            table = table.append_column(snake_case(optional), pa.nulls(table.num_rows, pa.string()))
    return table.append_column(ROW_NUMBER, pa.array(range(1, table.num_rows + 1), pa.int64()))


def check_file(path: Path) -> tuple[list[str], int, int]:
    """The header, the number of records and the longest record's bytes of a well-formed
    export; raises ``MalformedFileError`` at the first problem."""
    with path.open("rb") as handle:
        _refuse_binary(handle.read(_SNIFF_BYTES))
        handle.seek(0)
        lines = _Lines(handle)
        reader = csv.reader(lines, strict=True)
        header = _header(reader, lines)
        records = 0
        while True:
            first = lines.first
            record = _next_record(reader, lines, header)
            if record is None:
                return header, records, lines.longest
            evidence = lines.take()
            if not record:  # a blank line
                continue
            if len(record) != len(header):
                raise MalformedFileError(_width_problem(first, record, header), evidence)
            records += 1


def _parse(path: Path, header: list[str], longest: int) -> pa.Table:
    if longest >= MAX_RECORD_BYTES:
        raise MalformedFileError(Problem(None, f"a record of more than {MAX_RECORD_BYTES:,} bytes"))
    block = max(DEFAULT_BLOCK_BYTES, 2 * longest + 1)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=block),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:  # not expected after the check; Arrow's message quotes rows
        raise MalformedFileError(Problem(None, f"unreadable CSV ({cause(exc)})")) from None
    return table.rename_columns([snake_case(name) for name in header])


def _refuse_binary(head: bytes) -> None:
    if head.startswith(_UTF16_BOMS):
        raise MalformedFileError(Problem(1, "UTF-16 text; the feed is UTF-8 - re-export as UTF-8"))
    if b"\0" in head:
        line = head[: head.index(b"\0")].count(b"\n") + 1
        raise MalformedFileError(Problem(line, "binary content (a NUL byte), not a CSV export"))


class _Lines:
    """The file's lines as text for ``csv.reader``, numbered, each checked for NUL bytes and
    UTF-8. Per record: its first line, its bytes, and its text (for the evidence)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.number = 0  # the last line read
        self.first = 1  # the first line of the record being read
        self.pending: list[str] = []
        self.pending_chars = 0
        self.record_bytes = 0
        self.longest = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = next(self.handle)
        self.number += 1
        self.record_bytes += len(raw)
        if self.number == 1:
            raw = raw.removeprefix(_UTF8_BOM)
        if b"\0" in raw:
            raise MalformedFileError(
                Problem(self.number, "binary content (a NUL byte), not a CSV export")
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedFileError(
                Problem(self.number, "not UTF-8 text - re-export the file as UTF-8"),
                raw.decode("utf-8", errors="replace"),
            ) from None
        if self.pending_chars < EVIDENCE_CHARS:
            self.pending.append(text)
            self.pending_chars += len(text)
        return text

    def take(self) -> str:
        """The text of the record just read; the next record starts on the next line."""
        text = "".join(self.pending)
        self.longest = max(self.longest, self.record_bytes)
        self.pending, self.pending_chars, self.record_bytes = [], 0, 0
        self.first = self.number + 1
        return text


def _next_record(
    reader: Iterator[list[str]], lines: _Lines, header: list[str] | None = None
) -> list[str] | None:
    first = lines.first
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        evidence = lines.take()
        field = _field_in_trouble(evidence)
        column = header[field] if header and field is not None and field < len(header) else None
        raise MalformedFileError(_csv_problem(str(exc), first, column), evidence) from None


def _csv_problem(message: str, line: int, column: str | None) -> Problem:
    """Python's csv errors (they never quote a value) as the operator's reason."""
    if "unexpected end of data" in message:
        reason = "a quoted value is never closed (the quote runs to the end of the file)"
    elif "expected after" in message:
        reason = "text after a closing quote (a quote inside a quoted value must be doubled)"
    elif "new-line character seen in unquoted field" in message:
        reason = "a bare carriage return (CR) line break - use LF or CRLF"
    else:
        reason = f"malformed CSV ({message})"
    return Problem(line, reason, column)


def _field_in_trouble(text: str) -> int | None:
    """The 0-based field of a record whose quoting breaks: the one whose quote is never
    closed, or the first with text after its closing quote."""
    field, i, n = 0, 0, len(text)
    while i < n:
        if text[i] == '"':
            close = text.find('"', i + 1)
            while close >= 0 and text.startswith('""', close):
                close = text.find('"', close + 2)
            if close < 0:
                return field
            i = close + 1
            if i < n and text[i] not in ",\r\n":
                return field
        else:
            i = min((j for j in (text.find(",", i), text.find("\n", i)) if j >= 0), default=n)
        if i >= n or text[i] != ",":
            return None
        field, i = field + 1, i + 1
    return None


def _header(reader: Iterator[list[str]], lines: _Lines) -> list[str]:
    header = _next_record(reader, lines)
    lines.take()
    if not header:
        raise MalformedFileError(Problem(1, "no header row (an empty file or a blank first line)"))
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing and len(header) == 1:
        used = next((d for d in _OTHER_DELIMITERS if d in header[0]), None)
        if used is not None:
            raise MalformedFileError(
                Problem(1, f"not comma-separated (the header is {used!r}-separated)"),
                header[0],
            )
    if missing:
        raise MalformedFileError(
            Problem(1, f"missing column(s) {', '.join(missing)}"), ",".join(header)
        )
    names = [snake_case(name) for name in header]
    twice = sorted({h for h, n in zip(header, names, strict=True) if names.count(n) > 1})
    if twice:
        raise MalformedFileError(Problem(1, f"column(s) {', '.join(twice)} appear twice"))
    return header


def _width_problem(line: int, record: list[str], header: list[str]) -> Problem:
    if len(record) < len(header):
        return Problem(
            line,
            f"{len(record)} values where the header has {len(header)} columns (none from this "
            "column on)",
            column=header[len(record)],
        )
    return Problem(
        line,
        f"{len(record)} values where the header has {len(header)} columns (an unquoted comma "
        "or a stray quote in a value?)",
    )
