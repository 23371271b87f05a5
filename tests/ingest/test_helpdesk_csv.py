"""The helpdesk feed: each file loads once per content (malformed files:
test_helpdesk_quarantine.py)."""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from crm_warehouse.ingest import ingest
from crm_warehouse.sources.helpdesk_csv import (
    REQUIRED_COLUMNS,
    MalformedFileError,
    read_ticket_file,
)
from tests.conftest import ticket_csv

TICKET = {
    "Ticket ID": "7",
    "Customer Name": "Ann Lee",
    "Customer Email": " Ann@Example.com ",
    "Ticket Subject": "Network problem",
    "Ticket Status": "Open",
    "Ticket Channel": "Email",
    "Ticket Description": 'Line one,\nline "two"',
    "Created At": "2021-06-01 10:00:00",
}


def helpdesk_only(settings):
    return ingest(settings, "t", only=["helpdesk"])[0]


def tickets(settings) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path)) as con:
        return con.execute(
            "select ticket_id, ticket_status, ticket_description, _source_file_id, "
            "_source_row_number from raw.helpdesk_tickets order by _ab_extracted_at, "
            "_source_row_number"
        ).fetchall()


@pytest.fixture
def settings(project, feed_dir):
    (feed_dir / "tickets_2021-06-01.csv").write_text(
        ticket_csv([TICKET, TICKET | {"Ticket ID": "8"}])
    )
    return project()


def test_loads_text_untransformed_with_file_identity(settings):
    load = helpdesk_only(settings)
    assert load.rows == {"helpdesk_tickets": 2}
    rows = tickets(settings)
    assert rows[0][:3] == ("7", "Open", 'Line one,\nline "two"')
    assert rows[0][3].startswith("tickets_2021-06-01.csv#sha256:")
    assert [r[4] for r in rows] == [1, 2]


def test_redelivered_identical_file_loads_nothing(settings, feed_dir):
    helpdesk_only(settings)
    path = feed_dir / "tickets_2021-06-01.csv"
    content = path.read_bytes()
    path.unlink()
    path.write_bytes(content)  # re-delivered: new inode and mtime, same bytes
    os.utime(path, (1e9, 1e9))
    assert helpdesk_only(settings).rows_loaded == 0
    assert len(tickets(settings)) == 2


def test_changed_file_under_same_name_loads_again(settings, feed_dir):
    helpdesk_only(settings)
    (feed_dir / "tickets_2021-06-01.csv").write_text(
        ticket_csv([TICKET | {"Ticket Status": "Closed"}])
    )
    assert helpdesk_only(settings).rows_loaded == 1
    statuses = [r[1] for r in tickets(settings) if r[0] == "7"]
    assert statuses == ["Open", "Closed"]


def test_new_file_in_subfolder_is_found(settings, feed_dir):
    helpdesk_only(settings)
    (feed_dir / "2021").mkdir()
    (feed_dir / "2021" / "tickets_2021-06-02.csv").write_text(ticket_csv([TICKET]))
    assert helpdesk_only(settings).rows_loaded == 1


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Ticket ID,Customer Email\n1,a@b.c\n")
    with pytest.raises(MalformedFileError) as err:
        read_ticket_file(path)
    assert err.value.problem.line == 1
    assert "Ticket Status" in str(err.value) and "a@b.c" not in str(err.value)


def test_missing_feed_folder_fails_the_source(settings, feed_dir):
    shutil.rmtree(feed_dir)
    load = helpdesk_only(settings)
    assert load.status == "failed"
    assert "feed folder" in load.error and "does not exist" in load.error


def test_created_at_is_optional(tmp_path):
    path = tmp_path / "old_layout.csv"
    header = ",".join(TICKET_HEADER_WITHOUT_CREATED)
    path.write_text(header + "\n" + ",".join(["1"] + [""] * 16) + "\n")
    table = read_ticket_file(path)
    assert table.column("created_at").null_count == 1


TICKET_HEADER_WITHOUT_CREATED = list(REQUIRED_COLUMNS)


def test_both_passes_read_the_same_values(tmp_path):
    """The strict check (Python's csv) and the parse (Arrow) agree on the corners of RFC 4180:
    a quote inside an unquoted value, an empty quoted value, CRLF and quotes inside quotes."""
    import csv
    import io

    width = len(TICKET_HEADER_WITHOUT_CREATED)
    rows = [
        ["1", 'ab"c'] + ["x"] * (width - 2),
        ["2", ""] + ["  spaced  "] * (width - 2),
        ["3", "a\r\nb"] + ["é✓"] * (width - 2),
        ["4", 'q"uote'] + [""] * (width - 2),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([TICKET_HEADER_WITHOUT_CREATED, *rows])
    path = tmp_path / "corners.csv"
    path.write_bytes(out.getvalue().replace('"ab""c"', 'ab"c').encode())
    table = read_ticket_file(path).drop_columns(["created_at", "_source_row_number"])
    assert [list(r.values()) for r in table.to_pylist()] == rows
