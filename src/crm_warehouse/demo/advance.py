"""``advance``: play the demo sources forward day by day, as a live CRM and helpdesk would.

For each new day after the last generated one: new orders (some from new customers) are placed,
earlier orders move on (placed -> shipped -> delivered, a few cancelled or returned), a couple
of customers change city or income bracket, now and then a product's price changes, and the
helpdesk receives new tickets and answers or closes the open ones whose schedule (durations drawn
like the generated Closed tickets') falls that day, exported as new rows in that day's feed
file. Everything is drawn from an RNG keyed by the seed and the day, and reads the
current state in a fixed order, so the result depends only on the seed and the state.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm_warehouse.demo import clock, schema
from crm_warehouse.demo._random import Chooser, rng_for
from crm_warehouse.demo.calibration import CALIBRATION, CHANNELS
from crm_warehouse.demo.catalog import (
    BRACKETS,
    EMAIL_DOMAINS,
    GENDERS,
    LAST_NAMES,
    LEGACY_PRODUCTS,
    SUBJECTS,
    TICKET_COLUMNS,
    TICKET_TYPES,
)
from crm_warehouse.demo.feed import FeedState, file_name, read_feed_state, split_day, write_file
from crm_warehouse.demo.orders import HOUR_CHOOSER, UNITS_CHOOSER, draw_lines, money
from crm_warehouse.demo.people import (
    FIRST_NAMES_BY_GENDER,
    LOCATION_CHOOSER,
    customer_email,
    draw_age,
)
from crm_warehouse.demo.summary import DemoSummary, Progress
from crm_warehouse.demo.tickets import (
    FRT_BOUNDS,
    FRT_SIGMA,
    PRIORITY_CHOOSER,
    TTR_BOUNDS,
    TTR_SIGMA,
    USUAL_TYPE,
    describe,
    guest,
    resolution,
    styled_email,
)
from crm_warehouse.demo.writer import SourceWriter, open_writer, redact
from crm_warehouse.errors import PipelineError

NEW_CUSTOMER_SHARE = 0.3
TICKETS_PER_ORDER = 0.19
SHIP_CHANCE, CANCEL_CHANCE, DELIVER_CHANCE, RETURN_CHANCE = 0.75, 0.03, 0.6, 0.003
PRICE_CHANGE_CHANCE = 0.1
CUSTOMER_CHANGE_RATE = 0.0005  # customers changing city or bracket per day, per customer
CSAT_CHOOSER: Chooser[int] = Chooser((1, 2, 3, 4, 5), (19, 20, 20, 20, 21))
BRACKET_CHOOSER: Chooser[str] = Chooser(
    BRACKETS, [CALIBRATION.customers_by_bracket[b] for b in BRACKETS]
)
GENDER_CHOOSER: Chooser[int] = Chooser(range(3), [CALIBRATION.gender_shares[g] for g in GENDERS])
CHANNEL_CHOOSER: Chooser[str] = Chooser(
    CHANNELS, [CALIBRATION.channel_shares()[c] for c in CHANNELS]
)


def _ts(value: Any) -> int:
    """A timestamp read back from either database, as wall-clock seconds."""
    if isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M:%S")
    return clock.parse_ts(str(value))


def _pence(value: Any) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


@dataclass
class _DbState:
    max_customer: int
    max_order: int
    max_item: int
    daily_orders: float
    products: list[tuple[int, str, int]]  # (product_id, name, list pence)


@dataclass
class _Day:
    """Everything one advanced day writes."""

    day: date
    rng: random.Random
    new_customers: list[tuple[Any, ...]] = field(default_factory=list)
    new_orders: list[tuple[Any, ...]] = field(default_factory=list)
    new_items: list[tuple[Any, ...]] = field(default_factory=list)
    order_updates: list[tuple[Any, ...]] = field(default_factory=list)
    customer_updates: list[tuple[Any, ...]] = field(default_factory=list)
    product_updates: list[tuple[Any, ...]] = field(default_factory=list)
    ticket_rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    new_tickets: int = 0

    @property
    def start(self) -> int:
        return clock.day_start(self.day)

    def moment(self) -> int:
        """A random time of day (06:00-22:00), never in a missing clock hour."""
        return clock.safe(
            self.rng.randint(self.start + 6 * clock.HOUR, self.start + clock.DAY - 2 * clock.HOUR)
        )


def advance(
    source_url: str, feed_dir: Path, *, days: int, seed: int = 42, progress: Progress | None = None
) -> DemoSummary:
    """Add ``days`` days of activity after the last day present in the sources."""
    started = time.perf_counter()
    if days < 1:
        raise PipelineError(f"cannot advance the demo by {days} days", fix="use --days 1 or more")
    feed_dir = Path(feed_dir)
    report = progress or (lambda step, done, total: None)
    writer = open_writer(source_url)
    success = False
    try:
        missing = set(schema.TABLES) - writer.existing_tables()
        if missing:
            raise PipelineError(
                f"the CRM database has no demo tables ({', '.join(sorted(missing))})",
                where=redact(source_url),
                fix="run `crm-warehouse demo` to generate them first",
            )
        feed = read_feed_state(feed_dir)
        # The generated period always runs to the calibration's end, even when (at tiny
        # scales) nothing happened on its last days.
        last = max(
            _last_day(writer), feed.last_day or CALIBRATION.period_end, CALIBRATION.period_end
        )
        first = last + timedelta(days=1)
        summary = DemoSummary(
            first_day=first,
            last_day=first + timedelta(days=days - 1),
            seed=seed,
            inserted=dict.fromkeys(("customers", "orders", "order_items"), 0),
            updated=dict.fromkeys(("customers", "products", "orders"), 0),
        )
        for i in range(days):
            today = first + timedelta(days=i)
            # Re-read per day, so advancing 1 day twice equals advancing 2 days once.
            db = _read_db_state(writer, today)
            day = _Day(today, rng_for(seed, "advance", today))
            _play_day(writer, db, feed, day, seed)
            _write_day(writer, feed_dir, day, seed, summary)
            writer.commit()
            report("advance", i + 1, days)
        success = True
    finally:
        writer.close(success=success)
    summary.seconds = time.perf_counter() - started
    return summary


def _last_day(writer: SourceWriter) -> date:
    """The day of the latest change in the database (the cursors are indexed)."""
    latest = [writer.query(f"SELECT max(updated_at) FROM {t}")[0][0] for t in schema.TABLES]
    return clock.to_date(max(_ts(v) for v in latest if v is not None))


def _read_db_state(writer: SourceWriter, today: date) -> _DbState:
    def scalar(sql: str, params: tuple[Any, ...] = ()) -> Any:
        return writer.query(sql, params)[0][0]

    # Orders of the last 28 days set the pace; an order's updated_at is never before it was
    # placed, so the indexed cursor narrows the scan.
    since = clock.ts_text(clock.day_start(today - timedelta(days=28)))
    recent = scalar(
        "SELECT count(*) FROM orders WHERE updated_at >= ? AND ordered_at >= ?", (since, since)
    )
    products = [
        (pid, name, _pence(price))
        for pid, name, price in writer.query(
            "SELECT product_id, product_name, list_price FROM products ORDER BY product_id"
        )
    ]
    return _DbState(
        max_customer=scalar("SELECT max(customer_id) FROM customers") or 0,
        max_order=scalar("SELECT max(order_id) FROM orders") or 0,
        max_item=scalar("SELECT max(order_item_id) FROM order_items") or 0,
        daily_orders=max(1.0, recent / 28),
        products=products,
    )


def _play_day(writer: SourceWriter, db: _DbState, feed: FeedState, day: _Day, seed: int) -> None:
    _progress_orders(writer, day)
    _place_orders(db, day)
    _change_customers(writer, db, day)
    _change_prices(db, day)
    _progress_tickets(feed, day, seed)
    _open_tickets(writer, db, feed, day, seed)


# ----------------------------------------------------------------------------------- orders
def _progress_orders(writer: SourceWriter, day: _Day) -> None:
    since = clock.ts_text(day.start - 35 * clock.DAY)
    rows = writer.query(
        "SELECT order_id, status, ordered_at, updated_at FROM orders WHERE updated_at >= ? "
        "AND status IN ('placed', 'shipped', 'delivered') ORDER BY order_id",
        [since],
    )
    rng = day.rng
    for order_id, status, _, updated in rows:
        chance = rng.random()
        new_status = None
        if status == "placed":
            if chance < CANCEL_CHANCE:
                new_status = "cancelled"
            elif chance < CANCEL_CHANCE + SHIP_CHANCE:
                new_status = "shipped"
        elif status == "shipped" and chance < DELIVER_CHANCE:
            new_status = "delivered"
        elif (
            status == "delivered"
            and chance < RETURN_CHANCE
            and _ts(updated) >= day.start - 30 * clock.DAY
        ):
            new_status = "returned"
        if new_status:
            day.order_updates.append((new_status, clock.ts_text(day.moment()), order_id))


def _place_orders(db: _DbState, day: _Day) -> None:
    rng = day.rng
    weekday = (1.0, 0.95, 0.95, 1.0, 1.1, 1.2, 1.05)[day.day.weekday()]
    n = max(1, round(db.daily_orders * weekday * rng.lognormvariate(0.0, 0.2)))
    existing = db.max_customer
    times = sorted(
        clock.safe(day.start + HOUR_CHOOSER.pick(rng) * clock.HOUR + rng.randrange(clock.HOUR))
        for _ in range(n)
    )
    for placed in times:
        if rng.random() < NEW_CUSTOMER_SHARE or existing == 0:
            customer_id = _new_customer(db, day, max(day.start, placed - rng.randint(60, 1800)))
        else:
            customer_id = rng.randint(1, existing)
        db.max_order += 1
        placed_text = clock.ts_text(placed)
        day.new_orders.append(
            (db.max_order, customer_id, "placed", placed_text, "GBP", placed_text, placed_text)
        )
        for index, quantity, level, _ in draw_lines(UNITS_CHOOSER.pick(rng), rng):
            product_id, _, list_pence = db.products[index]
            price = round(list_pence * (1 - (0.0, 0.05, 0.10, 0.15, 0.20)[level]))
            db.max_item += 1
            day.new_items.append(
                (
                    db.max_item,
                    db.max_order,
                    product_id,
                    quantity,
                    money(price),
                    placed_text,
                    placed_text,
                )
            )


def _new_customer(db: _DbState, day: _Day, created: int) -> int:
    rng = day.rng
    db.max_customer += 1
    gender = GENDER_CHOOSER.pick(rng)
    first = FIRST_NAMES_BY_GENDER[gender][rng.randrange(len(FIRST_NAMES_BY_GENDER[gender]))]
    last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
    email = customer_email(
        first, last, db.max_customer, EMAIL_DOMAINS[rng.randrange(len(EMAIL_DOMAINS))]
    )
    created_text = clock.ts_text(clock.safe_earlier(created))
    day.new_customers.append(
        (
            db.max_customer,
            f"{first} {last}",
            email,
            draw_age(rng),
            GENDERS[gender],
            LOCATION_CHOOSER.pick(rng),
            BRACKET_CHOOSER.pick(rng),
            day.day.isoformat(),
            created_text,
            created_text,
        )
    )
    return db.max_customer


def _change_customers(writer: SourceWriter, db: _DbState, day: _Day) -> None:
    rng = day.rng
    count = max(1, round(db.max_customer * CUSTOMER_CHANGE_RATE * rng.uniform(0.5, 1.5)))
    chosen = sorted({rng.randint(1, db.max_customer) for _ in range(count)})
    for customer_id in chosen:
        rows = writer.query(
            "SELECT location, income_bracket FROM customers WHERE customer_id = ?", [customer_id]
        )
        if not rows:
            continue
        location, bracket = rows[0]
        if rng.random() < 0.6:  # moved house
            moved_to = location
            while moved_to == location:
                moved_to = LOCATION_CHOOSER.pick(rng)
            location = moved_to
        else:  # income changed by one bracket
            i = BRACKETS.index(bracket) if bracket in BRACKETS else 1
            step = 1 if i == 0 else -1 if i == len(BRACKETS) - 1 else rng.choice((-1, 1))
            bracket = BRACKETS[i + step]
        day.customer_updates.append((location, bracket, clock.ts_text(day.moment()), customer_id))


def _change_prices(db: _DbState, day: _Day) -> None:
    rng = day.rng
    if rng.random() >= PRICE_CHANGE_CHANCE:
        return
    index = rng.randrange(len(db.products))
    product_id, name, pence = db.products[index]
    pounds = max(5, math.floor(pence * rng.uniform(0.88, 1.08) / 100))
    new_pence = pounds * 100 + (99 if pounds < 1000 and rng.random() < 0.7 else 0)
    db.products[index] = (product_id, name, new_pence)
    day.product_updates.append((money(new_pence), clock.ts_text(day.moment()), product_id))


# ---------------------------------------------------------------------------------- tickets
@dataclass(frozen=True)
class _Schedule:
    """When a ticket is answered and resolved, if nothing stalls it (wall-clock seconds)."""

    answered: int
    resolved: int


def _duration(rng: random.Random, mean: float, sigma: float, bounds: tuple[float, float]) -> int:
    """A lognormal handling time with the given mean, clipped like the generated tickets'."""
    low, high = bounds
    return int(min(high, max(low, rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma))))


def _schedule(row: dict[str, str], ticket_id: int, seed: int) -> _Schedule:
    """The ticket's first response and resolution, drawn as the generator draws Closed tickets'.

    The durations (first response around its channel's calibrated mean, resolution around
    ``mean_ttr_hours``, both lognormal within the generator's bounds) come from an RNG keyed by
    the ticket alone, so every day that looks at the ticket sees the same schedule. A ticket
    answered before the advance (in the generated period) is resolved counting from that answer.
    """
    rng = rng_for(seed, "advance-schedule", ticket_id)
    channel_mean = CALIBRATION.channel_frt_hours.get(
        row["Ticket Channel"], CALIBRATION.mean_frt_hours
    )
    frt = _duration(rng, channel_mean * clock.HOUR, FRT_SIGMA, FRT_BOUNDS)
    ttr = _duration(rng, CALIBRATION.mean_ttr_hours * clock.HOUR, TTR_SIGMA, TTR_BOUNDS)
    created = _ts(row["Created At"])
    answered, resolved = _before_clock_change(created, created + frt, created + frt + ttr)
    given = row.get("First Response Time")
    if given and _ts(given) != answered:
        start = _ts(given)
        answered, resolved = _before_clock_change(start, start, start + ttr)
    return _Schedule(answered, resolved)


def _before_clock_change(start: int, answered: int, resolved: int) -> tuple[int, int]:
    """Keep a ticket's measured intervals off a change of clocks (``clock.py``): a schedule
    that would run over one is shortened, in proportion, to end at 00:59:59 that day."""
    for day in range(start // clock.DAY, resolved // clock.DAY + 1):
        change = day * clock.DAY + clock.HOUR
        if day in clock.CLOCK_CHANGE_DAYS and start < change <= resolved:
            last = change - 1
            return start + (answered - start) * (last - start) // (resolved - start), last
    return answered, resolved


def _progress_tickets(feed: FeedState, day: _Day, seed: int) -> None:
    """Answer or close the open tickets whose scheduled response or resolution falls today.

    A ticket whose scheduled step fell before today (the generated period's backlog: tickets
    left unanswered, or waiting for a customer who never replied) has stalled and stays as it
    is: answering or closing it now would measure weeks or months, which this helpdesk's
    calibrated response and resolution times (hours) never show.
    """
    for ticket_id in sorted(feed.open):
        row = feed.open[ticket_id]
        progressed = _progress(row, _schedule(row, ticket_id, seed), day, seed, ticket_id)
        if progressed is not row:
            _emit(feed, day, ticket_id, progressed)


def _progress(
    row: dict[str, str], plan: _Schedule, day: _Day, seed: int, ticket_id: int
) -> dict[str, str]:
    """The ticket's state at the end of ``day`` (``row`` itself when nothing happened)."""
    end = day.start + clock.DAY
    if row["Ticket Status"] == "Open":
        if not day.start <= plan.answered < end:
            return row
        row = row | {
            "Ticket Status": "Pending Customer Response",
            "First Response Time": clock.ts_text(plan.answered),
        }
    if day.start <= plan.resolved < end:
        row = _closed(row, plan.resolved, seed, ticket_id)
    return row


def _closed(row: dict[str, str], resolved: int, seed: int, ticket_id: int) -> dict[str, str]:
    text_rng = rng_for(seed, "advance-resolution", ticket_id)
    return row | {
        "Ticket Status": "Closed",
        "Resolution": resolution(row["Ticket Subject"], text_rng),
        "Time to Resolution": clock.ts_text(resolved),
        "Customer Satisfaction Rating": f"{CSAT_CHOOSER.pick(text_rng)}.0",
    }


def _emit(feed: FeedState, day: _Day, ticket_id: int, row: dict[str, str]) -> None:
    ts = max(
        _ts(row[k])
        for k in ("Created At", "First Response Time", "Time to Resolution")
        if row.get(k)
    )
    day.ticket_rows.append((ts, row))
    if row["Ticket Status"] == "Closed":
        feed.open.pop(ticket_id, None)
    else:
        feed.open[ticket_id] = row


def _recent_orders(writer: SourceWriter, day: _Day) -> list[tuple[Any, ...]]:
    since = clock.ts_text(day.start - 30 * clock.DAY)
    rows = writer.query(
        "SELECT o.order_id, o.ordered_at, c.full_name, c.email, c.age, c.gender "
        "FROM orders o JOIN customers c ON c.customer_id = o.customer_id "
        "WHERE o.updated_at >= ? ORDER BY o.order_id",
        [since],
    )
    return [r for r in rows if day.start - 30 * clock.DAY <= _ts(r[1]) < day.start]


def _open_tickets(
    writer: SourceWriter, db: _DbState, feed: FeedState, day: _Day, seed: int
) -> None:
    """New tickets about orders of the last 30 days, most still Open at the end of the day."""
    rng = day.rng
    expected = TICKETS_PER_ORDER * db.daily_orders
    # At least one ticket a day; on average TICKETS_PER_ORDER per order of recent days.
    count = max(1, sum(1 for _ in range(math.ceil(expected * 3)) if rng.random() < 1 / 3))
    candidates = _recent_orders(writer, day) if count else []
    created_times = sorted(day.moment() for _ in range(count if candidates else 0))
    for created in created_times:
        order_id, ordered_at, name, email, age, gender = candidates[rng.randrange(len(candidates))]
        feed.max_ticket_id += 1
        ticket_id = feed.max_ticket_id
        products = writer.query(
            "SELECT p.product_name FROM order_items i JOIN products p "
            "ON p.product_id = i.product_id WHERE i.order_id = ? ORDER BY i.order_item_id",
            [order_id],
        )
        product = products[rng.randrange(len(products))][0] if products else LEGACY_PRODUCTS[0]
        if rng.random() < CALIBRATION.unknown_product_share:
            product = LEGACY_PRODUCTS[rng.randrange(len(LEGACY_PRODUCTS))]
        if rng.random() < CALIBRATION.unmatched_email_share:
            name, email, age, gender = guest(rng)
        if rng.random() < CALIBRATION.email_variant_share:
            email = styled_email(email, rng.randint(1, 5))
        row = _new_ticket_row(
            ticket_id,
            created,
            (name, email, age, gender),
            product,
            clock.date_text(_ts(ordered_at)),
            day,
            seed,
        )
        day.new_tickets += 1
        # Answered and closed today if its schedule says so; later days take it from there.
        row = _progress(row, _schedule(row, ticket_id, seed), day, seed, ticket_id)
        _emit(feed, day, ticket_id, row)


def _new_ticket_row(
    ticket_id: int,
    created: int,
    person: tuple[Any, ...],
    product: str,
    purchased: str,
    day: _Day,
    seed: int,
) -> dict[str, str]:
    rng = day.rng
    name, email, age, gender = person
    subject = SUBJECTS[rng.randrange(len(SUBJECTS))]
    kind = USUAL_TYPE[subject] if rng.random() < 0.6 else rng.choice(TICKET_TYPES)
    text_rng = rng_for(seed, "advance-text", ticket_id)
    row = dict.fromkeys(TICKET_COLUMNS, "")
    return row | {
        "Ticket ID": str(ticket_id),
        "Customer Name": name,
        "Customer Email": email,
        "Customer Age": str(age),
        "Customer Gender": gender,
        "Product Purchased": product,
        "Date of Purchase": purchased,
        "Ticket Type": kind,
        "Ticket Subject": subject,
        "Ticket Description": describe(
            subject, product, purchased, name.split()[0], name, text_rng
        ),
        "Ticket Status": "Open",
        "Ticket Priority": PRIORITY_CHOOSER.pick(rng),
        "Ticket Channel": CHANNEL_CHOOSER.pick(rng),
        "Created At": clock.ts_text(created),
    }


# ------------------------------------------------------------------------------------ write
def _write_day(
    writer: SourceWriter, feed_dir: Path, day: _Day, seed: int, summary: DemoSummary
) -> None:
    writer.insert("customers", day.new_customers)
    writer.insert("orders", day.new_orders)
    writer.insert("order_items", day.new_items)
    writer.execute_many(
        "UPDATE orders SET status = ?, updated_at = ? WHERE order_id = ?", day.order_updates
    )
    writer.execute_many(
        "UPDATE customers SET location = ?, income_bracket = ?, updated_at = ? "
        "WHERE customer_id = ?",
        day.customer_updates,
    )
    writer.execute_many(
        "UPDATE products SET list_price = ?, updated_at = ? WHERE product_id = ?",
        day.product_updates,
    )
    for table, rows in (
        ("customers", day.new_customers),
        ("orders", day.new_orders),
        ("order_items", day.new_items),
    ):
        summary.inserted[table] += len(rows)
    for table, rows in (
        ("orders", day.order_updates),
        ("customers", day.customer_updates),
        ("products", day.product_updates),
    ):
        summary.updated[table] += len(rows)
    summary.tickets += day.new_tickets
    if not day.ticket_rows:
        return
    day.ticket_rows.sort(key=lambda item: (item[0], int(item[1]["Ticket ID"])))
    index = clock.day_index(day.day)
    for part, rows in enumerate(split_day(day.ticket_rows, index, seed), start=1):
        path = feed_dir / file_name(day.day, part)
        if path.exists():
            raise PipelineError(
                f"feed file {path.name} already exists",
                where=str(feed_dir),
                fix="the feed and the database disagree on the last day; regenerate the demo",
            )
        feed_dir.mkdir(parents=True, exist_ok=True)
        write_file(path, rows)
        summary.files[path.name] = len(rows)
