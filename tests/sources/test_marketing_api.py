"""The marketing API source against the local mock, made to misbehave: duplicate and
out-of-order pages, a 429 burst, intermittent 500s, timeouts, an expired token, empty
responses. Nothing may be lost or duplicated once staging has deduplicated."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crm_warehouse.cli import load_config
from crm_warehouse.demo.marketing.data import Customer, marketing_records
from crm_warehouse.demo.marketing.server import KEYS, MockMarketingApi
from crm_warehouse.demo.services import source_services
from crm_warehouse.ingest import SourceLoad, ingest
from crm_warehouse.settings import Settings
from tests.conftest import ingest_recorded, write_config

TOKEN = "mock-token-1"
ENDPOINTS = ("campaigns", "ad_spend", "leads")


def write_records(folder: Path, records: dict[str, list[dict[str, Any]]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for endpoint, rows in records.items():
        text = "".join(json.dumps(row) + "\n" for row in rows)
        (folder / f"{endpoint}.jsonl").write_text(text)


def demo_records(as_of: dt.date) -> dict[str, list[dict[str, Any]]]:
    customers = [
        Customer(n, f"c{n}@example.com", dt.date(2019, 1, 1) + dt.timedelta(days=n % 170))
        for n in range(1, 301)
    ]
    return marketing_records(5, customers, as_of)


@pytest.fixture
def api(tmp_path: Path):
    folder = tmp_path / "marketing-files"
    write_records(folder, demo_records(dt.date(2019, 5, 31)))
    with MockMarketingApi(folder, token=TOKEN) as server:
        yield server


def settings_for(folder: Path, api: MockMarketingApi, **extra: Any) -> Settings:
    options = {
        "page_size": 40,
        "backoff_seconds": 0.05,
        "max_retry_delay_seconds": 3,
        "max_attempts": 6,
        "timeout_seconds": 1.5,
    } | extra
    lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in options.items())
    text = (
        write_config(folder)
        .read_text()
        .replace(
            'kind = "marketing_api"',
            f'kind = "marketing_api"\nbase_url = "{api.base_url}"\ntoken = "{TOKEN}"\n{lines}',
        )
    )
    config = folder / "crm-warehouse.toml"
    config.write_text(text)
    return load_config(config)


def sync(settings: Settings, run_id: str) -> SourceLoad:
    return ingest_recorded(settings, run_id, only=["marketing"])[0]


def warehouse(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def truth(api: MockMarketingApi, endpoint: str) -> dict[tuple, dict[str, Any]]:
    return {tuple(r[k] for k in KEYS[endpoint]): r for r in api.records(endpoint)}


def raw_versions(settings: Settings, endpoint: str) -> list[tuple]:
    keys = ", ".join(KEYS[endpoint])
    return warehouse(
        settings,
        f"select {keys}, strftime(updated_at, '%Y-%m-%dT%H:%M:%SZ') from raw.marketing_{endpoint}",
    )


def change_some_records(api: MockMarketingApi, stamp: str) -> dict[str, int]:
    """Restate some spend days and pause two campaigns, as the tool would between syncs."""
    records = {e: api.records(e) for e in ENDPOINTS}
    for row in records["ad_spend"][:25]:
        row["spend"], row["updated_at"] = round(row["spend"] + 1.5, 2), stamp
    for row in records["campaigns"][:2]:
        row["status"], row["updated_at"] = "paused", stamp
    write_records(api.folder, records)
    return {"ad_spend": 25, "campaigns": 2}


def test_faults_lose_nothing_and_duplicate_nothing(api, tmp_path):
    settings = settings_for(tmp_path, api)

    api.faults.duplicate_pages = api.faults.out_of_order = True
    first = sync(settings, "pages")
    assert first.status == "ok", first.error
    for endpoint in ENDPOINTS:
        versions = raw_versions(settings, endpoint)
        assert len(versions) == len(set(versions)) == len(truth(api, endpoint)), endpoint
    api.faults.duplicate_pages = api.faults.out_of_order = False

    changed = change_some_records(api, "2019-06-01T09:00:00Z")
    api.faults.too_many_requests, api.faults.server_errors_every = 3, 5
    api.requests.clear()
    second = sync(settings, "flaky")
    assert second.status == "ok", second.error
    assert {e: second.rows[f"marketing_{e}"] for e in changed} == changed
    statuses = api.statuses()
    assert statuses[:3] == [429, 429, 429] and 500 in statuses
    assert api.requests[3].at - api.requests[2].at >= 0.95  # waited for Retry-After: 1
    api.faults.too_many_requests, api.faults.server_errors_every = 0, 0

    change_some_records(api, "2019-06-02T09:00:00Z")
    api.faults.expired_token = True
    api.requests.clear()
    expired = sync(settings, "expired")
    assert expired.status == "failed"
    assert "refused the token (HTTP 401: the access token expired)" in expired.error
    assert "source 'marketing'" in expired.error and "\n" not in expired.error
    assert len(api.requests) == 1  # no retry loop on 401
    api.faults.expired_token = False

    api.faults.empty = True
    assert sync(settings, "empty").rows_loaded == 0
    api.faults.empty = False
    resumed = sync(settings, "resumed")  # what the failed and the empty syncs missed
    assert resumed.status == "ok" and resumed.rows["marketing_ad_spend"] == 25

    staged = staging_rows(settings)
    for endpoint in ENDPOINTS:
        expected = {key: row["updated_at"] for key, row in truth(api, endpoint).items()}
        assert staged[endpoint] == expected, endpoint
    spend = warehouse(settings, "select sum(spend_gbp) from staging.stg_marketing__ad_spend")
    assert float(spend[0][0]) == pytest.approx(
        sum(r["spend"] for r in api.records("ad_spend")), abs=0.005
    )


def staging_rows(settings: Settings) -> dict[str, dict[tuple, str]]:
    """Build the marketing staging views (base and stg) with dbt and read them back."""
    from crm_warehouse.transform import Dbt

    result = Dbt(settings).run(["run"], "--select", "path:models/staging/marketing")
    assert result.success, [n.message for n in result.failures]
    staged = {}
    for endpoint in ENDPOINTS:
        keys = ", ".join(KEYS[endpoint])
        rows = warehouse(
            settings,
            f"select {keys}, strftime(updated_at, '%Y-%m-%dT%H:%M:%SZ')"
            f" from staging.stg_marketing__{endpoint}",
        )
        staged[endpoint] = {tuple(_plain(v) for v in r[:-1]): r[-1] for r in rows}
        assert len(staged[endpoint]) == len(rows)
    return staged


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def test_forbidden_fails_at_once(api, tmp_path):
    api.faults.forbidden = True
    load = sync(settings_for(tmp_path, api), "forbidden")
    assert load.status == "failed" and "denied access (HTTP 403" in load.error
    assert len(api.requests) == 1


def test_server_errors_back_off_then_fail_clearly(api, tmp_path):
    api.faults.server_errors_every = 1
    load = sync(settings_for(tmp_path, api, max_attempts=4), "down")
    assert load.status == "failed"
    assert "failed (HTTP 500: internal) after retries" in load.error
    assert len(api.requests) == 4
    gaps = [b.at - a.at for a, b in zip(api.requests, api.requests[1:], strict=False)]
    assert gaps[-1] > gaps[0]  # exponential backoff


def test_a_timeout_is_retried(api, tmp_path):
    api.faults.slow_seconds = 3.0
    load = sync(settings_for(tmp_path, api, timeout_seconds=1.0), "slow")
    assert load.status == "ok", load.error
    assert load.rows["marketing_campaigns"] == len(api.records("campaigns"))


def test_empty_body_fails_and_the_next_sync_starts_from_the_same_point(api, tmp_path):
    settings = settings_for(tmp_path, api)
    api.faults.empty_body = True
    failed = sync(settings, "empty-body")
    assert failed.status == "failed" and "empty or non-JSON response" in failed.error
    api.faults.empty_body = False
    assert sync(settings, "after").rows["marketing_leads"] == len(api.records("leads"))


def test_type_drift_is_converted_or_quarantined_and_reported(api, tmp_path):
    settings = settings_for(tmp_path, api)
    assert sync(settings, "baseline").status == "ok"
    records = {e: api.records(e) for e in ENDPOINTS}
    stamp = "2019-06-03T09:00:00Z"
    spend = records["ad_spend"]
    spend[0] |= {"spend": "12.50", "updated_at": stamp}  # a number sent as text
    spend[1] |= {"spend": "n/a", "updated_at": stamp}  # not a number at all
    spend[2] |= {"updated_at": "yesterday"}  # a malformed time
    records["campaigns"][0] |= {"budget_owner": "ann", "updated_at": stamp}  # a new field
    write_records(api.folder, records)

    load = sync(settings, "drift")
    assert load.status == "ok", load.error
    quarantined = warehouse(
        settings,
        "select table_name, column_name, value, reason "
        "from raw.marketing_quarantine order by value",
    )
    assert [(t, c, v) for t, c, v, _ in quarantined] == [
        ("marketing_ad_spend", "spend", "n/a"),
        ("marketing_ad_spend", "updated_at", "yesterday"),
    ]
    assert "not a valid double" in quarantined[0][3]
    keys = (spend[0]["campaign_id"], spend[0]["spend_date"])
    assert warehouse(
        settings,
        "select spend from raw.marketing_ad_spend where campaign_id = "
        f"{keys[0]} and spend_date = '{keys[1]}' and "
        f"updated_at = '{stamp}'",
    ) == [(12.5,)]
    changes = warehouse(
        settings,
        "select table_name, column_name, change from "
        "ops.schema_changes where run_id = 'drift' order by 2, 3",
    )
    assert ("marketing_campaigns", "budget_owner", "added") in changes
    assert ("marketing_ad_spend", "spend", "type_changed") in changes
    assert warehouse(
        settings, "select budget_owner from raw.marketing_campaigns where budget_owner is not null"
    ) == [("ann",)]


def test_freeze_contract_fails_on_drift_naming_the_column(api, tmp_path):
    settings = settings_for(tmp_path, api, schema_contract="freeze")
    assert sync(settings, "baseline").status == "ok"
    records = {e: api.records(e) for e in ENDPOINTS}
    records["ad_spend"][0] |= {"spend": "12.50", "updated_at": "2019-06-03T09:00:00Z"}
    write_records(api.folder, records)
    load = sync(settings, "frozen")
    assert load.status == "failed"
    assert "column spend of marketing_ad_spend was type changed (double -> text)" in load.error
    assert "schema_contract = 'freeze'" in load.error


def test_mock_serves_records_in_order_with_a_cursor(api):
    import requests

    headers = {"Authorization": f"Bearer {TOKEN}"}
    seen, cursor = [], None
    while True:
        params = {"page_size": 10, "updated_since": "2019-03-01T00:00:00Z"}
        if cursor:
            params["cursor"] = cursor
        page = requests.get(
            f"{api.base_url}/v1/campaigns", params=params, headers=headers, timeout=5
        ).json()
        seen += page["data"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    expected = [r for r in api.records("campaigns") if r["updated_at"] >= "2019-03-01T00:00:00Z"]
    assert sorted(r["campaign_id"] for r in seen) == sorted(r["campaign_id"] for r in expected)
    assert [r["updated_at"] for r in seen] == sorted(r["updated_at"] for r in seen)
    time.sleep(0)


def test_a_missing_marketing_mock_folder_fails_its_source_naming_it(project):
    settings = project()
    (load,) = ingest(settings, "t", only=["marketing"], services=source_services(settings))
    assert load.status == "failed"
    assert "marketing mock folder" in load.error and "does not exist" in load.error
    assert "source 'marketing'" in load.error and "crm-warehouse demo" in load.error
