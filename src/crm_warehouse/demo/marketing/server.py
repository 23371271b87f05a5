"""A local mock of the marketing tool's REST API, serving the demo's files over real HTTP.

    GET /v1/<endpoint>?updated_since=<ISO 8601>&page_size=<n>[&cursor=<opaque>]
    Authorization: Bearer <token>
    200 {"data": [...], "next_cursor": "<opaque>" | null}

Records with ``updated_at >= updated_since`` in ``updated_at`` order, a page at a time. It binds
a free loopback port and runs in a background thread; tests switch on ``Faults`` to make it
misbehave the way real APIs do (duplicate or out-of-order pages, 429 bursts, intermittent 500s,
an expired token, empty responses, slow answers).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crm_warehouse.demo.marketing.data import ENDPOINT_FILES, read_records

KEYS = {
    "campaigns": ("campaign_id",),
    "ad_spend": ("campaign_id", "spend_date"),
    "leads": ("lead_id",),
}
DEFAULT_PAGE_SIZE = 200


@dataclass
class Faults:
    """Misbehaviour to switch on; counters are per server."""

    duplicate_pages: bool = False  # every second page is served twice
    out_of_order: bool = False  # pages come back last to first
    too_many_requests: int = 0  # the next N requests get 429 with Retry-After
    retry_after_seconds: int = 1
    server_errors_every: int = 0  # every Nth request gets a 500
    expired_token: bool = False  # every request gets 401
    forbidden: bool = False  # every request gets 403
    empty: bool = False  # every page is empty
    empty_body: bool = False  # 200 with no body at all
    slow_seconds: float = 0.0  # the next request answers this late
    override: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # endpoint -> records


@dataclass
class Request:
    path: str
    query: dict[str, str]
    status: int
    at: float


class MockMarketingApi:
    """The mock server; use as a context manager or via ``serve_folder``."""

    def __init__(self, folder: Path, *, token: str | None = None) -> None:
        self.folder = folder
        self.token = token or secrets.token_urlsafe(16)
        self.faults = Faults()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> MockMarketingApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def statuses(self) -> list[int]:
        with self._lock:
            return [r.status for r in self.requests]

    def records(self, endpoint: str) -> list[dict[str, Any]]:
        if endpoint in self.faults.override:
            return list(self.faults.override[endpoint])
        return read_records(self.folder, endpoint)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = api._respond(self)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        return Handler

    def _respond(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            number = len(self.requests) + 1
            status, headers, body = self._answer(handler, parts.path, query, number)
            self.requests.append(Request(parts.path, query, status, time.monotonic()))
        if self.faults.slow_seconds:
            delay, self.faults.slow_seconds = self.faults.slow_seconds, 0.0
            time.sleep(delay)
        return status, headers, body

    def _answer(
        self, handler: BaseHTTPRequestHandler, path: str, query: dict[str, str], number: int
    ) -> tuple[int, dict[str, str], bytes]:
        faults = self.faults
        if handler.headers.get("Authorization") != f"Bearer {self.token}" or faults.expired_token:
            return _json(
                401,
                {"error": "invalid_token", "message": "the access token expired"},
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if faults.forbidden:
            return _json(403, {"error": "forbidden", "message": "missing scope ads:read"})
        if faults.too_many_requests > 0:
            faults.too_many_requests -= 1
            return _json(
                429, {"error": "rate_limited"}, {"Retry-After": str(faults.retry_after_seconds)}
            )
        if faults.server_errors_every and number % faults.server_errors_every == 0:
            return _json(500, {"error": "internal"})
        endpoint = path.removeprefix("/v1/").strip("/")
        if endpoint not in ENDPOINT_FILES:
            return _json(404, {"error": "not_found"})
        if faults.empty_body:
            return 200, {"Content-Type": "application/json"}, b""
        return _json(200, self._page(endpoint, query))

    def _page(self, endpoint: str, query: dict[str, str]) -> dict[str, Any]:
        since = query.get("updated_since", "")
        size = int(query.get("page_size", DEFAULT_PAGE_SIZE))
        keys = KEYS[endpoint]
        records = sorted(
            (r for r in self.records(endpoint) if r["updated_at"] >= since),
            key=lambda r: (r["updated_at"], *(str(r[k]) for k in keys)),
        )
        if self.faults.empty:
            records = []
        pages = [records[i : i + size] for i in range(0, len(records), size)] or [[]]
        order = self._visit_order(len(pages))
        step = _decode(query.get("cursor")) if query.get("cursor") else 0
        next_step = step + 1 if step + 1 < len(order) else None
        return {
            "data": pages[order[step]],
            "next_cursor": _encode(next_step) if next_step is not None else None,
        }

    def _visit_order(self, count: int) -> list[int]:
        order = list(range(count))
        if self.faults.out_of_order:
            order.reverse()
        if self.faults.duplicate_pages:
            order = [page for index in order for page in ([index] * (2 if index % 2 else 1))]
        return order


def _json(
    status: int, payload: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(payload).encode(),
    )


def _encode(step: int) -> str:
    return base64.urlsafe_b64encode(f"step:{step}".encode()).decode()


def _decode(cursor: str) -> int:
    return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])


@contextmanager
def serve_folder(folder: Path, *, token: str | None = None) -> Iterator[MockMarketingApi]:
    """Serve ``folder`` (the demo's marketing files) on a free loopback port while in use."""
    with MockMarketingApi(folder, token=token) as api:
        yield api
