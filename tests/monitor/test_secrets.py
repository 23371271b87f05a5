"""Secrets never reach logs, alerts, the ops tables or the published monitoring files: runs with
known secrets configured (a database password, webhook tokens, an SMTP password), some of
which end up in an error message, then everything written is scanned for them."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from pathlib import Path

import duckdb
import typer
from tests.monitor.conftest import SMTP_PASSWORD, SMTP_USER, channels_toml, free_port

from crm_warehouse import cli as cli_module
from crm_warehouse.errors import SourceError
from crm_warehouse.monitor.redact import redact

DB_PASSWORD = "Db-Pa55-known-secret"
SECRETS = (
    DB_PASSWORD,
    "slackToken123secret",
    "teamsSig987secret",
    "hookToken-555-secret",
    SMTP_PASSWORD,
)


def test_secrets_never_reach_logs_alerts_or_ops(
    project, cli, http_receiver, smtp_receiver, tmp_path
):
    settings = project(channels_toml(http_receiver, smtp_receiver))
    db_url = f"postgresql://crm_reader:{DB_PASSWORD}@127.0.0.1:{free_port()}/crm"
    (tmp_path / ".secrets.toml").write_text(f'[sources.crm]\nkind = "postgres"\nurl = "{db_url}"\n')
    run = cli(settings)
    assert run("--log-format", "json", "ingest").exit_code == 3  # database refused, no feed
    assert run("ingest").exit_code == 3
    settings = cli_module.load_config(settings.config_path)
    assert settings.sources["crm"].url.get_secret_value() == db_url
    _careless_connector_run(settings, db_url, http_receiver.url("/hook"))

    assert set(smtp_receiver.logins) == {(SMTP_USER, SMTP_PASSWORD)}  # the password was used...
    assert len(http_receiver.to("/hook")) >= 2
    written = {
        **{str(p): p.read_text() for p in (tmp_path / "data" / "logs").rglob("*") if p.is_file()},
        "metrics": (tmp_path / "data" / "metrics" / "crm_warehouse.prom").read_text(),
        "ops page": (tmp_path / "site" / "ops" / "index.html").read_text(),
        "ops tables": _dump_ops(settings.duckdb_path),
        **{
            f"http {r.path[:6]} #{i}": r.body.decode() for i, r in enumerate(http_receiver.requests)
        },
        **{f"mail #{i}": m.decode() for i, m in enumerate(smtp_receiver.raw)},
    }
    leaks = [
        (where, secret) for where, text in written.items() for secret in SECRETS if secret in text
    ]
    assert leaks == []  # ...and appears nowhere
    careless = next(
        r.json for r in http_receiver.to("/hook") if r.json["kind"] == "publish_blocked"
    )
    assert careless["message"] == "cannot connect to *** in source 'crm'"


def test_every_log_line_carries_its_run_id(project, cli, tmp_path):
    settings = project()
    run = cli(settings)
    run("--log-format", "json", "ingest", "--source", "helpdesk")
    run("ingest", "--source", "helpdesk")
    with duckdb.connect(str(settings.duckdb_path)) as con:
        run_ids = [
            r[0] for r in con.execute("select run_id from ops.runs order by started_at").fetchall()
        ]

    json_lines = (tmp_path / "data" / "logs" / "crm-warehouse.jsonl").read_text().splitlines()
    assert json_lines and {json.loads(line)["run_id"] for line in json_lines} == {run_ids[0]}
    text_lines = (tmp_path / "data" / "logs" / "crm-warehouse.log").read_text().splitlines()
    assert text_lines and all(f"[{run_ids[1]}]" in line for line in text_lines)


def test_redaction_patterns():
    assert redact("postgresql://u:p4ss@db:5432/x failed") == "postgresql://u:***@db:5432/x failed"
    assert redact("GET https://h/x?api-version=1&sig=abc123&b=2") == (
        "GET https://h/x?api-version=1&sig=***&b=2"
    )
    assert redact("Authorization: Bearer eyJhbGciOi.x-y") == "Authorization: Bearer ***"
    assert redact("posted to https://hooks.slack.com/services/T1/B2/zzz done") == (
        "posted to https://hooks.slack.com/services/*** done"
    )
    assert redact("http://127.0.0.1:8080/path stays") == "http://127.0.0.1:8080/path stays"


def _careless_connector_run(settings, db_url: str, hook_url: str) -> None:
    """A run whose connector logs its URL and puts it in its error, as some libraries do (the
    error reaches the blocked-publish alert)."""
    log = logging.getLogger("crm_warehouse.sources.crm_database")

    def body(recorder):
        log.warning("connecting to %s (webhook %s)", db_url, hook_url)
        raise SourceError(f"cannot connect to {db_url}", where="source 'crm'")

    with contextlib.suppress(typer.Exit):
        cli_module._recorded(settings, "run", body)


def _dump_ops(path: Path) -> str:
    with duckdb.connect(str(path)) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'ops'"
            ).fetchall()
        ]
        return "\n".join(
            re.sub(r"\s+", " ", str(con.execute(f"select * from ops.{t}").fetchall()))
            for t in tables
        )
