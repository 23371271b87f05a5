"""Customer data stays in the data schemas: rows carrying a marker name and email are fed through
every error path the sources have - malformed feed files of each kind, feed values that do not
parse, API values of the wrong type, CRM values that do not convert (quarantined, and failing a
reader) - and the marker must then appear nowhere an operator looks: the ops and audit tables,
`status --json`, the ops page, the logs, the metrics file, the alerts and the CLI's output. It
must be in raw's and the quarantine schema's tables, or the scan proves nothing."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from tests.conftest import TICKET_HEADER, Project, ticket_csv
from tests.monitor.conftest import HttpReceiver, http_receiver  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

NAME = "Zelda Markerfield"
EMAIL = "zelda.markerfield@pii-marker.test"
MARKERS = ("markerfield", "pii-marker")
COLUMNS = TICKET_HEADER.split(",")
SCANNED_SCHEMAS = ("ops", "audit")


def marked_ticket(ticket_id: int, **values: str) -> dict[str, str]:
    return {
        "Ticket ID": str(ticket_id),
        "Customer Name": NAME,
        "Customer Email": EMAIL,
        "Customer Age": "38",
        "Ticket Subject": "Network problem",
        "Ticket Description": f"Please call {NAME} back, at {EMAIL}.",
        "Ticket Status": "Open",
        "Ticket Channel": "Email",
        "Created At": "2022-01-30 09:00:00",
    } | values


def raw_record(row: dict[str, str], column: str, raw: str) -> str:
    values = [row.get(c, "") for c in COLUMNS]
    values[COLUMNS.index(column)] = raw
    return ",".join(values) + "\n"


def bad_feed_files() -> dict[str, bytes]:
    header = TICKET_HEADER + "\n"
    return {
        "export_unterminated.csv": (
            header + raw_record(marked_ticket(9_000_001), "Ticket Description", f'"{NAME} wrote')
        ).encode(),
        "export_columns.csv": (
            ticket_csv([marked_ticket(9_000_002)]).rstrip("\n") + f",{EMAIL}\n"
        ).encode(),
        "export_latin1.csv": ticket_csv(
            [marked_ticket(9_000_003, **{"Customer Name": f"{NAME} Müller"})]
        ).encode("latin-1"),
        "export_binary.csv": b"\x1f\x8b\x08\x00" + EMAIL.encode() + b"\x00" * 32,
        "export_semicolon.csv": ticket_csv([marked_ticket(9_000_004)]).replace(",", ";").encode(),
        "export_header.csv": ticket_csv([marked_ticket(9_000_005)])
        .replace("Ticket Status", "Status")
        .encode(),
    }


def feed_markers(project: Project) -> list[str]:
    """Malformed files of each kind, and a well-formed file whose values do not parse."""
    feed = project.folder / "data" / "feeds" / "helpdesk"
    for name, content in bad_feed_files().items():
        (feed / name).write_bytes(content)
    unparseable = marked_ticket(
        9_000_006, **{"Customer Age": EMAIL, "Customer Satisfaction Rating": NAME}
    )
    (feed / "export_values.csv").write_text(ticket_csv([unparseable]))
    return sorted(bad_feed_files())


def marketing_markers(project: Project) -> None:
    """A lead whose customer_id is an email, a campaign whose budget is a name."""
    folder = project.folder / "data" / "source" / "marketing"
    for endpoint, changes in {
        "leads": {"customer_id": EMAIL, "email": EMAIL},
        "campaigns": {"daily_budget": NAME, "name": f"{NAME}'s campaign"},
    }.items():
        path = folder / f"{endpoint}.jsonl"
        records = [json.loads(line) for line in path.read_text().splitlines()]
        newest = max(records, key=lambda r: r["updated_at"])
        key = "lead_id" if endpoint == "leads" else "campaign_id"
        later = dt.datetime.fromisoformat(newest["updated_at"].replace("Z", "+00:00"))
        added = (
            newest
            | changes
            | {"updated_at": f"{later + dt.timedelta(seconds=1):%Y-%m-%dT%H:%M:%SZ}"}
        )
        if endpoint == "leads":
            added[key] = max(r[key] for r in records) + 1
        with path.open("a") as handle:
            handle.write(json.dumps(added) + "\n")


def crm_markers(project: Project) -> None:
    """A customer whose age is an email and whose sign-up date is a name (SQLite keeps both)."""
    with sqlite3.connect(project.folder / "data" / "source" / "crm.sqlite") as con:
        newest, next_id = con.execute(
            "select max(updated_at), max(customer_id) + 1 from customers"
        ).fetchone()
        con.execute(
            "insert into customers (customer_id, full_name, email, age, gender, location, "
            "income_bracket, signup_date, created_at, updated_at) "
            "values (?, ?, ?, ?, 'Female', 'Leeds', 'Low', ?, ?, ?)",
            [next_id, NAME, EMAIL, EMAIL, f"{NAME} 2021", newest, newest],
        )


def found_in(text: str) -> list[str]:
    return [m for m in MARKERS if m in text.lower()]


def data_in_schemas(project: Project, schemas: tuple[str, ...]) -> dict[str, str]:
    tables = project.sql(
        "select table_schema, table_name from information_schema.tables where table_schema in "
        f"({', '.join(repr(s) for s in schemas)}) order by 1, 2"
    )
    return {
        f"{schema}.{table}": "\n".join(
            row for (row,) in project.sql(f'select cast(t as varchar) from {schema}."{table}" t')
        )
        for schema, table in tables
    }


def test_customer_data_never_leaves_the_data_schemas(
    demo_copy: Project,
    http_receiver: HttpReceiver,  # noqa: F811
) -> None:
    project = demo_copy
    hook = f'[monitor.alerts.channels.hook]\nkind = "webhook"\nurl = "{http_receiver.url("/hook")}"'
    project.config.write_text(f"{project.config.read_text()}\n{hook}\n")
    bad_files = feed_markers(project)
    marketing_markers(project)
    crm_markers(project)

    run = project.cli("run", check=False)
    # the CRM through connectorx: the driver itself stops at the text in an integer column
    reread = project.cli(
        "ingest",
        "--source",
        "crm",
        check=False,
        env={"CRM_WAREHOUSE_SOURCES__CRM__BACKEND": "connectorx"},
    )
    status = project.cli("status", "--json")

    # every path was taken: the markers are where customer data belongs ...
    assert reread.returncode == 3
    assert "of table customers is not of the column's type" in reread.stdout + reread.stderr
    quarantined_files = project.sql("select file_path, record from raw.helpdesk_quarantine")
    assert sorted(path for path, _ in quarantined_files) == bad_files
    raw_quarantine = data_in_schemas(project, ("raw", "quarantine"))
    for table in ("raw.helpdesk_quarantine", "raw.marketing_quarantine", "raw.crm_quarantine"):
        assert found_in(raw_quarantine[table]), table
    dbt_quarantine = [t for n, t in raw_quarantine.items() if n.startswith("quarantine.")]
    assert any(found_in(text) for text in dbt_quarantine)
    synced = project.sql(
        "select warning from ops.source_syncs where source = 'helpdesk' and warning is not null"
    )
    assert synced and f"quarantined {len(bad_files)} feed file(s)" in synced[0][0]
    summary = json.loads(
        project.sql("select summary from ops.runs where command = 'run' order by started_at desc")[
            0
        ][0]
    )
    assert summary["files_quarantined"] == {"helpdesk": len(bad_files)}
    assert http_receiver.to("/hook"), "no alert was sent"

    # ... and nowhere else
    seen: dict[str, str] = data_in_schemas(project, SCANNED_SCHEMAS)
    seen["status --json"] = status.stdout
    settings = project.settings
    seen["ops page"] = settings.resolve(settings.monitor.ops_page).read_text()
    for folder in (settings.data_path / "logs", settings.data_path / "metrics"):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            seen[str(path.relative_to(project.folder))] = path.read_text(errors="replace")
    for number, request in enumerate(http_receiver.requests):
        seen[f"alert {number} to {request.path}"] = request.body.decode()
    for name, result in {"run": run, "ingest": reread}.items():
        seen[f"crm-warehouse {name}"] = result.stdout + result.stderr
    leaks = {where: found_in(text) for where, text in seen.items() if found_in(text)}
    assert leaks == {}
    assert len(seen) > len(SCANNED_SCHEMAS) + 4  # tables, status, page, logs, alerts, output


def test_the_scan_finds_a_marker_in_any_case() -> None:
    assert found_in(f"x {NAME.upper()} y") == ["markerfield"]
    assert found_in("nothing here") == []
