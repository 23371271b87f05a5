"""Orders, order lines and customers, generated chunk by chunk in time order.

For each chunk of days (at most ~50k orders, never spanning a year) the stream:

1. places the orders: times of day, which are first orders of new customers, which end
   cancelled or returned and which spawn a ticket (exact selectors over the plan's counts);
2. fills the baskets: units per order (exactly the chunk's share of the year's units), products
   and a promotion level per line (most lines at list price), then solves one factor ``k``
   scaling the promotions' depth so that the chunk's revenue is exactly its share of the
   year's revenue (prices never exceed the list price);
3. signs customers up (up to 120 days before their first order) and assigns every order to a
   customer: first orders to the customer created for them, repeat orders to an existing
   customer of the income bracket that is furthest below its revenue share;
4. plays each order's status forward (placed -> shipped -> delivered, or cancelled/returned)
   up to the end of the period.

Only the chunk's orders are held in memory; customers are kept as compact arrays.
"""

from __future__ import annotations

import random
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from crm_warehouse.demo import clock
from crm_warehouse.demo._random import Chooser, ExactSelector, rng_for
from crm_warehouse.demo.catalog import BRACKETS, PRODUCTS
from crm_warehouse.demo.people import LOCATION_CHOOSER, Customers
from crm_warehouse.demo.plan import SIGNUP_LEAD_DAYS, Plan

REVENUE, CANCELLED, RETURNED = 0, 1, 2

# Hour-of-day profile of online orders (lunch and evening peaks).
HOUR_WEIGHTS = (
    0.3,
    0.2,
    0.1,
    0.1,
    0.1,
    0.2,
    0.5,
    1.0,
    1.6,
    2.0,
    2.3,
    2.6,
    3.0,
    2.8,
    2.5,
    2.4,
    2.4,
    2.6,
    3.0,
    3.4,
    3.5,
    3.0,
    2.0,
    1.0,
)
HOUR_CHOOSER: Chooser[int] = Chooser(range(24), HOUR_WEIGHTS)
UNITS_CHOOSER: Chooser[int] = Chooser((1, 2, 3, 4, 5), (0.70, 0.20, 0.06, 0.03, 0.01))
# Promotion levels of order lines (most at list price). A chunk's factor ``k`` scales them:
# a line at level d sells at list * (1 - min(MAX_DISCOUNT, d * k)).
DISCOUNT_LEVELS = (0.0, 0.05, 0.10, 0.15, 0.20)
LEVEL_CHOOSER: Chooser[int] = Chooser(range(len(DISCOUNT_LEVELS)), (60, 20, 12, 6, 2))
MAX_DISCOUNT = 0.5
K_LOW, K_HIGH = 0.0, 4.0  # at K_LOW every line is at list price
MAX_ATTEMPTS = 200
MAIN_CHOOSER: Chooser[int] = Chooser(range(len(PRODUCTS)), [p.main_weight for p in PRODUCTS])
ADDON_CHOOSER: Chooser[int] = Chooser(range(len(PRODUCTS)), [p.addon_weight for p in PRODUCTS])
PROFILE_UPDATE_SHARE = 0.2  # customers whose row was updated after sign-up
RECENT_CUSTOMER_SHARE = 0.35  # repeat orders from recently acquired customers


class Order:
    __slots__ = (
        "closed_ticket",
        "customer_id",
        "day",
        "lines",
        "new",
        "open_ticket",
        "order_id",
        "placed",
        "status",
        "status_name",
        "updated",
        "value",
    )

    def __init__(self, order_id: int, day: int, placed: int, new: bool, status: int) -> None:
        self.order_id = order_id
        self.day = day
        self.placed = placed
        self.new = new
        self.status = status
        self.status_name = ""
        self.updated = placed
        self.customer_id = 0
        self.lines: list[list[int]] = []  # [product index, quantity, discount level, pence]
        self.value = 0
        self.closed_ticket = False
        self.open_ticket = ""  # "" | "recent" | "backlog"


@dataclass
class ChunkOutput:
    orders: list[Order]
    customer_rows: list[tuple[Any, ...]]
    order_rows: list[tuple[Any, ...]]
    item_rows: list[tuple[Any, ...]]


@dataclass
class _YearState:
    returned: ExactSelector
    cancelled: ExactSelector
    closed: ExactSelector
    revenue_orders_done: int = 0
    units_done: int = 0
    pence_done: int = 0


@dataclass
class _Controller:
    """Keeps each income bracket's revenue at its target share while orders are assigned."""

    shares: list[float]
    assigned: list[int] = field(default_factory=lambda: [0, 0, 0])

    def pick(self, available: list[bool]) -> int:
        """The bracket furthest below its share. The order's own value is left out on purpose:
        weighing it in would send the big orders to the largest bracket (an AOV artefact)."""
        total = sum(self.assigned)
        best, best_gap = -1, 0.0
        for b, share in enumerate(self.shares):
            gap = share * total - self.assigned[b]
            if available[b] and (best < 0 or gap > best_gap):
                best, best_gap = b, gap
        return best

    def record(self, bracket: int, value: int) -> None:
        self.assigned[bracket] += value


def money(pence: int) -> float:
    return pence / 100


class OrderStream:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        seed = plan.seed
        self.customers = Customers()
        self.pools = [array("I") for _ in BRACKETS]
        self.signups: dict[int, list[int]] = defaultdict(list)  # signup day -> first-order days
        self.waiting: dict[int, list[int]] = defaultdict(list)  # first-order day -> customer ids
        self.select_rng = rng_for(seed, "select")
        self.bracket_queue = self._queue(plan.customers_by_bracket, "brackets")
        self.gender_queue = self._queue(plan.customers_by_gender, "genders")
        cal = plan.calibration
        weights = list(cal.revenue_by_bracket.values())
        self.controller = _Controller([w / sum(weights) for w in weights])
        self.years = {
            y.year: _YearState(
                returned=ExactSelector(y.returned, y.return_eligible, self.select_rng),
                cancelled=ExactSelector(y.cancelled, y.repeat_orders - y.returned, self.select_rng),
                closed=ExactSelector(y.closed_tickets, y.closed_eligible, self.select_rng),
            )
            for y in plan.years.values()
        }
        self.open_recent = ExactSelector(plan.open_recent, plan.recent_orders, self.select_rng)
        self.open_backlog = ExactSelector(plan.open_backlog, plan.backlog_orders, self.select_rng)
        self.next_order_id = 1
        self.next_item_id = 1
        self.chunk_no = 0

    def _queue(self, counts: list[int], name: str) -> array:
        values = [i for i, n in enumerate(counts) for _ in range(n)]
        rng_for(self.plan.seed, name).shuffle(values)
        return array("B", values)

    # ------------------------------------------------------------------------------- chunk
    def run_chunk(self, days: list[int]) -> ChunkOutput:
        self.chunk_no += 1
        orders = self._place(days)
        self._fill_baskets(orders)
        customer_rows = self._assign_customers(days, orders)
        self._play_status(orders)
        return ChunkOutput(orders, customer_rows, *self._rows(orders))

    # --------------------------------------------------------------------------- 1. place
    def _place(self, days: list[int]) -> list[Order]:
        plan = self.plan
        rng = rng_for(plan.seed, "place", self.chunk_no)
        return_cutoff, closed_cutoff = plan.return_cutoff, plan.closed_cutoff
        recent_from, backlog_from = plan.recent_from, plan.backlog_from
        orders: list[Order] = []
        for day in days:
            n = plan.day_orders.get(day, 0)
            if not n:
                continue
            year = self.years[plan.year_of(day)]
            base = day * clock.DAY
            times = sorted(
                clock.safe(base + HOUR_CHOOSER.pick(rng) * clock.HOUR + rng.randrange(clock.HOUR))
                for _ in range(n)
            )
            new = ExactSelector(plan.day_new.get(day, 0), n, rng)
            for placed in times:
                is_new = new.take()
                status = REVENUE
                if not is_new:
                    if day <= return_cutoff and year.returned.take():
                        status = RETURNED
                    elif year.cancelled.take():
                        status = CANCELLED
                order = Order(self.next_order_id, day, placed, is_new, status)
                self.next_order_id += 1
                if day <= closed_cutoff:
                    order.closed_ticket = year.closed.take()
                if day >= recent_from:
                    order.open_ticket = "recent" if self.open_recent.take() else ""
                elif day >= backlog_from:
                    order.open_ticket = "backlog" if self.open_backlog.take() else ""
                orders.append(order)
        return orders

    # -------------------------------------------------------------------------- 2. baskets
    def _fill_baskets(self, orders: list[Order]) -> None:
        if not orders:
            return
        year_plan = self.plan.years[self.plan.year_of(orders[0].day)]
        state = self.years[year_plan.year]
        revenue = [o for o in orders if o.status == REVENUE]
        done = state.revenue_orders_done + len(revenue)
        units_target = _share(year_plan.units, done, year_plan.revenue_orders) - state.units_done
        pence_target = (
            _share(year_plan.revenue_pence, done, year_plan.revenue_orders) - state.pence_done
        )
        # A chunk whose baskets cannot reach its revenue with prices between list and list
        # minus the deepest discount is redrawn (only happens for tiny chunks).
        best: tuple[float, int, float] = (float("inf"), 0, 0.0)  # (miss, attempt, k)
        attempt = 0
        for attempt in range(MAX_ATTEMPTS):
            _draw_baskets(orders, revenue, units_target, self._basket_rng(attempt))
            k, miss = _solve_discount(revenue, pence_target)
            if miss < best[0]:
                best = (miss, attempt, k)
            if miss == 0:
                break
        _, best_attempt, k = best
        if best_attempt != attempt:
            _draw_baskets(orders, revenue, units_target, self._basket_rng(best_attempt))
        _price(orders, k)
        _settle_pence(revenue, pence_target, rng_for(self.plan.seed, "pence", self.chunk_no))
        for order in orders:
            order.value = sum(q * p for _, q, _, p in order.lines)
        state.revenue_orders_done = done
        state.units_done += units_target
        state.pence_done += sum(o.value for o in revenue)

    def _basket_rng(self, attempt: int) -> random.Random:
        return rng_for(self.plan.seed, "basket", self.chunk_no, attempt)

    # ------------------------------------------------------------------------ 3. customers
    def _assign_customers(self, days: list[int], orders: list[Order]) -> list[tuple[Any, ...]]:
        rng = rng_for(self.plan.seed, "assign", self.chunk_no)
        by_day: dict[int, list[Order]] = defaultdict(list)
        for order in orders:
            by_day[order.day].append(order)
        rows: list[tuple[Any, ...]] = []
        for day in days:
            self._schedule_signups(day + SIGNUP_LEAD_DAYS, rng)
            day_orders = by_day.get(day, [])
            rows.extend(self._sign_up(day, [o for o in day_orders if o.new], rng))
            for order in day_orders:
                if not order.new:
                    order.customer_id = self._returning_customer(order, rng)
                elif order.status == REVENUE:
                    self.controller.record(
                        self.customers.bracket[order.customer_id - 1], order.value
                    )
            for order in day_orders:
                if order.new:
                    cid = order.customer_id
                    self.pools[self.customers.bracket[cid - 1]].append(cid)
        return rows

    def _schedule_signups(self, first_order_day: int, rng: random.Random) -> None:
        """Decide when the customers whose first order is on ``first_order_day`` sign up."""
        for _ in range(self.plan.day_new.get(first_order_day, 0)):
            lead = (
                0 if rng.random() < 0.5 else min(SIGNUP_LEAD_DAYS, 1 + int(rng.expovariate(1 / 30)))
            )
            self.signups[first_order_day - lead].append(first_order_day)

    def _sign_up(
        self, day: int, new_orders: list[Order], rng: random.Random
    ) -> list[tuple[Any, ...]]:
        """Create today's sign-ups (ids in created_at order) and hand first orders their ids."""
        first_days = self.signups.pop(day, [])
        same_day = sum(1 for f in first_days if f == day)
        pick = ExactSelector(same_day, len(new_orders), rng)
        same_day_orders = [o for o in new_orders if pick.take()]
        base = day * clock.DAY
        pending: list[tuple[int, int, Order | None]] = []  # (created_at, first day, order)
        for order in same_day_orders:
            created = max(base, order.placed - rng.randint(60, 1800))
            pending.append((clock.safe_earlier(created), day, order))
        for first_day in (f for f in first_days if f != day):
            created = clock.safe(
                base + HOUR_CHOOSER.pick(rng) * clock.HOUR + rng.randrange(clock.HOUR)
            )
            pending.append((created, first_day, None))
        pending.sort(key=lambda item: (item[0], item[2].order_id if item[2] else 0, item[1]))
        rows = []
        for created, first_day, order in pending:
            cid = self._new_customer(rng)
            rows.append(self._customer_row(cid, day, created, rng))
            if order is not None:
                order.customer_id = cid
            else:
                self.waiting[first_day].append(cid)
        earlier = self.waiting.pop(day, [])
        rng.shuffle(earlier)
        for order, cid in zip((o for o in new_orders if not o.customer_id), earlier, strict=True):
            order.customer_id = cid
        return rows

    def _new_customer(self, rng: random.Random) -> int:
        n = len(self.customers)
        return self.customers.add(rng, self.gender_queue[n], self.bracket_queue[n])

    def _customer_row(
        self, cid: int, day: int, created: int, rng: random.Random
    ) -> tuple[Any, ...]:
        c = self.customers
        updated = created
        latest = self.plan.end_ts - clock.HOUR
        if rng.random() < PROFILE_UPDATE_SHARE and created < latest:
            updated = clock.safe(rng.randint(created, latest))
        return (
            cid,
            c.full_name(cid),
            c.email(cid),
            c.age[cid - 1],
            c.gender_name(cid),
            LOCATION_CHOOSER.pick(rng),
            c.bracket_name(cid),
            clock.date_text(day * clock.DAY),
            clock.ts_text(created),
            clock.ts_text(max(created, updated)),
        )

    def _returning_customer(self, order: Order, rng: random.Random) -> int:
        available = [len(pool) > 0 for pool in self.pools]
        if order.status == REVENUE:
            bracket = self.controller.pick(available)
            self.controller.record(bracket, order.value)
        else:
            shares = [
                s if ok else 0.0 for s, ok in zip(self.controller.shares, available, strict=True)
            ]
            bracket = Chooser(range(3), shares).pick(rng)
        pool = self.pools[bracket]
        if rng.random() < RECENT_CUSTOMER_SHARE:
            window = max(20, len(pool) // 20)
            return pool[len(pool) - 1 - rng.randrange(min(window, len(pool)))]
        return pool[rng.randrange(len(pool))]

    # --------------------------------------------------------------------------- 4. status
    def _play_status(self, orders: list[Order]) -> None:
        rng = rng_for(self.plan.seed, "status", self.chunk_no)
        end = self.plan.end_ts
        for o in orders:
            if o.status == CANCELLED:
                o.updated = clock.safe(
                    o.placed + rng.randint(300, max(300, min(36 * clock.HOUR, end - o.placed - 60)))
                )
                o.updated = min(o.updated, end)
                o.status_name = "cancelled"
                continue
            shipped = clock.safe(o.placed + rng.randint(4 * clock.HOUR, 48 * clock.HOUR))
            delivered = clock.safe(shipped + rng.randint(20 * clock.HOUR, 96 * clock.HOUR))
            if o.status == RETURNED:
                latest = min(delivered + 28 * clock.DAY, end - 60)
                o.updated = clock.safe(rng.randint(delivered + clock.DAY, latest))
                o.status_name = "returned"
            elif delivered <= end:
                o.updated, o.status_name = delivered, "delivered"
            elif shipped <= end:
                o.updated, o.status_name = shipped, "shipped"
            else:
                o.updated, o.status_name = o.placed, "placed"

    # ---------------------------------------------------------------------------- 5. rows
    def _rows(self, orders: list[Order]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        order_rows, item_rows = [], []
        for o in orders:
            placed = clock.ts_text(o.placed)
            order_rows.append(
                (
                    o.order_id,
                    o.customer_id,
                    o.status_name,
                    placed,
                    "GBP",
                    placed,
                    clock.ts_text(o.updated),
                )
            )
            for product, quantity, _, pence in o.lines:
                item_rows.append(
                    (
                        self.next_item_id,
                        o.order_id,
                        product + 1,
                        quantity,
                        money(pence),
                        placed,
                        placed,
                    )
                )
                self.next_item_id += 1
        return order_rows, item_rows


def _share(total: int, done: int, population: int) -> int:
    """Cumulative rounding: the part of ``total`` due after ``done`` of ``population`` items."""
    return round(total * done / population) if population else 0


# ------------------------------------------------------------------------------ baskets
def draw_lines(units: int, rng: random.Random) -> list[list[int]]:
    """Products for an order of ``units`` items: a main item, plus add-ons or copies."""
    if units == 1:
        return [[MAIN_CHOOSER.pick(rng), 1, LEVEL_CHOOSER.pick(rng), 0]]
    if rng.random() < 0.25:  # several of one (usually cheap) item
        return [[ADDON_CHOOSER.pick(rng), units, LEVEL_CHOOSER.pick(rng), 0]]
    lines = {MAIN_CHOOSER.pick(rng): 1}
    for _ in range(units - 1):
        addon = ADDON_CHOOSER.pick(rng)
        lines[addon] = lines.get(addon, 0) + 1
    return [[p, q, LEVEL_CHOOSER.pick(rng), 0] for p, q in lines.items()]


def _draw_baskets(
    orders: list[Order], revenue: list[Order], units_target: int, rng: random.Random
) -> None:
    units = {o.order_id: UNITS_CHOOSER.pick(rng) for o in orders}
    _fit_total([o.order_id for o in revenue], units, units_target, rng)
    for o in orders:
        o.lines = draw_lines(units[o.order_id], rng)


def _fit_total(ids: list[int], units: dict[int, int], target: int, rng: random.Random) -> None:
    """Nudge per-order units (between 1 and 5) until they sum exactly to ``target``."""
    if not ids:
        return
    gap = target - sum(units[i] for i in ids)
    step = 1 if gap > 0 else -1
    guard = 0
    while gap and guard < 100 * len(ids) + 1000:
        guard += 1
        i = ids[rng.randrange(len(ids))]
        if 1 <= units[i] + step <= 5:
            units[i] += step
            gap -= step


def _discount(level: int, k: float) -> float:
    return min(MAX_DISCOUNT, DISCOUNT_LEVELS[level] * k)


def _revenue_at(k: float, by_level: list[int]) -> float:
    return sum(amount * (1 - _discount(level, k)) for level, amount in enumerate(by_level))


def _solve_discount(revenue: list[Order], target: int) -> tuple[float, float]:
    """The promotion depth ``k`` giving ``target`` pence, and how far outside the range it is.

    Returns ``miss`` 0 when a ``k`` in [K_LOW, K_HIGH] hits the target exactly (before rounding
    to pence), otherwise the relative shortfall or excess at the nearest end of the range.
    """
    by_level = [0] * len(DISCOUNT_LEVELS)
    for order in revenue:
        for product, quantity, level, _ in order.lines:
            by_level[level] += quantity * PRODUCTS[product].list_pence
    if target <= 0:
        return 0.0, 0.0
    at_list = _revenue_at(K_LOW, by_level)
    if at_list < target:
        return K_LOW, (target - at_list) / target
    deepest = _revenue_at(K_HIGH, by_level)
    if deepest > target:
        return K_HIGH, (deepest - target) / target
    low, high = K_LOW, K_HIGH
    for _ in range(60):
        mid = (low + high) / 2
        if _revenue_at(mid, by_level) > target:
            low = mid
        else:
            high = mid
    return (low + high) / 2, 0.0


def _price(orders: list[Order], k: float) -> None:
    for order in orders:
        for line in order.lines:
            line[3] = max(1, round(PRODUCTS[line[0]].list_pence * (1 - _discount(line[2], k))))


def _settle_pence(revenue: list[Order], target: int, rng: random.Random) -> None:
    """Move discounted single-unit line prices by a penny each until the total is exactly
    ``target`` (rounding to pence leaves a few pence either way)."""
    lines = [line for o in revenue for line in o.lines if line[1] == 1 and line[2] > 0]
    gap = target - sum(q * p for o in revenue for _, q, _, p in o.lines)
    if not lines:
        return
    rng.shuffle(lines)
    step = 1 if gap > 0 else -1
    while gap:
        moved = False
        for line in lines:
            if gap == 0:
                break
            price = line[3] + step
            if 1 <= price <= PRODUCTS[line[0]].list_pence:
                line[3] = price
                gap -= step
                moved = True
        if not moved:
            break
