"""At scale 1 the demo reproduces the design's key metrics (demo/calibration.py).

Every figure is recomputed here from the written SQLite file and CSV files with plain SQL and
the csv module, the way a consumer of the sources would compute it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm_warehouse.demo.calibration import CALIBRATION as CAL
from tests.demo.conftest import Sources, hours, latest_tickets, ts

REVENUE_ORDERS = "status NOT IN ('cancelled', 'returned')"
LONDON = ZoneInfo("Europe/London")


def within(actual: float, target: float, relative: float) -> bool:
    return abs(actual - target) <= relative * abs(target)


# ------------------------------------------------------------------------------ revenue
def test_total_and_yearly_revenue(demo1: Sources) -> None:
    rows = demo1.sql(f"""
        SELECT substr(o.ordered_at, 1, 4), sum(i.quantity * i.unit_price)
        FROM orders o JOIN order_items i ON i.order_id = o.order_id
        WHERE o.{REVENUE_ORDERS} GROUP BY 1 ORDER BY 1""")
    by_year = {int(year): revenue for year, revenue in rows}
    assert set(by_year) == {2019, 2020, 2021, 2022}
    for year, target in CAL.revenue_by_year.items():
        assert within(by_year[year], target, CAL.revenue_tolerance), (year, by_year[year])
    assert within(sum(by_year.values()), CAL.revenue_total, CAL.revenue_tolerance)
    # The seed's shape: 2020 about 2.29x 2019, 2021 about 0.65x 2020, 2022 about 1% of total.
    assert 2.2 < by_year[2020] / by_year[2019] < 2.4
    assert 0.6 < by_year[2021] / by_year[2020] < 0.7
    assert 0.009 < by_year[2022] / sum(by_year.values()) < 0.012


def test_period_and_january_only_2022(demo1: Sources) -> None:
    first, last = demo1.sql("SELECT min(ordered_at), max(ordered_at) FROM orders")[0]
    assert first >= "2019-01-01 00:00:00"
    assert "2022-01-01" <= last[:10] <= "2022-01-31"


def test_orders_aov_and_units(demo1: Sources) -> None:
    orders, revenue, units = demo1.sql(f"""
        SELECT count(DISTINCT o.order_id), sum(i.quantity * i.unit_price), sum(i.quantity)
        FROM orders o JOIN order_items i ON i.order_id = o.order_id
        WHERE o.{REVENUE_ORDERS}""")[0]
    assert abs(orders - 8_950) <= 90
    assert within(revenue / orders, CAL.aov, CAL.aov_tolerance)
    assert within(units, CAL.units, CAL.units_tolerance)
    assert 1.40 < units / orders < 1.50


def test_cancelled_and_returned_orders_are_a_small_share(demo1: Sources) -> None:
    counts = dict(demo1.sql("SELECT status, count(*) FROM orders GROUP BY status"))
    total = sum(counts.values())
    assert set(counts) <= {"placed", "shipped", "delivered", "cancelled", "returned"}
    assert abs(counts["cancelled"] / total - CAL.cancelled_share) < 0.005
    assert abs(counts["returned"] / total - CAL.returned_share) < 0.004
    # The last days' orders are still on their way.
    assert counts.get("placed", 0) + counts.get("shipped", 0) > 0


def test_unit_prices_are_list_price_or_discounted(demo1: Sources) -> None:
    over, discounted, lines = demo1.sql("""
        SELECT sum(i.unit_price > p.list_price + 0.001),
               sum(i.unit_price < p.list_price - 0.001), count(*)
        FROM order_items i JOIN products p ON p.product_id = i.product_id""")[0]
    assert over == 0
    assert 0.2 < discounted / lines < 0.9
    assert demo1.scalar("SELECT count(*) FROM order_items WHERE quantity < 1") == 0


def test_products_and_revenue_concentration(demo1: Sources) -> None:
    products = demo1.sql("SELECT product_name, category, list_price FROM products")
    assert len(products) == CAL.products
    assert len({name for name, _, _ in products}) == CAL.products
    assert {
        "Smartphones",
        "Laptops",
        "TVs",
        "Audio",
        "Gaming consoles",
        "Cameras",
        "Wearables",
        "Accessories",
    } == {category for _, category, _ in products}
    revenue = [
        r
        for (r,) in demo1.sql(f"""
        SELECT sum(i.quantity * i.unit_price) FROM order_items i
        JOIN orders o ON o.order_id = i.order_id WHERE o.{REVENUE_ORDERS}
        GROUP BY i.product_id ORDER BY 1 DESC""")
    ]
    total = sum(revenue)
    assert sum(revenue[:5]) / total > 0.35  # a handful of products drive revenue
    assert revenue[0] / total > 2.5 * (total / len(revenue)) / total


# ---------------------------------------------------------------------------- customers
def test_customers_and_income_brackets(demo1: Sources) -> None:
    assert demo1.scalar("SELECT count(*) FROM customers") == CAL.customers
    brackets = dict(demo1.sql("SELECT income_bracket, count(*) FROM customers GROUP BY 1"))
    assert brackets == CAL.customers_by_bracket
    genders = dict(demo1.sql("SELECT gender, count(*) FROM customers GROUP BY 1"))
    for gender, share in CAL.gender_shares.items():
        assert abs(genders[gender] / CAL.customers - share) < 0.01, gender
    emails = [e for (e,) in demo1.sql("SELECT email FROM customers")]
    assert len(set(emails)) == len(emails)
    assert all(e == e.strip().lower() for e in emails)


def test_revenue_by_bracket_and_arpc(demo1: Sources) -> None:
    rows = demo1.sql(f"""
        SELECT c.income_bracket, sum(i.quantity * i.unit_price)
        FROM orders o JOIN order_items i ON i.order_id = o.order_id
        JOIN customers c ON c.customer_id = o.customer_id
        WHERE o.{REVENUE_ORDERS} GROUP BY 1""")
    for bracket, revenue in rows:
        target = CAL.revenue_by_bracket[bracket]
        assert within(revenue, target, CAL.bracket_revenue_tolerance), (bracket, revenue)
    revenue, buyers = demo1.sql(f"""
        SELECT sum(i.quantity * i.unit_price), count(DISTINCT o.customer_id)
        FROM orders o JOIN order_items i ON i.order_id = o.order_id
        WHERE o.{REVENUE_ORDERS}""")[0]
    assert within(revenue / buyers, CAL.arpc, CAL.arpc_tolerance)


def test_every_customer_orders_after_signing_up(demo1: Sources) -> None:
    assert (
        demo1.scalar("""
        SELECT count(*) FROM customers c
        WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)""")
        == 0
    )
    assert (
        demo1.scalar("""
        SELECT count(*) FROM orders o JOIN customers c ON c.customer_id = o.customer_id
        WHERE substr(o.ordered_at, 1, 10) < c.signup_date
           OR o.ordered_at < c.created_at""")
        == 0
    )
    assert (
        demo1.scalar("""
        SELECT count(*) FROM orders o LEFT JOIN customers c ON c.customer_id = o.customer_id
        WHERE c.customer_id IS NULL""")
        == 0
    )


def test_returning_customers_order_in_several_years(demo1: Sources) -> None:
    per_customer = demo1.sql("""
        SELECT customer_id, count(DISTINCT substr(ordered_at, 1, 4)), count(*)
        FROM orders GROUP BY customer_id""")
    several_years = sum(1 for _, years, _ in per_customer if years >= 2)
    assert several_years / len(per_customer) > 0.2
    assert max(n for *_, n in per_customer) >= 10


def test_created_and_updated_at(demo1: Sources) -> None:
    for table in ("customers", "products", "orders", "order_items"):
        bad = demo1.scalar(f"SELECT count(*) FROM {table} WHERE updated_at < created_at")
        assert bad == 0, table
        pattern = demo1.scalar(
            f"SELECT count(*) FROM {table} WHERE updated_at NOT GLOB "
            "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'"
        )
        assert pattern == 0, table
    assert demo1.scalar("SELECT count(*) FROM orders WHERE updated_at > created_at") > 8_000
    assert demo1.scalar("SELECT count(*) FROM orders WHERE created_at <> ordered_at") == 0
    for name, key, created in (
        ("customers", "customer_id", "created_at"),
        ("orders", "order_id", "ordered_at"),
    ):  # ids follow time
        assert (
            demo1.scalar(f"""
            SELECT count(*) FROM {name} a JOIN {name} b ON b.{key} = a.{key} + 1
            WHERE b.{created} < a.{created}""")
            == 0
        ), name
    types = dict(demo1.sql("SELECT name, type FROM pragma_table_info('order_items')"))
    assert types["unit_price"] == "NUMERIC(12,2)"
    assert types["created_at"] == "TIMESTAMP"
    indexed = {
        r[0]
        for r in demo1.sql(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%updated_at%'"
        )
    }
    assert indexed == {"customers", "products", "orders", "order_items"}


# ------------------------------------------------------------------------------ tickets
@pytest.fixture(scope="module")
def tickets(demo1: Sources) -> dict[int, dict[str, str]]:
    return latest_tickets(demo1.feed)


@pytest.fixture(scope="module")
def closed(tickets: dict[int, dict[str, str]]) -> list[dict[str, str]]:
    return [t for t in tickets.values() if t["Ticket Status"] == "Closed"]


def test_ticket_counts_and_dates(
    tickets: dict[int, dict[str, str]], closed: list[dict[str, str]]
) -> None:
    assert len(closed) == CAL.closed_tickets
    still_open = [t for t in tickets.values() if t["Ticket Status"] != "Closed"]
    assert 0.10 * len(closed) <= len(still_open) <= 0.25 * len(closed)
    assert {t["Ticket Status"] for t in still_open} == {"Open", "Pending Customer Response"}
    recent = [t for t in still_open if t["Created At"] >= "2021-11-01"]
    assert len(recent) / len(still_open) > 0.6
    created = sorted(t["Created At"] for t in tickets.values())
    assert created[0] >= "2019-01-01" and created[-1] < "2022-02-01"
    assert sorted(tickets) == list(range(1, len(tickets) + 1))
    in_id_order = [tickets[i]["Created At"] for i in sorted(tickets)]
    assert in_id_order == sorted(in_id_order)


def test_state_columns_follow_status(tickets: dict[int, dict[str, str]]) -> None:
    for t in tickets.values():
        status = t["Ticket Status"]
        answered = bool(t["First Response Time"])
        resolved = bool(t["Resolution"]) and bool(t["Time to Resolution"])
        rated = bool(t["Customer Satisfaction Rating"])
        assert answered == (status != "Open"), t["Ticket ID"]
        assert resolved == rated == (status == "Closed"), t["Ticket ID"]


def test_mean_first_response_and_resolution(closed: list[dict[str, str]]) -> None:
    frt = [hours(t["Created At"], t["First Response Time"]) for t in closed]
    ttr = [hours(t["First Response Time"], t["Time to Resolution"]) for t in closed]
    assert within(statistics.fmean(frt), CAL.mean_frt_hours, CAL.duration_tolerance)
    assert within(statistics.fmean(ttr), CAL.mean_ttr_hours, CAL.duration_tolerance)
    assert min(frt) > 0 and min(ttr) > 0
    assert statistics.median(frt) < statistics.fmean(frt)  # skewed, as real handling times
    assert statistics.median(ttr) < statistics.fmean(ttr)


def test_channel_response_times_and_satisfaction(closed: list[dict[str, str]]) -> None:
    by_channel: dict[str, list[dict[str, str]]] = {}
    for t in closed:
        by_channel.setdefault(t["Ticket Channel"], []).append(t)
    assert set(by_channel) == set(CAL.channel_frt_hours)
    for channel, rows in by_channel.items():
        frt = statistics.fmean(hours(t["Created At"], t["First Response Time"]) for t in rows)
        csat = statistics.fmean(float(t["Customer Satisfaction Rating"]) for t in rows)
        assert within(frt, CAL.channel_frt_hours[channel], CAL.duration_tolerance), channel
        assert abs(csat - CAL.channel_csat[channel]) <= CAL.csat_tolerance, channel
    assert abs(len(by_channel["Phone"]) / len(closed) - 0.177) < 0.005


def test_csat_positive_share(closed: list[dict[str, str]]) -> None:
    ratings = Counter(t["Customer Satisfaction Rating"] for t in closed)
    assert set(ratings) == {"1.0", "2.0", "3.0", "4.0", "5.0"}
    positive = (ratings["4.0"] + ratings["5.0"]) / len(closed)
    assert abs(positive - CAL.csat_positive_share) <= CAL.csat_positive_tolerance


def test_top_subjects(closed: list[dict[str, str]]) -> None:
    subjects = Counter(t["Ticket Subject"] for t in closed)
    assert len(subjects) == 16
    top = subjects.most_common(3)
    assert dict(top) == CAL.top_subjects
    third = min(CAL.top_subjects.values())
    assert all(n < third for s, n in subjects.items() if s not in CAL.top_subjects)


def test_durations_are_the_same_in_utc(closed: list[dict[str, str]]) -> None:
    """No timestamp in a missing/repeated clock hour, and no interval across a clock change:
    durations on the naive London values equal durations after conversion to UTC."""

    def utc(text: str) -> datetime:
        local = ts(text).replace(tzinfo=LONDON)
        assert local.utcoffset() == local.replace(fold=1).utcoffset(), text  # not ambiguous
        back = local.astimezone(ZoneInfo("UTC")).astimezone(LONDON).replace(tzinfo=None)
        assert back == ts(text), text  # not in the missing hour
        return local.astimezone(ZoneInfo("UTC"))

    for t in closed:
        created, answered, resolved = (
            utc(t[k]) for k in ("Created At", "First Response Time", "Time to Resolution")
        )
        naive = ts(t["Time to Resolution"]) - ts(t["Created At"])
        assert resolved - created == naive, t["Ticket ID"]
        assert answered - created == ts(t["First Response Time"]) - ts(t["Created At"])
    assert timedelta(0) < naive


def test_no_database_timestamp_in_a_missing_or_repeated_hour(demo1: Sources) -> None:
    change_days = []
    day = datetime(2018, 1, 1)
    while day.year < 2023:
        if (
            day.replace(tzinfo=LONDON).utcoffset()
            != (day + timedelta(hours=3)).replace(tzinfo=LONDON).utcoffset()
        ):
            change_days.append(day.date().isoformat())
        day += timedelta(days=1)
    assert len(change_days) == 10
    columns = {
        "customers": ("created_at", "updated_at"),
        "products": ("created_at", "updated_at"),
        "orders": ("ordered_at", "updated_at"),
        "order_items": ("created_at",),
    }
    for table, cols in columns.items():
        for col in cols:
            bad = demo1.scalar(
                f"SELECT count(*) FROM {table} WHERE substr({col}, 12, 2) = '01' AND "
                f"substr({col}, 1, 10) IN ({', '.join('?' * len(change_days))})",
                tuple(change_days),
            )
            assert bad == 0, (table, col)


def test_ticket_people_and_products_match_the_crm(
    demo1: Sources, tickets: dict[int, dict[str, str]]
) -> None:
    emails = {e for (e,) in demo1.sql("SELECT email FROM customers")}
    products = {p for (p,) in demo1.sql("SELECT product_name FROM products")}
    raw = [t["Customer Email"] for t in tickets.values()]
    normalised = [e.strip().lower() for e in raw]
    unmatched = sum(1 for e in normalised if e not in emails) / len(raw)
    assert abs(unmatched - CAL.unmatched_email_share) < 0.008
    variants = sum(1 for e, n in zip(raw, normalised, strict=True) if e != n and n in emails)
    assert abs(variants / len(raw) - CAL.email_variant_share) < 0.04
    unknown = sum(1 for t in tickets.values() if t["Product Purchased"] not in products)
    assert 0.002 < unknown / len(tickets) < 0.025
    # A matched ticket names its customer, and the purchase is not after the ticket.
    by_email = dict(demo1.sql("SELECT email, full_name FROM customers"))
    for t, e in zip(tickets.values(), normalised, strict=True):
        if e in by_email:
            assert t["Customer Name"] == by_email[e]
        assert t["Date of Purchase"] <= t["Created At"][:10]
