"""A local mock of the marketing tool's REST API, serving the demo's files over real HTTP.

    GET /v1/<endpoint>?updated_since=<ISO 8601>&page_size=<n>[&cursor=<opaque>]
    Authorization: Bearer <token>
    200 {"data": [...], "next_cursor": "<opaque>" | null}

Records with ``updated_at >= updated_since`` in ``updated_at`` order, a page at a time. Each
endpoint file is indexed once, and again when it changes on disk (the byte offset of every line
in that order), so a request bisects to ``updated_since`` and reads only its own page's lines:
paging through millions of leads costs per page what the page holds, not the whole file. It
binds a free loopback port and runs in a background thread; tests switch on ``Faults`` to make
it misbehave the way real APIs do (duplicate or out-of-order pages, 429 bursts, intermittent
500s, an expired token, empty responses, slow answers).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence
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
        self._indexes: dict[str, _FileIndex] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> MockMarketingApi:
        with self._lock:  # index the files now, so that no first request waits for it
            for endpoint in ENDPOINT_FILES:
                self._sorted(endpoint)
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
        records = self._sorted(endpoint)
        start = bisect_left(records.updated, since)
        total = 0 if self.faults.empty else len(records.updated) - start
        order = self._visit_order(max(-(-total // size), 1))  # one empty page when none match
        step = _decode(query.get("cursor")) if query.get("cursor") else 0
        first = start + order[step] * size
        next_step = step + 1 if step + 1 < len(order) else None
        return {
            "data": records.read(first, min(first + size, start + total)),
            "next_cursor": _encode(next_step) if next_step is not None else None,
        }

    def _sorted(self, endpoint: str) -> _SortedRecords:
        """The endpoint's records in page order (``updated_at``, then the key)."""
        keys = KEYS[endpoint]
        if endpoint in self.faults.override:
            return _InMemory(self.faults.override[endpoint], keys)
        path = self.folder / ENDPOINT_FILES[endpoint]
        try:
            signature = _signature(path.stat())
        except FileNotFoundError:
            return _InMemory([], keys)
        index = self._indexes.get(endpoint)
        if index is None or index.signature != signature:
            index = self._indexes[endpoint] = _FileIndex(path, keys)
        return index

    def _visit_order(self, count: int) -> Sequence[int]:
        order: Sequence[int] = range(count)
        if self.faults.out_of_order:
            order = order[::-1]
        if self.faults.duplicate_pages:
            order = [page for index in order for page in ([index] * (2 if index % 2 else 1))]
        return order


def _sort_key(record: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    return (record["updated_at"], *(str(record[k]) for k in keys))


class _SortedRecords:
    """Records in page order: ``updated`` (their ``updated_at``) to bisect, ``read`` a slice."""

    updated: Sequence[str]

    def read(self, start: int, stop: int) -> list[dict[str, Any]]:
        raise NotImplementedError


class _InMemory(_SortedRecords):
    """A list given by the test (``Faults.override``), sorted at each request: keep it small."""

    def __init__(self, records: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
        self.records = sorted(records, key=lambda r: _sort_key(r, keys))
        self.updated = [r["updated_at"] for r in self.records]

    def read(self, start: int, stop: int) -> list[dict[str, Any]]:
        return self.records[start:stop]


class _FileIndex(_SortedRecords):
    """A JSON-lines file read once: the byte offset of each record's line in page order (ties
    in file order), so a page reads only its own lines. ``signature`` (inode, size, times) tells
    when the file was rewritten and the index must be rebuilt."""

    def __init__(self, path: Path, keys: tuple[str, ...]) -> None:
        self.path = path
        entries: list[tuple[tuple[str, ...], int]] = []
        with path.open("rb") as handle:
            self.signature = _signature(os.fstat(handle.fileno()))
            offset = 0
            for line in handle:
                if line.strip():
                    entries.append((_sort_key(json.loads(line), keys), offset))
                offset += len(line)
        entries.sort(key=lambda entry: entry[0])  # stable: equal keys keep file order
        self.updated = [key[0] for key, _ in entries]
        self.offsets = [offset for _, offset in entries]

    def read(self, start: int, stop: int) -> list[dict[str, Any]]:
        records = []
        with self.path.open("rb") as handle:
            for offset in self.offsets[start:stop]:
                handle.seek(offset)
                records.append(json.loads(handle.readline()))
        return records


def _signature(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


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
