"""Channel formats and transports beyond the common path, the documented configuration, and a
crashing run."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import duckdb
import pytest
from aiosmtpd.controller import Controller
from tests.conftest import REPO
from tests.monitor.conftest import SMTP_PASSWORD, SMTP_USER, SmtpReceiver, free_port


def test_commented_monitor_example_in_the_config_file_is_valid(project):
    text = (REPO / "crm-warehouse.toml").read_text()
    example = text[text.index("# [monitor]\n") :]
    example = example[: example.index("\n\n")]  # the block ends at the first blank line
    uncommented = "\n".join(
        line.removeprefix("#").removeprefix(" ") for line in example.splitlines()
    )
    settings = project("\n" + uncommented)
    assert settings.monitor.retention_days == 90
    assert sorted(settings.monitor.alerts.channels) == [
        "ops_chat",
        "ops_mail",
        "ops_slack",
        "ops_teams",
        "pager",
    ]
    assert settings.monitor.alerts.channels["ops_teams"].kind == "teams"
    assert settings.monitor.alerts.channels["ops_chat"].kind == "apprise"


def test_teams_message_card(project, cli, http_receiver):
    settings = project(f"""
[monitor.alerts.channels.teams]
kind = "teams"
format = "messagecard"
url = "{http_receiver.url("/teams/webhookb2/abc123")}"
""")
    assert cli(settings)("ingest", "--source", "helpdesk").exit_code == 3
    card = http_receiver.to("/teams/")[0].json
    assert card["@type"] == "MessageCard" and card["themeColor"] == "D7263D"
    assert card["title"] == "FAILING: source helpdesk failed to load"
    facts = {f["name"]: f["value"] for f in card["sections"][0]["facts"]}
    assert facts["Where"] == "source helpdesk (ingest)"
    assert set(facts) == {"What", "Where", "Run", "Since", "Hint", "Logs"}


def test_apprise_channel_delivers_through_apprise(project, cli, http_receiver):
    """An apprise URL channel: apprise's own JSON plug-in posts to a local receiver."""
    port = http_receiver.port
    settings = project(f"""
[monitor.alerts.channels.anything]
kind = "apprise"
url = "json://127.0.0.1:{port}/apprise/hook?+X-Probe=yes"

[monitor.alerts.channels.nobody]
kind = "apprise"
url = "json://127.0.0.1:{free_port()}/closed"
""")
    run = cli(settings)
    assert run("ingest", "--source", "helpdesk").exit_code == 3
    (message,) = http_receiver.to("/apprise/")
    assert message.headers["X-Probe"] == "yes"
    assert message.json["title"] == "FAILING: source helpdesk failed to load"
    assert message.json["type"] == "failure"
    assert "Where: source helpdesk (ingest)" in message.json["message"].splitlines()
    with duckdb.connect(str(settings.duckdb_path)) as con:
        deliveries = con.execute(
            "select channel, channel_kind, status, error from ops.alert_deliveries order by 1"
        ).fetchall()
    assert [d[:3] for d in deliveries] == [
        ("anything", "apprise", "ok"),
        ("nobody", "apprise", "failed"),
    ]
    assert "did not accept" in deliveries[1][3]


@pytest.fixture
def tls_smtp(tmp_path):
    """An SMTP server that requires STARTTLS (self-signed certificate for 127.0.0.1)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    receiver = SmtpReceiver(port=free_port())
    controller = Controller(
        receiver,
        hostname="127.0.0.1",
        port=receiver.port,
        tls_context=context,
        require_starttls=True,
        authenticator=receiver.authenticate,
    )
    controller.start()
    yield receiver, cert
    controller.stop()


def test_email_over_starttls_with_login(project, cli, tls_smtp):
    receiver, cert = tls_smtp
    settings = project(f"""
[monitor.alerts.channels.mail]
kind = "email"
host = "127.0.0.1"
port = {receiver.port}
starttls = true
ca_file = "{cert}"
username = "{SMTP_USER}"
password = "{SMTP_PASSWORD}"
sender = "crm-warehouse@example.com"
recipients = ["ops@example.com", "oncall@example.com"]
""")
    assert cli(settings)("ingest", "--source", "helpdesk").exit_code == 3
    assert receiver.logins == [(SMTP_USER, SMTP_PASSWORD)]
    mail = receiver.messages[0]
    assert mail["To"] == "ops@example.com, oncall@example.com"
    assert "Where: source helpdesk (ingest)" in mail.get_content()


def test_a_crashing_run_is_recorded_and_blocks_publish(project, cli, http_receiver, monkeypatch):
    settings = project(f"""
[monitor.alerts.channels.hook]
kind = "webhook"
url = "{http_receiver.url("/hook")}"
""")

    def crash(*args, **kwargs):
        raise KeyError("order_total")

    monkeypatch.setattr("crm_warehouse.ingest.pipeline.ingest", crash)
    result = cli(settings)("run")
    assert isinstance(result.exception, KeyError)  # a bug keeps its traceback
    with duckdb.connect(str(settings.duckdb_path)) as con:
        assert con.execute("select status, error from ops.runs").fetchall() == [
            ("failed", "unexpected KeyError: 'order_total'")
        ]
    alert = http_receiver.to("/hook")[0].json
    assert (alert["kind"], alert["location"]) == ("publish_blocked", "ingest (before publish)")
