"""The demo's marketing tool: campaigns, daily ad spend and leads, derived from the CRM.

Everything is a pure function of the seed, the CRM's customers and the CRM's last day (the
"as of" day): campaigns run a quarter per channel from 2019; each day of a campaign up to the
as-of day has a spend row, reported the next morning; about 60% of the customers who signed up
while campaigns ran came through a lead of a campaign a few days before their sign-up (the
lead carries their CRM email and id), and other leads never converted. Every record draws from
its own RNG stream, so regenerating after ``demo --advance`` reproduces the existing records
byte for byte (same ``updated_at``) and adds or changes only what the new days bring: new spend
days, leads of new customers, campaigns that ended. The CRM and its calibration are untouched.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm_warehouse.demo._random import rng_for
from crm_warehouse.demo.writer import open_writer

FIRST_DAY = dt.date(2019, 1, 1)
CHANNELS = ("Search", "Social", "Display", "Email")
CHANNEL_WEIGHTS = (0.4, 0.3, 0.15, 0.15)
DAILY_BUDGET_GBP = {"Search": 120.0, "Social": 90.0, "Display": 60.0, "Email": 15.0}
OBJECTIVES = {
    "Search": "conversions",
    "Social": "reach",
    "Display": "awareness",
    "Email": "retention",
}
CLICK_THROUGH = {"Search": 0.045, "Social": 0.012, "Display": 0.004, "Email": 0.08}
COST_PER_MILLE = {"Search": 9.0, "Social": 6.5, "Display": 2.8, "Email": 1.2}
ATTRIBUTED_SHARE = 0.6
SEED_SCALE_CUSTOMERS = 2749  # budgets follow the demo's size: scale 1 spends as planned
GENERATED_UNTIL = dt.date(2022, 1, 31)  # the end of what ``generate`` writes
UNCONVERTED_LEADS_PER_DAY = 3
ENDPOINT_FILES = {
    "campaigns": "campaigns.jsonl",
    "ad_spend": "ad_spend.jsonl",
    "leads": "leads.jsonl",
}


@dataclass(frozen=True)
class Customer:
    customer_id: int
    email: str
    signup_date: dt.date


@dataclass(frozen=True)
class Campaign:
    campaign_id: int
    channel: str
    start: dt.date
    end: dt.date

    def runs_on(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def at_hour(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def quarters(as_of: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    start = FIRST_DAY
    while start <= as_of:
        month = start.month + 3
        following = dt.date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        yield start, following - dt.timedelta(days=1)
        start = following


def plan_campaigns(as_of: dt.date) -> list[Campaign]:
    campaigns = []
    for index, (start, end) in enumerate(quarters(as_of)):
        for offset, channel in enumerate(CHANNELS):
            campaigns.append(Campaign(1001 + index * len(CHANNELS) + offset, channel, start, end))
    return campaigns


def campaign_records(
    seed: int, campaigns: list[Campaign], as_of: dt.date, size: float = 1.0
) -> list[dict[str, Any]]:
    records = []
    for campaign in campaigns:
        rng = rng_for(seed, "marketing", "campaign", campaign.campaign_id)
        created = at_hour(campaign.start - dt.timedelta(days=rng.randrange(5, 15)), 10)
        ended = campaign.end < as_of
        quarter = (campaign.start.month - 1) // 3 + 1
        records.append(
            {
                "campaign_id": campaign.campaign_id,
                "name": f"{campaign.start.year} Q{quarter} {campaign.channel} - "
                f"{rng.choice(['Smartphones', 'Laptops', 'Audio', 'TVs', 'Brand'])}",
                "channel": campaign.channel,
                "objective": OBJECTIVES[campaign.channel],
                "status": "completed" if ended else "active",
                "start_date": campaign.start.isoformat(),
                "end_date": campaign.end.isoformat(),
                "daily_budget": round(DAILY_BUDGET_GBP[campaign.channel] * size, 2),
                "currency": "GBP",
                "created_at": iso(created),
                "updated_at": iso(
                    at_hour(campaign.end + dt.timedelta(days=1), 8) if ended else created
                ),
            }
        )
    return records


def spend_records(
    seed: int, campaigns: list[Campaign], as_of: dt.date, size: float = 1.0
) -> list[dict[str, Any]]:
    records = []
    for campaign in campaigns:
        day = campaign.start
        while day <= min(campaign.end, as_of):
            rng = rng_for(seed, "marketing", "spend", campaign.campaign_id, day.isoformat())
            seasonal = 1.35 if day.month in (11, 12) else 1.0
            budget = DAILY_BUDGET_GBP[campaign.channel] * size
            spend = round(budget * seasonal * rng.uniform(0.7, 1.0), 2)
            impressions = int(spend / COST_PER_MILLE[campaign.channel] * 1000)
            clicks = int(impressions * CLICK_THROUGH[campaign.channel] * rng.uniform(0.8, 1.2))
            records.append(
                {
                    "campaign_id": campaign.campaign_id,
                    "spend_date": day.isoformat(),
                    "channel": campaign.channel,
                    "impressions": impressions,
                    "clicks": clicks,
                    "spend": spend,
                    "currency": "GBP",
                    "updated_at": iso(at_hour(day + dt.timedelta(days=1), 6, rng.randrange(60))),
                }
            )
            day += dt.timedelta(days=1)
    return records


def lead_records(
    seed: int, campaigns: list[Campaign], customers: list[Customer], as_of: dt.date
) -> list[dict[str, Any]]:
    by_channel_day = {(c.channel, c.start): c for c in campaigns}
    starts = sorted({c.start for c in campaigns})
    records = [
        lead
        for customer in customers
        if (lead := _converted_lead(seed, customer, by_channel_day, starts)) is not None
    ]
    day = FIRST_DAY
    while day <= as_of:
        records.extend(_unconverted_leads(seed, day, by_channel_day, starts, as_of))
        day += dt.timedelta(days=1)
    return records


def _campaign_on(
    channel: str,
    day: dt.date,
    by_channel_day: dict[tuple[str, dt.date], Campaign],
    starts: list[dt.date],
) -> Campaign | None:
    start = max((s for s in starts if s <= day), default=None)
    campaign = by_channel_day.get((channel, start)) if start else None
    return campaign if campaign and campaign.runs_on(day) else None


def _converted_lead(
    seed: int,
    customer: Customer,
    by_channel_day: dict[tuple[str, dt.date], Campaign],
    starts: list[dt.date],
) -> dict[str, Any] | None:
    rng = rng_for(seed, "marketing", "lead", customer.customer_id)
    if rng.random() >= ATTRIBUTED_SHARE:
        return None
    channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
    lead_day = customer.signup_date - dt.timedelta(days=rng.randrange(0, 15))
    campaign = _campaign_on(channel, lead_day, by_channel_day, starts)
    if campaign is None:
        return None
    created = at_hour(lead_day, rng.randrange(7, 22), rng.randrange(60))
    converted = max(created, at_hour(customer.signup_date, rng.randrange(7, 22), rng.randrange(60)))
    return {
        "lead_id": customer.customer_id * 10 + 1,
        "campaign_id": campaign.campaign_id,
        "channel": channel,
        "email": customer.email,
        "customer_id": customer.customer_id,
        "status": "converted",
        "created_at": iso(created),
        "converted_at": iso(converted),
        "updated_at": iso(converted),
    }


def _unconverted_leads(
    seed: int,
    day: dt.date,
    by_channel_day: dict[tuple[str, dt.date], Campaign],
    starts: list[dt.date],
    as_of: dt.date,
) -> Iterator[dict[str, Any]]:
    rng = rng_for(seed, "marketing", "open-leads", day.isoformat())
    for number in range(rng.randrange(UNCONVERTED_LEADS_PER_DAY * 2 + 1)):
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        campaign = _campaign_on(channel, day, by_channel_day, starts)
        hour, minute = rng.randrange(7, 22), rng.randrange(60)
        if campaign is None:
            continue
        created = at_hour(day, hour, minute)
        lost = (as_of - day).days > 30
        lead_id = 50_000_000 + (day - FIRST_DAY).days * 100 + number
        yield {
            "lead_id": lead_id,
            "campaign_id": campaign.campaign_id,
            "channel": channel,
            "email": f"lead{lead_id}@example.net",
            "customer_id": None,
            "status": "lost" if lost else "open",
            "created_at": iso(created),
            "converted_at": None,
            "updated_at": iso(at_hour(day + dt.timedelta(days=31), 3) if lost else created),
        }


def read_crm(crm_url: str) -> tuple[list[Customer], dt.date]:
    """Customers and the CRM's last day (the newest order), read as the pipeline would."""
    writer = open_writer(crm_url)
    try:
        rows = writer.query(
            "select customer_id, email, signup_date from customers order by customer_id"
        )
        ((last,),) = writer.query("select max(ordered_at) from orders")
    finally:
        writer.close(success=False)
    customers = [Customer(int(cid), str(email), _date(signup)) for cid, email, signup in rows]
    return customers, _date(last)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def marketing_records(
    seed: int, customers: list[Customer], as_of: dt.date
) -> dict[str, list[dict[str, Any]]]:
    campaigns = plan_campaigns(as_of)
    # The size of the generated period's customer base: constant under ``advance``, so that
    # regenerating never rewrites an existing record.
    size = max(sum(c.signup_date <= GENERATED_UNTIL for c in customers), 1) / SEED_SCALE_CUSTOMERS
    return {
        "campaigns": campaign_records(seed, campaigns, as_of, size),
        "ad_spend": spend_records(seed, campaigns, as_of, size),
        "leads": lead_records(seed, campaigns, customers, as_of),
    }


def write_marketing(crm_url: str, folder: Path, *, seed: int) -> dict[str, int]:
    """(Re)write the mock API's files from the CRM; returns the records per endpoint."""
    customers, as_of = read_crm(crm_url)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for endpoint, records in marketing_records(seed, customers, as_of).items():
        path = folder / ENDPOINT_FILES[endpoint]
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, separators=(",", ":")) + "\n")
        partial.replace(path)
        counts[endpoint] = len(records)
    return counts


def read_records(folder: Path, endpoint: str) -> list[dict[str, Any]]:
    path = folder / ENDPOINT_FILES.get(endpoint, f"{endpoint}.jsonl")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
