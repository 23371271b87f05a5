"""Real local receivers for alert channels: an HTTP server and an SMTP server on loopback ports,
started by the tests, recording exactly what was delivered."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from tests.conftest import ticket_csv
from typer.testing import CliRunner

from crm_warehouse.cli import app
from crm_warehouse.monitor import store
from crm_warehouse.settings import Settings
from crm_warehouse.transform import Dbt
from crm_warehouse.warehouse import connect

SLACK_PATH = "/slack/services/T0001/B0001/slackToken123secret"
TEAMS_PATH = (
    "/teams/workflows/abc123def456/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sig=teamsSig987secret"
)
SMTP_USER = "alerts"
SMTP_PASSWORD = "smtp-Pa55word-known-secret"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    port: int
    requests: list[Request] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, prefix: str) -> list[Request]:
        return [r for r in self.requests if r.path.startswith(prefix)]


@dataclass
class SmtpReceiver:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.raw.append(envelope.content)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
        )
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login.decode(), data.password.decode()))
            ok = data.login.decode() == SMTP_USER and data.password.decode() == SMTP_PASSWORD
            return AuthResult(success=ok)
        return AuthResult(success=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append(Request(self.path, dict(self.headers), body))
            status = 500 if self.path.startswith("/broken") else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver(port=free_port())
    controller = Controller(
        receiver,
        hostname="127.0.0.1",
        port=receiver.port,
        authenticator=receiver.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield receiver
    controller.stop()


@pytest.fixture
def dead_url() -> str:
    """A webhook URL on a loopback port where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/hook"


def channels_toml(
    http: HttpReceiver, smtp: SmtpReceiver | None = None, *, digest: bool = False, extra: str = ""
) -> str:
    text = f"""
[monitor.alerts]
digest = {"true" if digest else "false"}

[monitor.alerts.channels.slack]
kind = "slack"
url = "{http.url(SLACK_PATH)}"

[monitor.alerts.channels.teams]
kind = "teams"
url = "{http.url(TEAMS_PATH)}"

[monitor.alerts.channels.hook]
kind = "webhook"
url = "{http.url("/hook")}"
headers = {{ Authorization = "Bearer hookToken-555-secret" }}
"""
    if smtp:
        text += f"""
[monitor.alerts.channels.mail]
kind = "email"
host = "127.0.0.1"
port = {smtp.port}
starttls = false
username = "{SMTP_USER}"
password = "{SMTP_PASSWORD}"
sender = "crm-warehouse@example.com"
recipients = ["ops@example.com"]
"""
    return text + extra


@dataclass
class Cli:
    settings: Settings
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(self, *args: str) -> Any:
        assert self.settings.config_path is not None
        return self.runner.invoke(app, ["--config", str(self.settings.config_path), *args])


@pytest.fixture
def cli() -> Callable[[Settings], Cli]:
    return Cli


def write_tickets(folder: Path, name: str, count: int, first_id: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "Ticket ID": str(first_id + i),
            "Customer Email": f"c{i}@example.com",
            "Ticket Subject": "Network problem",
            "Ticket Status": "Open",
            "Ticket Channel": "Email",
            "Created At": "2021-06-01 10:00:00",
        }
        for i in range(count)
    ]
    path = folder / name
    path.write_text(ticket_csv(rows))
    return path


def build_ops_views(settings: Settings) -> None:
    """The monitor's metric views (dbt models, transform/models/ops) over the run store, as
    every transform builds them; not recorded as a run."""
    with connect(settings) as con:
        store.migrate(con)
    dbt = Dbt(settings)
    try:
        assert dbt.run(["run", "--select", "path:models/ops"]).success
    finally:
        dbt.release()
