"""Alerts reach real local receivers: one message per incident while it persists, one recovery
when it clears, each saying what failed, where, the run id, since when, a hint and the log path."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from tests.monitor.conftest import channels_toml, write_tickets
from tests.pg import free_port

from crm_warehouse.monitor import RunRecorder, SchemaChange, StepRecord, record_schema_changes
from crm_warehouse.monitor.store import migrate

CHANNEL_PATHS = ("/slack/", "/teams/", "/hook")


def ops(settings, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path)) as con:
        return con.execute(sql, params or []).fetchall()


def run_ids(settings) -> list[str]:
    return [r[0] for r in ops(settings, "select run_id from ops.runs order by started_at")]


@pytest.fixture
def monitored(project, http_receiver, smtp_receiver):
    return project(channels_toml(http_receiver, smtp_receiver))


def test_failed_source_alerts_once_then_recovers_once(
    monitored, cli, http_receiver, smtp_receiver, tmp_path
):
    run = cli(monitored)
    for _ in range(3):
        result = run("ingest", "--source", "helpdesk")
        assert result.exit_code == 3, result.output  # the feed folder does not exist

    first_run = run_ids(monitored)[0]
    for path in CHANNEL_PATHS:
        assert len(http_receiver.to(path)) == 1, path
    assert len(smtp_receiver.messages) == 1
    alert = http_receiver.to("/hook")[0].json
    assert alert["status"] == "failing"
    assert alert["kind"] == "source_failed"
    assert alert["subject"] == "helpdesk"
    assert alert["location"] == "source helpdesk (ingest)"
    assert alert["run_id"] == first_run
    assert "feed folder" in alert["message"] and "does not exist" in alert["message"]
    assert alert["hint"].startswith("create it, point sources.helpdesk.feed_dir")
    assert alert["log_file"] == str(tmp_path / "data" / "logs" / "crm-warehouse.log")
    opened = ops(monitored, "select opened_at from ops.incidents")[0][0]
    assert alert["since"] == opened.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ops(monitored, "select occurrences, status from ops.incidents") == [(3, "open")]

    mail = smtp_receiver.messages[0]
    assert mail["Subject"] == "[crm-warehouse] FAILING: source helpdesk failed to load"
    body = mail.get_content()
    assert f"Run: {first_run}" in body and "Where: source helpdesk (ingest)" in body
    slack = http_receiver.to("/slack/")[0].json
    assert first_run in slack["text"] and "source helpdesk failed to load" in slack["text"]
    card = http_receiver.to("/teams/")[0].json["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["body"][0]["text"] == "FAILING: source helpdesk failed to load"
    facts = {f["title"]: f["value"] for f in card["content"]["body"][1]["facts"]}
    assert facts["Run"] == first_run and facts["Where"] == "source helpdesk (ingest)"

    write_tickets(tmp_path / "data" / "feeds" / "helpdesk", "tickets.csv", 3)
    assert run("ingest", "--source", "helpdesk").exit_code == 0
    assert run("ingest", "--source", "helpdesk").exit_code == 0

    for path in CHANNEL_PATHS:
        assert len(http_receiver.to(path)) == 2, path
    assert [r.json["status"] for r in http_receiver.to("/hook")] == ["failing", "recovered"]
    assert len(smtp_receiver.messages) == 2
    recovery = http_receiver.to("/hook")[1].json
    assert recovery["status"] == "recovered"
    assert recovery["run_id"] == run_ids(monitored)[3]
    assert recovery["since"] == alert["since"] and recovery["resolved_at"]
    assert smtp_receiver.messages[1]["Subject"].startswith("[crm-warehouse] RECOVERED: source")
    assert ops(monitored, "select status from ops.incidents") == [("resolved",)]


def no_marketing_api(monkeypatch) -> None:
    """Point the marketing source at a closed port, one attempt: it fails at once."""
    for key, value in {
        "BASE_URL": f"http://127.0.0.1:{free_port()}",
        "TOKEN": "t",
        "MAX_ATTEMPTS": "1",
    }.items():
        monkeypatch.setenv(f"CRM_WAREHOUSE_SOURCES__MARKETING__{key}", value)


def test_run_stopped_at_ingest_alerts_blocked_publish(project, cli, http_receiver, monkeypatch):
    settings = project(channels_toml(http_receiver))
    # every source fails - no CRM file, no feed folder, no marketing API - so the run stops
    no_marketing_api(monkeypatch)
    run = cli(settings)
    for _ in range(2):
        assert run("run").exit_code == 3

    kinds = sorted((r.json["kind"], r.json["subject"]) for r in http_receiver.to("/hook"))
    assert kinds == [
        ("publish_blocked", "publish"),
        ("source_failed", "crm"),
        ("source_failed", "helpdesk"),
        ("source_failed", "marketing"),
    ]
    blocked = next(r.json for r in http_receiver.to("/hook") if r.json["kind"] == "publish_blocked")
    assert blocked["title"] == "publish blocked: the run failed at ingest"
    assert blocked["location"] == "ingest (before publish)"
    named = blocked["message"].removeprefix("3 source(s) failed (").partition("): ")[0]
    assert sorted(named.split(", ")) == ["crm", "helpdesk", "marketing"]
    stages = ops(settings, "select name, status from ops.run_steps where step = 'stage'")
    assert stages == [("ingest", "failed"), ("ingest", "failed")]


def test_volume_drop_against_history_alerts_and_recovers(project, cli, http_receiver, feed_dir):
    settings = project(
        channels_toml(
            http_receiver,
            extra="""
[monitor.volume]
min_history_days = 3
min_rows = 10
drop_ratio = 0.5
""",
        )
    )
    _history(settings, "helpdesk_tickets", "helpdesk", daily_rows=[40, 50, 60, 50])
    write_tickets(feed_dir, "day1.csv", 5)
    run = cli(settings)
    assert run("ingest", "--source", "helpdesk").exit_code == 0
    assert run("ingest", "--source", "helpdesk").exit_code == 0  # nothing new: still a drop

    hooks = http_receiver.to("/hook")
    assert len(hooks) == 1
    alert = hooks[0].json
    assert (alert["kind"], alert["subject"]) == ("volume_anomaly", "helpdesk_tickets")
    assert alert["title"] == "row volume drop in helpdesk_tickets"
    assert alert["message"].startswith(
        "5 rows loaded today (UTC) vs a median of 50 per day "
        "over the previous 4 days with loads (10%)"
    )

    write_tickets(feed_dir, "day1-late.csv", 40, first_id=100)
    assert run("ingest", "--source", "helpdesk").exit_code == 0
    assert [r.json["status"] for r in http_receiver.to("/hook")] == ["failing", "recovered"]


def test_digest_sends_one_message_per_channel(
    project, cli, http_receiver, smtp_receiver, monkeypatch
):
    settings = project(channels_toml(http_receiver, smtp_receiver, digest=True))
    no_marketing_api(monkeypatch)
    assert cli(settings)("run").exit_code == 3  # every source fails

    for path in CHANNEL_PATHS:
        assert len(http_receiver.to(path)) == 1, path
    digest = http_receiver.to("/hook")[0].json
    assert digest["headline"].endswith(": 4 new problem(s)")
    assert sorted((a["kind"], a["subject"]) for a in digest["alerts"]) == [
        ("publish_blocked", "publish"),
        ("source_failed", "crm"),
        ("source_failed", "helpdesk"),
        ("source_failed", "marketing"),
    ]
    assert len(smtp_receiver.messages) == 1
    assert "4 new problem(s)" in smtp_receiver.messages[0]["Subject"]
    # the digest's headline, then a headline and the facts per problem
    assert len(http_receiver.to("/teams/")[0].json["attachments"][0]["content"]["body"]) == 9


def test_dead_webhook_neither_fails_nor_hides_the_run(
    project, cli, http_receiver, dead_url, tmp_path
):
    settings = project(f"""
[monitor.alerts.channels.dead]
kind = "webhook"
url = "{dead_url}"
timeout_seconds = 2

[monitor.alerts.channels.live]
kind = "webhook"
url = "{http_receiver.url("/hook")}"
""")
    run = cli(settings)
    failed = run("ingest", "--source", "helpdesk")
    assert failed.exit_code == 3
    assert "error: feed folder" in failed.output
    assert "1 alert delivery(ies) failed" in failed.output
    assert len(http_receiver.to("/hook")) == 1  # the live channel still got it

    runs = ops(settings, "select status, error from ops.runs")
    assert runs[0][0] == "failed" and runs[0][1].startswith("feed folder")
    deliveries = ops(
        settings, "select channel, status, error from ops.alert_deliveries order by channel"
    )
    assert deliveries[0][:2] == ("dead", "failed")
    assert deliveries[0][2].startswith("cannot reach the webhook (")
    assert deliveries[1][:2] == ("live", "ok")
    steps = ops(
        settings, "select name, status, error from ops.run_steps where step = 'alert' order by name"
    )
    assert steps[0][:2] == ("dead", "failed") and steps[0][2].startswith("1 alert(s) not")
    assert steps[1][:2] == ("live", "ok")

    write_tickets(tmp_path / "data" / "feeds" / "helpdesk", "t.csv", 2)
    fixed = run("ingest", "--source", "helpdesk")
    assert fixed.exit_code == 0, fixed.output
    # the refused alert is tried again, beside the recovery
    attempts = ops(settings, "select count(*) from ops.alert_deliveries where channel = 'dead'")
    assert attempts == [(3,)]
    assert [r.json["status"] for r in http_receiver.to("/hook")] == ["failing", "recovered"]


def test_failing_channel_answer_is_recorded(project, cli, http_receiver):
    settings = project(f"""
[monitor.alerts.channels.broken]
kind = "slack"
url = "{http_receiver.url("/broken/services/T1/B1/x")}"
""")
    assert cli(settings)("ingest", "--source", "helpdesk").exit_code == 3
    assert ops(settings, "select status, error from ops.alert_deliveries") == [
        ("failed", "the webhook answered HTTP 500 Internal Server Error")
    ]


def test_schema_change_alerts_once_and_closes_quietly(project, cli, http_receiver, feed_dir):
    settings = project(channels_toml(http_receiver))
    write_tickets(feed_dir, "t.csv", 2)
    run = cli(settings)
    assert run("ingest", "--source", "helpdesk").exit_code == 0
    with duckdb.connect(str(settings.duckdb_path)) as con:
        record_schema_changes(
            con,
            [
                SchemaChange(
                    "helpdesk_tickets",
                    "added",
                    "ticket_language",
                    new_type="varchar",
                    source="helpdesk",
                ),
                SchemaChange(
                    "helpdesk_tickets",
                    "type_changed",
                    "customer_age",
                    old_type="bigint",
                    new_type="varchar",
                    source="helpdesk",
                ),
            ],
        )
    assert run("ingest", "--source", "helpdesk").exit_code == 0
    assert run("ingest", "--source", "helpdesk").exit_code == 0

    hooks = http_receiver.to("/hook")
    assert len(hooks) == 1
    alert = hooks[0].json
    assert alert["kind"] == "schema_change"
    assert alert["title"] == "schema change in helpdesk_tickets: 2 column change(s)"
    assert alert["message"] == "ticket_language added; customer_age bigint -> varchar"
    assert alert["location"] == "raw table helpdesk_tickets (source helpdesk)"
    assert ops(settings, "select status from ops.incidents") == [("resolved",)]


def _history(settings, table: str, source: str, daily_rows: list[int]) -> None:
    """Earlier days' successful loads of ``table``, as the recorder would have written them."""
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    today = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        migrate(con)
        for days_ago, rows in enumerate(reversed(daily_rows), start=1):
            started = today - dt.timedelta(days=days_ago)
            recorder = RunRecorder(
                settings, "ingest", run_id=f"history-{days_ago}", started_at=started
            )
            recorder.add(
                StepRecord("ingest", table, "ok", started, 1.0, rows_written=rows, source=source)
            )
            recorder.save(con, "ok", None, started + dt.timedelta(seconds=2))


def test_failed_quality_gate_alerts_and_names_the_gate(project, http_receiver):
    settings = project(channels_toml(http_receiver))
    for status in ("failed", "failed", "ok"):
        recorder = RunRecorder(settings, "run")
        recorder.add(StepRecord("stage", "gate", status))
        recorder.add(
            StepRecord(
                "gate",
                "null_ratio.customers.email",
                status,
                error="3.2% of customers.email are null (limit 1%) - fix: check the CRM export"
                if status == "failed"
                else None,
            )
        )
        recorder.finish(status)

    alerts = [r.json for r in http_receiver.to("/hook")]
    gate = [a for a in alerts if a["kind"] == "gate_failed"]
    assert [a["status"] for a in gate] == ["failing", "recovered"]
    assert gate[0]["location"] == "gate null_ratio.customers.email"
    assert gate[0]["message"] == "3.2% of customers.email are null (limit 1%)"
    assert gate[0]["hint"] == "check the CRM export"
    blocked = next(a for a in alerts if a["kind"] == "publish_blocked")
    assert blocked["title"] == "publish blocked: the run failed at gate"
