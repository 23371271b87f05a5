"""The marketing mock pages through a large endpoint file correctly: every record with
``updated_at >= updated_since`` exactly once, in (``updated_at``, key) order, whatever the page
size, with the reordering faults on, and again after the file is rewritten while it serves."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import requests

from crm_warehouse.demo.marketing.server import MockMarketingApi

TOKEN = "mock-token-paging"
LEADS = 25_000


def lead(lead_id: int, updated_at: str) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "campaign_id": 1001 + lead_id % 48,
        "channel": "Search",
        "email": f"lead{lead_id}@example.net",
        "customer_id": None,
        "status": "open",
        "created_at": updated_at,
        "converted_at": None,
        "updated_at": updated_at,
    }


def many_leads(count: int, seed: int = 3) -> list[dict[str, Any]]:
    """Leads in no particular order; few distinct times, so most share theirs with others."""
    rng = random.Random(seed)
    times = [
        f"2020-{m:02d}-{d:02d}T{h:02d}:00:00Z"
        for m in (1, 2)
        for d in (1, 9, 17)
        for h in (6, 9, 12, 15, 18)
    ]
    return [lead(lead_id, rng.choice(times)) for lead_id in rng.sample(range(1, 10 * count), count)]


def write_leads(folder: Path, records: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)
    (folder / "leads.jsonl").write_text(text)


def expected(records: list[dict[str, Any]], since: str) -> list[int]:
    chosen = sorted(
        (r for r in records if r["updated_at"] >= since),
        key=lambda r: (r["updated_at"], str(r["lead_id"])),
    )
    return [r["lead_id"] for r in chosen]


def walk(api: MockMarketingApi, since: str, page_size: int) -> list[list[dict[str, Any]]]:
    """Every page the mock serves for one query, following next_cursor to the end."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"updated_since": since, "page_size": page_size}
        if cursor:
            params["cursor"] = cursor
        response = session.get(f"{api.base_url}/v1/leads", params=params, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["data"])
        cursor = body["next_cursor"]
        if not cursor:
            return pages


@pytest.fixture
def big(tmp_path: Path):
    records = many_leads(LEADS)
    write_leads(tmp_path, records)
    with MockMarketingApi(tmp_path, token=TOKEN) as api:
        yield api, records


@pytest.mark.parametrize(
    ("since", "page_size"),
    [
        ("2000-01-01T00:00:00Z", 200),  # everything; 125 full pages
        ("2000-01-01T00:00:00Z", 997),  # a last page that is not full
        ("2020-01-17T12:00:00Z", 333),  # from a time many records carry: they are included
        ("2020-01-17T12:00:01Z", 10_000),  # between two times
    ],
)
def test_every_record_once_in_order(big, since, page_size):
    api, records = big
    pages = walk(api, since, page_size)
    served = [r["lead_id"] for page in pages for r in page]
    assert served == expected(records, since)
    assert all(len(page) == page_size for page in pages[:-1]) and 0 < len(pages[-1]) <= page_size
    by_id = {r["lead_id"]: r for r in records}
    assert all(r == by_id[r["lead_id"]] for page in pages for r in page)


def test_nothing_newer_is_one_empty_page(big):
    api, _ = big
    assert walk(api, "2021-01-01T00:00:00Z", 200) == [[]]


def test_reordering_faults_still_cover_every_record(big):
    api, records = big
    api.faults.out_of_order = api.faults.duplicate_pages = True
    pages = walk(api, "2000-01-01T00:00:00Z", 400)
    served = [r["lead_id"] for page in pages for r in page]
    assert sorted(set(served)) == sorted(expected(records, "2000-01-01T00:00:00Z"))
    assert len(pages) == 63 + 31  # 63 pages (the last one short), every second one twice
    assert len(pages[0]) == LEADS % 400  # the last page comes first


def test_a_file_rewritten_while_serving_is_served_anew(big):
    api, records = big
    walk(api, "2000-01-01T00:00:00Z", 500)
    changed = [*records[: LEADS // 2], lead(0, "2020-03-01T00:00:00Z")]  # half gone, one new
    write_leads(api.folder, changed)
    served = [r["lead_id"] for page in walk(api, "2000-01-01T00:00:00Z", 500) for r in page]
    assert served == expected(changed, "2000-01-01T00:00:00Z")
    assert served[-1] == 0
