"""The generation plan: exact per-year and per-day counts, decided before any row is drawn.

Every calibrated count (orders, cancellations, units, revenue, new customers, Closed tickets) is
fixed here as an integer; the streaming generator then only has to meet these integers, chunk
by chunk, which keeps the calibration exact without holding the data in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from crm_warehouse.demo import clock
from crm_warehouse.demo._random import apportion, apportion_capped, rng_for
from crm_warehouse.demo.calibration import CALIBRATION, Calibration

SIGNUP_LEAD_DAYS = 120  # a customer signs up at most this many days before the first order
RETURN_CUTOFF_DAYS = 10  # no return is generated for orders placed in the last 10 days
CLOSED_CUTOFF_DAYS = 3  # Closed tickets come from orders at least 3 days before the end
OPEN_RECENT_DAYS = 75  # most Open/Pending tickets come from orders in the last 75 days
OPEN_RECENT_SHARE = 0.85
OPEN_BACKLOG_FROM = date(2021, 1, 1)  # the rest: an older Pending backlog from 2021 on
CHUNK_ORDERS = 50_000  # orders generated (and held in memory) at a time

_MONTH_FACTOR = (0.85, 0.80, 0.90, 0.92, 0.95, 0.95, 1.0, 1.0, 0.97, 1.05, 1.40, 1.50)
_WEEKDAY_FACTOR = (1.0, 0.95, 0.95, 1.0, 1.1, 1.2, 1.05)


@dataclass
class YearPlan:
    year: int
    orders: int
    revenue_orders: int
    cancelled: int
    returned: int
    revenue_pence: int
    units: int
    closed_tickets: int = 0
    # Populations the exact selectors draw from (filled from the daily plan).
    repeat_orders: int = 0
    return_eligible: int = 0
    closed_eligible: int = 0


@dataclass
class Plan:
    seed: int
    scale: float
    start: date
    end: date
    first_day: int  # day index of the first processed day (signups start before the period)
    day_orders: dict[int, int]
    day_new: dict[int, int]
    years: dict[int, YearPlan]
    customers_by_bracket: list[int]
    customers_by_gender: list[int]
    closed_tickets: int
    open_recent: int
    open_backlog: int
    recent_orders: int = 0
    backlog_orders: int = 0
    calibration: Calibration = field(default=CALIBRATION)

    @property
    def start_day(self) -> int:
        return clock.day_index(self.start)

    @property
    def end_day(self) -> int:
        return clock.day_index(self.end)

    @property
    def end_ts(self) -> int:
        """The last second of the period."""
        return (self.end_day + 1) * clock.DAY - 1

    @property
    def return_cutoff(self) -> int:
        return self.end_day - RETURN_CUTOFF_DAYS

    @property
    def closed_cutoff(self) -> int:
        return self.end_day - CLOSED_CUTOFF_DAYS

    @property
    def recent_from(self) -> int:
        return self.end_day - OPEN_RECENT_DAYS + 1

    @property
    def backlog_from(self) -> int:
        return clock.day_index(OPEN_BACKLOG_FROM)

    @property
    def customers(self) -> int:
        return sum(self.customers_by_bracket)

    @property
    def total_orders(self) -> int:
        return sum(y.orders for y in self.years.values())

    def year_of(self, day: int) -> int:
        return clock.to_date(day * clock.DAY).year

    def chunks(self) -> list[list[int]]:
        """Consecutive days, never spanning a year, about ``CHUNK_ORDERS`` orders each."""
        chunks: list[list[int]] = [list(range(self.first_day, self.start_day))]
        current: list[int] = []
        count = 0
        year = self.start.year
        for day in range(self.start_day, self.end_day + 1):
            day_year = self.year_of(day)
            if current and (day_year != year or count >= CHUNK_ORDERS):
                chunks.append(current)
                current, count = [], 0
            year = day_year
            current.append(day)
            count += self.day_orders.get(day, 0)
        chunks.append(current)
        return [c for c in chunks if c]


def _scaled(value: float, scale: float) -> int:
    return max(1, round(value * scale))


def _day_weights(days: list[int], year: int, seed: int) -> list[float]:
    rng = rng_for(seed, "day-weights", year)
    weights = []
    for day in days:
        d = clock.to_date(day * clock.DAY)
        factor = _MONTH_FACTOR[d.month - 1] * _WEEKDAY_FACTOR[d.weekday()]
        if d.year == 2020 and d.month >= 4:  # the lockdown boom in home electronics
            factor *= 1.25
        weights.append(factor * rng.lognormvariate(0.0, 0.25))
    return weights


def _year_targets(cal: Calibration, scale: float) -> dict[int, YearPlan]:
    non_revenue = cal.cancelled_share + cal.returned_share
    units = apportion(
        _scaled(cal.units, scale), [_scaled(n, scale) for n in cal.revenue_orders_by_year.values()]
    )
    years = {}
    for (year, revenue), n_units in zip(cal.revenue_by_year.items(), units, strict=True):
        revenue_orders = _scaled(cal.revenue_orders_by_year[year], scale)
        cancelled = round(revenue_orders * cal.cancelled_share / (1 - non_revenue))
        returned = round(revenue_orders * cal.returned_share / (1 - non_revenue))
        years[year] = YearPlan(
            year=year,
            orders=revenue_orders + cancelled + returned,
            revenue_orders=revenue_orders,
            cancelled=cancelled,
            returned=returned,
            revenue_pence=round(revenue * 100 * scale),
            units=n_units,
        )
    return years


def _new_customer_weight(days_since_start: int) -> float:
    """Early on most orders come from new customers; later returning customers dominate."""
    return 0.35 + 2.0 * math.exp(-days_since_start / 45)


def build_plan(seed: int, scale: float, cal: Calibration = CALIBRATION) -> Plan:
    years = _year_targets(cal, scale)
    start_day, end_day = clock.day_index(cal.period_start), clock.day_index(cal.period_end)
    day_orders: dict[int, int] = {}
    for year, target in years.items():
        days = [
            d for d in range(start_day, end_day + 1) if clock.to_date(d * clock.DAY).year == year
        ]
        day_orders.update(
            zip(days, apportion(target.orders, _day_weights(days, year, seed)), strict=True)
        )

    brackets = apportion(_scaled(cal.customers, scale), list(cal.customers_by_bracket.values()))
    genders = apportion(sum(brackets), list(cal.gender_shares.values()))
    day_new = _new_customers_per_day(sum(brackets), day_orders, start_day)

    plan = Plan(
        seed=seed,
        scale=scale,
        start=cal.period_start,
        end=cal.period_end,
        first_day=start_day - SIGNUP_LEAD_DAYS,
        day_orders=day_orders,
        day_new=day_new,
        years=years,
        customers_by_bracket=brackets,
        customers_by_gender=genders,
        closed_tickets=_scaled(cal.closed_tickets, scale),
        open_recent=0,
        open_backlog=0,
        calibration=cal,
    )
    _fill_populations(plan)
    open_total = round(plan.closed_tickets * cal.open_pending_share)
    plan.open_recent = round(open_total * OPEN_RECENT_SHARE)
    plan.open_backlog = open_total - plan.open_recent
    return plan


def _new_customers_per_day(
    customers: int, day_orders: dict[int, int], start_day: int
) -> dict[int, int]:
    days = sorted(day_orders)
    first = next((d for d in days if day_orders[d] > 0), None)
    if first is None:
        return {}
    forced = min(day_orders[first], customers)  # the very first orders: nobody to return yet
    rest = [d for d in days if d != first]
    weights = [day_orders[d] * _new_customer_weight(d - start_day) for d in rest]
    counts = apportion_capped(customers - forced, weights, [day_orders[d] for d in rest])
    day_new = dict(zip(rest, counts, strict=True))
    day_new[first] = forced
    return day_new


def _fill_populations(plan: Plan) -> None:
    """Count the orders each exact selector will see, and clip targets that cannot fit."""
    closed_eligible: dict[int, int] = {}
    for day, n in plan.day_orders.items():
        year = plan.years[plan.year_of(day)]
        repeat = n - plan.day_new.get(day, 0)
        year.repeat_orders += repeat
        if day <= plan.return_cutoff:
            year.return_eligible += repeat
        if day <= plan.closed_cutoff:
            year.closed_eligible += n
        if day >= plan.recent_from:
            plan.recent_orders += n
        elif day >= plan.backlog_from:
            plan.backlog_orders += n
        closed_eligible[year.year] = year.closed_eligible
    for year in plan.years.values():
        year.returned = min(year.returned, year.return_eligible)
        year.cancelled = min(year.cancelled, year.repeat_orders - year.returned)
        year.revenue_orders = year.orders - year.cancelled - year.returned
    counts = apportion(plan.closed_tickets, [closed_eligible.get(y, 0) for y in plan.years])
    for year, count in zip(plan.years.values(), counts, strict=True):
        year.closed_tickets = min(count, year.closed_eligible)
