"""A malformed helpdesk file is quarantined whole among good files, which load; the warning and
the quarantine row name file, line, column and reason, never a value; the same bad content is
not read again; the file fixed and dropped again loads. A valid description of tens of MB loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from crm_warehouse.sources.helpdesk_csv import quarantine_warning
from crm_warehouse.sources.helpdesk_csv.reader import Problem
from tests.conftest import TICKET_HEADER, ingest_recorded, ticket_csv

MARKER_NAME = "Zelda Markerfield"
MARKER_EMAIL = "zelda.markerfield@pii-marker.test"
MARKERS = ("markerfield", "pii-marker")
BAD_FILE = "tickets_2021-06-02.csv"
COLUMNS = TICKET_HEADER.split(",")


def ticket(ticket_id: int, **values: str) -> dict[str, str]:
    return {
        "Ticket ID": str(ticket_id),
        "Customer Name": f"Customer {ticket_id}",
        "Customer Email": f"c{ticket_id}@example.com",
        "Customer Age": "41",
        "Ticket Subject": "Network problem",
        "Ticket Description": "It stopped working, twice.",
        "Ticket Status": "Open",
        "Ticket Channel": "Email",
        "Created At": "2021-06-02 09:00:00",
    } | values


def marked(ticket_id: int, **values: str) -> dict[str, str]:
    return ticket(ticket_id, **{"Customer Name": MARKER_NAME, "Customer Email": MARKER_EMAIL}) | (
        values
    )


def csv_text(*rows: dict[str, str]) -> str:
    return ticket_csv(list(rows))


def line_of(row: dict[str, str]) -> str:
    """One record as the CSV writer writes it, without the header."""
    return csv_text(row).split("\n", 1)[1]


def with_field(row: dict[str, str], column: str, raw: str) -> str:
    """The record with ``column`` written as ``raw``, verbatim (no quoting)."""
    values = [row.get(c, "") for c in COLUMNS]
    values[COLUMNS.index(column)] = raw
    return ",".join(values) + "\n"


@dataclass(frozen=True)
class Malformed:
    content: Callable[[], bytes]
    line: int | None
    reason: str
    column: str | None = None
    evidence_has_marker: bool = True


def _text(*parts: str) -> bytes:
    return "".join(parts).encode()


GOOD_3 = ticket(3)
HEADER_LINE = TICKET_HEADER + "\n"

MALFORMED = {
    "unterminated_quote": Malformed(
        lambda: _text(
            HEADER_LINE,
            line_of(GOOD_3),
            with_field(marked(4), "Ticket Description", '"never closed, by ' + MARKER_NAME),
            line_of(ticket(40, **{"Ticket Description": "fine"})),
        ),
        line=3,
        reason="a quoted value is never closed",
        column="Ticket Description",
    ),
    "text_after_closing_quote": Malformed(
        lambda: _text(
            HEADER_LINE,
            line_of(GOOD_3),
            with_field(marked(4), "Ticket Subject", '"Network" problem'),
        ),
        line=3,
        reason="text after a closing quote",
        column="Ticket Subject",
    ),
    "too_many_values": Malformed(
        lambda: _text(HEADER_LINE, line_of(GOOD_3), line_of(marked(4)).rstrip("\n") + ",x,y\n"),
        line=3,
        reason="20 values where the header has 18 columns",
    ),
    "too_few_values": Malformed(
        lambda: _text(
            HEADER_LINE, line_of(GOOD_3), f"4,{MARKER_NAME},{MARKER_EMAIL}\n", line_of(ticket(5))
        ),
        line=3,
        reason="3 values where the header has 18 columns",
        column="Customer Age",
    ),
    "binary": Malformed(
        lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + MARKER_EMAIL.encode() + b"\x00" * 64,
        line=3,
        reason="binary content",
        evidence_has_marker=False,
    ),
    "utf16": Malformed(
        lambda: csv_text(GOOD_3, marked(4)).encode("utf-16"),
        line=1,
        reason="UTF-16",
        evidence_has_marker=False,
    ),
    "latin1": Malformed(
        lambda: csv_text(GOOD_3, marked(4, **{"Customer Name": MARKER_NAME + " Müller"})).encode(
            "latin-1"
        ),
        line=3,
        reason="not UTF-8",
    ),
    "semicolon_delimited": Malformed(
        lambda: csv_text(GOOD_3, marked(4)).replace(",", ";").encode(),
        line=1,
        reason="not comma-separated (the header is ';'-separated)",
        evidence_has_marker=False,
    ),
    "missing_columns": Malformed(
        lambda: (
            csv_text(GOOD_3, marked(4))
            .replace("Ticket Status,", "State,")
            .replace("Customer Satisfaction Rating,", "Rating,")
            .encode()
        ),
        line=1,
        reason="missing column(s) Ticket Status, Customer Satisfaction Rating",
        evidence_has_marker=False,
    ),
    "empty": Malformed(lambda: b"", line=1, reason="no header row", evidence_has_marker=False),
}


def sql(settings, query: str) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path)) as con:
        return con.execute(query).fetchall()


def ticket_ids(settings) -> list[int]:
    return sorted(int(r[0]) for r in sql(settings, "select ticket_id from raw.helpdesk_tickets"))


def quarantined(settings) -> list[tuple]:
    return sql(
        settings,
        "select file_path, file_sha256, line_number, column_name, reason, record, "
        "_source_file_id from raw.helpdesk_quarantine order by _ab_extracted_at",
    )


def sync(settings, run_id: str):
    return ingest_recorded(settings, run_id, only=["helpdesk"])[0]


def assert_no_marker(text: str) -> None:
    assert not any(m in text.lower() for m in MARKERS), text


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_file_is_quarantined_and_the_others_load(kind, project, feed_dir):
    bad = MALFORMED[kind]
    content = bad.content()
    (feed_dir / "tickets_2021-06-01.csv").write_text(csv_text(ticket(1), ticket(2)))
    (feed_dir / BAD_FILE).write_bytes(content)
    (feed_dir / "tickets_2021-06-03.csv").write_text(csv_text(ticket(5), ticket(6)))
    settings = project()

    load = sync(settings, "first")
    assert load.status == "ok", load.error
    assert ticket_ids(settings) == [1, 2, 5, 6]  # both good files, nothing of the bad one
    assert load.files_quarantined == 1
    [(path, sha256, line, column, reason, record, file_id)] = quarantined(settings)
    assert (path, sha256) == (BAD_FILE, hashlib.sha256(content).hexdigest())
    assert file_id == f"{BAD_FILE}#sha256:{sha256[:16]}"
    assert (line, column) == (bad.line, bad.column)
    assert bad.reason in reason
    assert_no_marker(reason)
    # the offending record is kept in raw, where customer data lives
    assert (MARKER_EMAIL in (record or "")) == bad.evidence_has_marker
    [warning] = load.warnings
    assert BAD_FILE in warning and f"line {bad.line}" in warning and bad.reason in warning
    assert_no_marker(warning)
    synced = sql(
        settings,
        "select warning, error from ops.source_syncs where run_id = 'first' "
        "and table_name = 'helpdesk_tickets'",
    )
    assert synced == [(warning, None)]

    again = sync(settings, "unchanged")  # the same bad content: not read, not reported again
    assert (again.rows_loaded, again.files_quarantined, again.warnings) == (0, 0, [])
    assert len(quarantined(settings)) == 1

    (feed_dir / BAD_FILE).write_text(csv_text(ticket(3), ticket(4)))  # fixed and dropped again
    fixed = sync(settings, "fixed")
    assert (fixed.rows_loaded, fixed.files_quarantined, fixed.warnings) == (2, 0, [])
    assert ticket_ids(settings) == [1, 2, 3, 4, 5, 6]


def test_a_loaded_file_rewritten_badly_keeps_what_it_loaded(project, feed_dir):
    path = feed_dir / "tickets_2021-06-01.csv"
    path.write_text(csv_text(ticket(1), ticket(2)))
    settings = project()
    assert sync(settings, "first").rows_loaded == 2
    path.write_bytes(MALFORMED["too_many_values"].content())
    load = sync(settings, "broken")
    assert (load.rows["helpdesk_tickets"], load.files_quarantined) == (0, 1)
    assert ticket_ids(settings) == [1, 2]
    path.write_text(csv_text(ticket(1, **{"Ticket Status": "Closed"})))
    assert sync(settings, "fixed").rows_loaded == 1


def test_a_description_of_tens_of_megabytes_loads(project, feed_dir):
    size = 24 * 2**20
    chunk = 'A line of the customer\'s log, with commas, "quotes" and a break\n'
    description = (chunk * (size // len(chunk) + 1))[:size]
    (feed_dir / "tickets_2021-06-01.csv").write_text(
        csv_text(ticket(1, **{"Ticket Description": description}), ticket(2))
    )
    (feed_dir / "tickets_2021-06-02.csv").write_text(csv_text(ticket(3)))
    settings = project()
    load = sync(settings, "large")
    assert (load.status, load.rows_loaded, load.files_quarantined) == ("ok", 3, 0), load.error
    [(length, digest)] = sql(
        settings,
        "select length(ticket_description), md5(ticket_description) from raw.helpdesk_tickets "
        "where ticket_id = '1'",
    )
    assert (length, digest) == (size, hashlib.md5(description.encode()).hexdigest())


def test_the_warning_names_the_first_files_and_counts_the_rest():
    refused = [(f"f{i}.csv", Problem(i + 1, "no header row")) for i in range(7)]
    warning = quarantine_warning("helpdesk", refused)
    assert warning.startswith("quarantined 7 feed file(s)")
    assert "f4.csv (line 5: no header row" in warning and "f5.csv" not in warning
    assert "and 2 more" in warning and "raw.helpdesk_quarantine" in warning


def test_blank_lines_and_crlf_are_accepted(tmp_path: Path):
    from crm_warehouse.sources.helpdesk_csv import read_ticket_file

    path = tmp_path / "windows.csv"
    text = csv_text(ticket(1), ticket(2, **{"Ticket Description": "two\nlines"}))
    path.write_bytes(("\ufeff" + text.replace("\n", "\r\n") + "\r\n\r\n").encode())
    table = read_ticket_file(path)
    assert table.column("ticket_id").to_pylist() == ["1", "2"]
    assert table.column("ticket_description").to_pylist()[1] == "two\r\nlines"
    assert table.column("_source_row_number").to_pylist() == [1, 2]
