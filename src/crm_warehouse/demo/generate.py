"""``generate``: write the demo CRM database and helpdesk feed from scratch."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

from crm_warehouse.demo import clock, schema
from crm_warehouse.demo._random import rng_for
from crm_warehouse.demo.catalog import PRODUCTS
from crm_warehouse.demo.feed import FeedWriter, feed_files
from crm_warehouse.demo.orders import OrderStream, money
from crm_warehouse.demo.plan import build_plan
from crm_warehouse.demo.summary import DemoSummary, Progress
from crm_warehouse.demo.tickets import TicketSpawner, build_closed_plan
from crm_warehouse.demo.writer import SourceWriter, open_writer, redact
from crm_warehouse.errors import PipelineError

MIN_SCALE, MAX_SCALE = 0.01, 5_000.0
PRODUCTS_CREATED = date(2018, 9, 3)


def generate(
    source_url: str,
    feed_dir: Path,
    *,
    seed: int = 42,
    scale: float = 1.0,
    progress: Progress | None = None,
) -> DemoSummary:
    """Create the CRM tables and the helpdesk feed for 2019-01-01 .. 2022-01-31.

    Refuses if the database already has any of the tables or the folder already has ticket
    files. The same seed and scale always produce byte-identical CSV files and identical rows.
    """
    started = time.perf_counter()
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise PipelineError(
            f"demo scale {scale:g} is out of range",
            fix=f"use a scale between {MIN_SCALE:g} and {MAX_SCALE:g}",
        )
    feed_dir = Path(feed_dir)
    if feed_files(feed_dir):
        raise PipelineError(
            "the helpdesk feed folder already has ticket files",
            where=str(feed_dir),
            fix="empty the folder, or advance the demo instead of generating",
        )
    report = progress or (lambda step, done, total: None)
    writer = open_writer(source_url, bulk=True)
    feed: FeedWriter | None = None
    success = False
    try:
        _refuse_existing(writer)
        feed_dir.mkdir(parents=True, exist_ok=True)
        writer.create_tables()
        writer.insert("products", product_rows(seed))
        summary, feed = _stream(writer, feed_dir, seed, scale, report)
        report("indexes", 0, 1)
        writer.create_indexes()
        report("indexes", 1, 1)
        success = True
    finally:
        writer.close(success=success)
        if not success and feed is not None:
            for name in feed.files:
                (feed_dir / name).unlink(missing_ok=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _refuse_existing(writer: SourceWriter) -> None:
    existing = writer.existing_tables()
    if existing:
        raise PipelineError(
            f"the CRM database already has demo tables ({', '.join(sorted(existing))})",
            where=redact(writer.url),
            fix="drop them or point [sources.crm] url at a new database, or advance the demo",
        )


def _stream(
    writer: SourceWriter, feed_dir: Path, seed: int, scale: float, report: Progress
) -> tuple[DemoSummary, FeedWriter]:
    plan = build_plan(seed, scale)
    stream = OrderStream(plan)
    closed = build_closed_plan(plan.calibration, plan.closed_tickets, scale, seed)
    spawner = TicketSpawner(plan.end_ts, closed, plan.calibration, seed)
    feed = FeedWriter(feed_dir, stream.customers, seed)
    counts = dict.fromkeys(schema.TABLES, 0)
    counts["products"] = len(PRODUCTS)
    total, done = plan.total_orders, 0
    report("orders", 0, total)
    for days in plan.chunks():
        out = stream.run_chunk(days)
        writer.insert("customers", out.customer_rows)
        writer.insert("orders", out.order_rows)
        writer.insert("order_items", out.item_rows)
        counts["customers"] += len(out.customer_rows)
        counts["orders"] += len(out.order_rows)
        counts["order_items"] += len(out.item_rows)
        feed.add(spawner.spawn(out.orders, stream.chunk_no))
        feed.flush_through(days[-1])
        done += len(out.orders)
        report("orders", done, total)
    feed.close()
    report("tickets", feed.tickets, feed.tickets)
    summary = DemoSummary(
        first_day=plan.start,
        last_day=plan.end,
        seed=seed,
        scale=scale,
        inserted=counts,
        files=dict(feed.files),
        tickets=feed.tickets,
    )
    return summary, feed


def product_rows(seed: int) -> list[tuple[Any, ...]]:
    """The catalogue, created before the first order; some prices were reviewed later."""
    rng = rng_for(seed, "products")
    base = clock.day_start(PRODUCTS_CREATED)
    rows = []
    for product_id, p in enumerate(PRODUCTS, start=1):
        created = base + rng.randrange(60) * clock.DAY + rng.randrange(9, 18) * clock.HOUR
        updated = created
        if rng.random() < 0.4:  # price review in 2021
            updated = clock.day_start(date(2021, 1, 4)) + rng.randrange(300) * clock.DAY
            updated = clock.safe(updated + rng.randrange(9, 18) * clock.HOUR)
        rows.append(
            (
                product_id,
                p.name,
                p.brand,
                p.category,
                money(p.list_pence),
                clock.ts_text(created),
                clock.ts_text(updated),
            )
        )
    return rows
