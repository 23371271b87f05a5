"""A source that fails does not stop the others: `run` loads, audits and publishes the sources
that loaded, keeps the failed one as of its last good sync (raw rows and dlt state), and still
exits non-zero with one line naming it. A run that fails keeps its sync metadata."""

from __future__ import annotations

import csv
import json
import sqlite3
import uuid

import pytest

from tests.conftest import Project
from tests.e2e.test_cli_errors import assert_one_line_error
from tests.pg import SERVER, admin_connect

pytestmark = pytest.mark.e2e

CRM_TABLES = ("crm_customers", "crm_products", "crm_orders", "crm_order_items")
MARKETING = ("campaigns", "ad_spend", "leads")


def raw_counts(project: Project) -> dict[str, int]:
    rows = project.sql(
        "select table_name from information_schema.tables where table_schema = 'raw' "
        "and table_name not like '\\_dlt%' escape '\\'"
    )
    return {t: project.sql(f'select count(*) from raw."{t}"')[0][0] for (t,) in rows}


def last_run(project: Project) -> tuple[str, str, str | None]:
    return project.sql("select run_id, status, error from ops.runs order by started_at desc")[0]


def marketing_lines(project: Project) -> dict[str, set[str]]:
    folder = project.folder / "data" / "source" / "marketing"
    return {e: set((folder / f"{e}.jsonl").read_text().splitlines()) for e in MARKETING}


@pytest.mark.postgres
def test_a_failed_source_leaves_the_others_loaded_and_published(demo_copy):
    admin_connect().close()  # skips without the local PostgreSQL server
    missing = SERVER.rsplit("/", 1)[0] + f"/crm_missing_{uuid.uuid4().hex[:8]}"
    project = demo_copy
    crm_state = project.folder / "data" / "dlt" / "crm_warehouse_crm" / "state.json"
    state_before = crm_state.read_bytes()
    before = raw_counts(project)
    crm_state_rows = project.sql(
        "select count(*) from raw._dlt_pipeline_state where pipeline_name = 'crm_warehouse_crm'"
    )
    cursors = {t: project.sql(f"select max(updated_at) from raw.{t}")[0][0] for t in CRM_TABLES}
    feed = project.folder / "data" / "feeds" / "helpdesk"
    files_before = {p.name for p in feed.glob("*.csv")}
    lines_before = marketing_lines(project)
    manifest_before = json.loads((project.folder / "powerbi" / "manifest.json").read_text())

    project.cli("demo", "--advance", "1", "--generate-only")  # new rows in every source
    new_tickets = [
        row
        for p in sorted(feed.glob("*.csv"))
        if p.name not in files_before
        for row in csv.DictReader(p.open(newline=""))
    ]
    new_lines = {e: lines - lines_before[e] for e, lines in marketing_lines(project).items()}
    assert new_tickets and new_lines["leads"] and new_lines["ad_spend"]

    crm_down = {
        "CRM_WAREHOUSE_SOURCES__CRM__KIND": "postgres",
        "CRM_WAREHOUSE_SOURCES__CRM__URL": missing,  # a database the server does not have
    }
    result = project.cli("run", check=False, env=crm_down)

    # one line naming the source and why; exit 3 (a source failed)
    assert_one_line_error(result, "source 'crm'", "does not exist")
    assert result.returncode == 3
    # ... after the other sources were loaded, audited and published
    after = raw_counts(project)
    assert after["helpdesk_tickets"] - before["helpdesk_tickets"] == len(new_tickets)
    ticket_ids = {r["Ticket ID"] for r in new_tickets}
    loaded_ids = {
        r[0]
        for r in project.sql(
            "select distinct ticket_id::varchar from raw.helpdesk_tickets where _dlt_load_id = "
            "(select max(_dlt_load_id) from raw.helpdesk_tickets)"
        )
    }
    assert loaded_ids == ticket_ids
    for endpoint, lines in new_lines.items():
        table = f"marketing_{endpoint}"
        assert after[table] - before[table] == len(lines), table
    new_leads = {json.loads(line)["lead_id"] for line in new_lines["leads"]}
    newest_leads = {
        r[0]
        for r in project.sql(
            "select lead_id from raw.marketing_leads where _dlt_load_id = "
            "(select max(_dlt_load_id) from raw.marketing_leads)"
        )
    }
    assert new_leads <= newest_leads
    # the CRM stays as of its last good sync: raw rows and dlt state
    assert {t: after[t] for t in before if t.startswith("crm_")} == {
        t: n for t, n in before.items() if t.startswith("crm_")
    }
    assert crm_state.read_bytes() == state_before
    assert (
        project.sql(
            "select count(*) from raw._dlt_pipeline_state where pipeline_name = 'crm_warehouse_crm'"
        )
        == crm_state_rows
    )

    run_id, status, error = last_run(project)
    assert status == "failed" and "source 'crm'" in error and "does not exist" in error
    manifest = json.loads((project.folder / "powerbi" / "manifest.json").read_text())
    assert manifest["run_id"] == run_id != manifest_before["run_id"]
    stages = project.sql(
        f"select name, status from ops.run_steps where run_id = '{run_id}' and step = 'stage' "
        "order by started_at"
    )
    assert stages == [
        ("ingest", "failed"),
        ("transform", "ok"),
        ("gate", "ok"),
        ("promote", "ok"),
        ("publish", "ok"),
    ]
    ingest = project.sql(
        f"select source, bool_and(status = 'ok'), sum(rows_written) from ops.run_steps "
        f"where run_id = '{run_id}' and step = 'ingest' group by source order by source"
    )
    assert ingest == [
        ("crm", False, 0),
        ("helpdesk", True, len(new_tickets)),
        ("marketing", True, sum(len(lines) for lines in new_lines.values())),
    ]
    syncs = project.sql(
        f"select source, table_name, status, rows_loaded from ops.source_syncs "
        f"where run_id = '{run_id}' order by source, table_name"
    )
    assert syncs[0] == ("crm", "crm", "failed", 0)
    assert ("helpdesk", "helpdesk_tickets", "ok", len(new_tickets)) in syncs
    assert {s[1] for s in syncs if s[0] == "marketing"} == {f"marketing_{e}" for e in MARKETING}
    assert project.sql(
        "select kind, subject from ops.incidents where status = 'open' order by kind"
    ) == [("source_failed", "crm")]  # published: not a blocked publish
    shown = json.loads(project.cli("status", "--json").stdout)["last_run_syncs"]
    assert [(s["source"], s["status"]) for s in shown if s["source"] == "crm"] == [
        ("crm", "failed")
    ]
    assert "does not exist" in shown[0]["error"]

    # the CRM's cursor did not move: the next run reads exactly the rows it missed
    with sqlite3.connect(project.folder / "data" / "source" / "crm.sqlite") as con:
        expected = {
            t: con.execute(
                f"select count(*) from {t.removeprefix('crm_')} where updated_at > ?",
                [str(cursors[t])],
            ).fetchone()[0]
            for t in CRM_TABLES
        }
    assert expected["crm_orders"] > 0
    project.cli("run")
    again = raw_counts(project)
    assert {t: again[t] - after[t] for t in CRM_TABLES} == expected
    assert last_run(project)[1] == "ok"


def test_when_every_source_fails_nothing_is_published_and_the_syncs_are_kept(demo_copy):
    project = demo_copy
    before = raw_counts(project)
    manifest = (project.folder / "powerbi" / "manifest.json").read_bytes()
    (project.folder / "data" / "feeds" / "helpdesk").rename(project.folder / "feeds-away")
    env = {
        "CRM_WAREHOUSE_SOURCES__CRM__URL": "sqlite:///data/source/missing.sqlite",
        "CRM_WAREHOUSE_SOURCES__MARKETING__BASE_URL": "http://127.0.0.1:1",
        "CRM_WAREHOUSE_SOURCES__MARKETING__TOKEN": "t",
        "CRM_WAREHOUSE_SOURCES__MARKETING__MAX_ATTEMPTS": "1",
    }
    result = project.cli("run", check=False, env=env)

    assert_one_line_error(result, "3 source(s) failed (", "crm", "helpdesk", "marketing")
    assert result.returncode == 3
    assert raw_counts(project) == before
    assert (project.folder / "powerbi" / "manifest.json").read_bytes() == manifest
    run_id, status, _ = last_run(project)
    assert status == "failed"
    assert project.sql(
        f"select source, status from ops.source_syncs where run_id = '{run_id}' order by source"
    ) == [("crm", "failed"), ("helpdesk", "failed"), ("marketing", "failed")]
    assert project.sql(
        f"select name, status from ops.run_steps where run_id = '{run_id}' and step = 'stage'"
    ) == [("ingest", "failed")]
