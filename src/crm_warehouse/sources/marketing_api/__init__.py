"""A marketing tool's REST API as a dlt source: campaigns, daily ad spend, leads.

Built on dlt's REST client (``dlt.sources.helpers.rest_client``): cursor pagination, bearer
token auth, and dlt's retrying session (exponential backoff on 5xx, timeouts and dropped
connections; ``429`` waits for ``Retry-After``). ``401``/``403`` fail at once with one line.

Incremental by ``updated_since``: each sync asks for records updated at or after the newest
``updated_at`` it has loaded minus ``lookback_minutes``, and skips the record versions (primary
key + ``updated_at``) it already holds - also when a page arrives twice - so raw keeps each
version once. The cursor advances only when the whole sync loaded, whatever order the pages
came in. Records are typed against the endpoint's declared columns (``schema.py``) and the
source's schema contract (``sources/contract.py``) before they reach raw.

As a plug-in (``sources/plugin.py``): ``config_model``, ``raw_tables`` and ``build_source``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import dlt
import requests
from dlt.sources import DltResource
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from crm_warehouse.errors import SourceError, without_values
from crm_warehouse.sources.contract import (
    QUARANTINE_TABLE,
    ColumnChange,
    conform,
    not_quarantined_before,
    type_name,
)
from crm_warehouse.sources.marketing_api.config import MarketingApiSource
from crm_warehouse.sources.marketing_api.schema import ENDPOINT_COLUMNS, records_to_arrow
from crm_warehouse.sources.metadata import raw_item, stamp, utc_now
from crm_warehouse.sources.plugin import SourceJob
from crm_warehouse.sources.sync import SyncReport

config_model = MarketingApiSource

API_PREFIX = "/v1"
ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_DETAIL_CHARS = 200  # of the API's own error message, in ours

RowCounter = Callable[[str, int], None]


def raw_tables(name: str, config: MarketingApiSource) -> list[str]:
    return [f"{name}_{endpoint}" for endpoint in config.endpoints]


def build_source(job: SourceJob) -> Any:
    config: MarketingApiSource = job.config
    if config.base_url is None or config.token is None:
        raise SourceError(
            "the marketing API's base_url is not set",
            where=job.where,
            fix=f"set sources.{job.name}.base_url to the API root (https://...) and its token "
            "in .secrets.toml",
        )
    token = config.token.get_secret_value()
    return marketing_api(
        job.name, config.base_url, token, config, sync=job.sync, on_rows=job.on_rows
    )


@dlt.source(name="marketing_api", max_table_nesting=0)
def marketing_api(
    source_name: str,
    base_url: str,
    token: str,
    config: MarketingApiSource,
    *,
    sync: SyncReport | None = None,
    on_rows: RowCounter | None = None,
) -> list[DltResource]:
    sync = sync or SyncReport(source_name, "")
    client = RESTClient(
        base_url=base_url.rstrip("/") + API_PREFIX,
        auth=BearerTokenAuth(token),
        paginator=JSONResponseCursorPaginator(cursor_path="next_cursor", cursor_param="cursor"),
        data_selector="data",
        session=Client(
            request_timeout=config.timeout_seconds,
            request_max_attempts=config.max_attempts,
            request_backoff_factor=config.backoff_seconds,
            request_max_retry_delay=config.max_retry_delay_seconds,
            raise_for_status=False,
        ).session,
    )
    endpoint = _Endpoint(source_name, client, config, sync, on_rows)
    return [
        dlt.resource(
            endpoint.rows(name, keys), name=f"{source_name}_{name}", write_disposition="append"
        )
        for name, keys in config.endpoints.items()
    ]


class _Endpoint:
    def __init__(
        self,
        source: str,
        client: RESTClient,
        config: MarketingApiSource,
        sync: SyncReport,
        on_rows: RowCounter | None,
    ) -> None:
        self.source, self.client, self.config = source, client, config
        self.sync, self.on_rows = sync, on_rows
        self.lookback = dt.timedelta(minutes=config.lookback_minutes)

    def rows(self, endpoint: str, keys: list[str]) -> Iterator[Any]:
        state = dlt.current.resource_state()
        raw_table = f"{self.source}_{endpoint}"
        where = f"source {self.source!r} endpoint {endpoint}"
        known: dict[str, str] = state.setdefault(
            "columns",
            {name: type_name(t) for name, t in ENDPOINT_COLUMNS.get(endpoint, {}).items()},
        )
        window = _Window(state, self.lookback, ZoneInfo(self.config.timezone))
        report = self.sync.table(raw_table)
        source_file_id = f"{self.source}.{endpoint}@{self.sync.run_id}"
        seen_columns: set[str] = set()
        new_records = 0
        for records in self._pages(
            endpoint, window.since(self.config.initial_updated_since), where
        ):
            report.rows_extracted += len(records)
            fresh = window.fresh(records, keys, self.config.cursor_field)
            new_records += len(fresh)
            if not fresh:
                continue
            seen_columns.update(key for record in fresh for key in record)
            yield from self._typed(fresh, endpoint, raw_table, known, source_file_id, where, state)
        if self.on_rows:
            self.on_rows(endpoint, new_records)
        window.save(state)
        self.sync.newest(raw_table, window.newest)
        self._report_missing(raw_table, known, seen_columns)
        report.columns = dict(known)

    def _pages(self, endpoint: str, since: str, where: str) -> Iterator[list[dict[str, Any]]]:
        params = {"updated_since": since, "page_size": self.config.page_size}
        try:
            for page in self.client.paginate(f"/{endpoint}", params=params):
                yield [record for record in page if isinstance(record, dict)]
        except requests.HTTPError as exc:
            raise _http_error(exc, where) from None
        except requests.exceptions.JSONDecodeError:
            raise SourceError(
                "the marketing API sent an empty or non-JSON response",
                where=where,
                fix="retry later; nothing was loaded from this "
                "sync, the next one starts from the same point",
            ) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise SourceError(
                f"the marketing API did not answer ({type(exc).__name__}) after "
                f"{self.config.max_attempts} attempts",
                where=where,
                fix="check base_url and the network; raise timeout_seconds for a slow API",
            ) from None

    def _typed(
        self,
        records: list[dict[str, Any]],
        endpoint: str,
        raw_table: str,
        known: dict[str, str],
        source_file_id: str,
        where: str,
        state: dict[str, Any],
    ) -> Iterator[Any]:
        table = records_to_arrow(
            records, ENDPOINT_COLUMNS.get(endpoint, {}), ZoneInfo(self.config.timezone)
        )
        result = conform(table, raw_table, known, self.config.schema_contract, where=where)
        for field in result.rows.schema:
            if field.name not in known and not field.name.endswith("__v_text"):
                known[field.name] = type_name(field.type)
                self.sync.changes.append(_added(raw_table, field.name, known[field.name]))
        self.sync.changes.extend(result.changes)
        entry = self.sync.table(raw_table)
        entry.drifted |= result.drifted
        extracted_at = utc_now()
        if result.rows.num_rows:
            yield raw_item(
                stamp(result.rows, source_file_id=source_file_id, extracted_at=extracted_at),
                raw_table,
            )
        quarantined = not_quarantined_before(result.quarantined, state)
        if quarantined is not None:
            entry.rows_quarantined += quarantined.num_rows
            quarantined = stamp(
                quarantined, source_file_id=source_file_id, extracted_at=extracted_at
            )
            yield raw_item(quarantined, f"{self.source}_{QUARANTINE_TABLE}")

    def _report_missing(self, raw_table: str, known: dict[str, str], seen: set[str]) -> None:
        """A column no record of a non-empty sync carried is reported as removed, once."""
        if not seen:
            return
        for column in sorted(set(known) - seen):
            self.sync.changes.append(_removed(raw_table, column, known.pop(column)))


def _added(table: str, column: str, data_type: str) -> ColumnChange:
    return ColumnChange(table, "added", column, None, data_type)


def _removed(table: str, column: str, data_type: str) -> ColumnChange:
    return ColumnChange(table, "removed", column, data_type, None)


def _http_error(exc: requests.HTTPError, where: str) -> SourceError:
    response = exc.response
    status = response.status_code if response is not None else 0
    detail = _error_detail(response)
    if status in (401, 403):
        what = "refused the token" if status == 401 else "denied access"
        return SourceError(
            f"the marketing API {what} (HTTP {status}{detail})",
            where=where,
            fix="renew the API token (sources.<name>.token in .secrets.toml or "
            "CRM_WAREHOUSE_SOURCES__<NAME>__TOKEN) and check its scopes",
        )
    return SourceError(
        f"the marketing API failed (HTTP {status}{detail}) after retries",
        where=where,
        fix="retry later; nothing from this sync was loaded",
    )


def _error_detail(response: requests.Response | None) -> str:
    if response is None:
        return ""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") or body.get("error") if isinstance(body, dict) else None
    if not message:
        return ""
    text = without_values(" ".join(str(message).split()))  # one line, no quoted values
    return f": {text[:_DETAIL_CHARS]}"


class _Window:
    """The cursor (newest ``updated_at`` loaded, UTC) and the record versions already loaded
    within the lookback window behind it, plus every version seen in this sync."""

    def __init__(self, state: dict[str, Any], lookback: dt.timedelta, zone: ZoneInfo) -> None:
        cursor = state.get("cursor")
        self.zone = zone
        self.cursor = dt.datetime.fromisoformat(cursor) if cursor else None
        self.newest = self.cursor
        self.loaded: set[str] = set(state.get("window", []))
        self.lookback = lookback
        self.this_sync: dict[str, dt.datetime] = {}

    def since(self, initial: str) -> str:
        if self.cursor is None:
            return initial
        return (self.cursor - self.lookback).strftime(ISO_FORMAT)

    def fresh(
        self, records: list[dict[str, Any]], keys: list[str], cursor_field: str
    ) -> list[dict[str, Any]]:
        kept = []
        for record in records:
            at = _parse_time(record.get(cursor_field), self.zone)
            version = json.dumps(
                [record.get(k) for k in keys] + [record.get(cursor_field)], default=str
            )
            if version in self.loaded or version in self.this_sync:
                continue
            if at is not None:
                self.this_sync[version] = at
                self.newest = at if self.newest is None or at > self.newest else self.newest
            kept.append(record)
        return kept

    def save(self, state: dict[str, Any]) -> None:
        if self.newest is None:
            return
        floor = self.newest - self.lookback
        versions = {v: at for v, at in self.this_sync.items() if at >= floor}
        old = {v for v in self.loaded if v not in versions}
        state["cursor"] = self.newest.isoformat()
        state["window"] = sorted(set(versions) | {v for v in old if _version_time(v) >= floor})


def _parse_time(value: Any, zone: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """An ISO 8601 time as a UTC instant; a naive one is local time in ``zone``."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(dt.UTC)


def _version_time(version: str) -> dt.datetime:
    parsed = _parse_time(json.loads(version)[-1])
    return parsed or dt.datetime.min.replace(tzinfo=dt.UTC)
