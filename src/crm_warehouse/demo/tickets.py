"""Helpdesk tickets: the calibrated plan of Closed tickets, spawning from orders, and rows.

The Closed tickets' channel, subject, CSAT rating, first-response and resolution durations are
drawn up front as exact multisets (``ClosedPlan``): channel counts give the overall mean first
response time, durations are rescaled per channel to hit the mean exactly, CSAT rating counts
are solved per channel for the mean and the positive share, and subject counts are fixed for
the top three. The plan is stored in typed arrays (a few bytes per ticket) and consumed in the
order tickets are spawned by orders, so any scale streams.
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass

from crm_warehouse.demo import clock
from crm_warehouse.demo._random import (
    Chooser,
    apportion,
    rng_for,
    seconds_with_mean,
    skewed_durations,
)
from crm_warehouse.demo.calibration import CHANNELS, Calibration
from crm_warehouse.demo.catalog import (
    DESCRIPTION_BODIES,
    DESCRIPTION_CLOSERS,
    DESCRIPTION_DETAILS,
    DESCRIPTION_OPENERS,
    EMAIL_DOMAINS,
    GENDERS,
    LAST_NAMES,
    LEGACY_PRODUCTS,
    PRODUCTS,
    RESOLUTIONS,
    SUBJECT_TYPES,
    SUBJECTS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    TICKET_TYPES,
)
from crm_warehouse.demo.orders import Order
from crm_warehouse.demo.people import FIRST_NAMES_BY_GENDER, Customers, draw_age, email_part

OPEN, PENDING, CLOSED = 0, 1, 2
FRT_SIGMA, TTR_SIGMA = 0.75, 0.7  # lognormal shapes: medians ~75% / ~78% of the means
FRT_BOUNDS = (120.0, 36 * 3600.0)  # seconds
TTR_BOUNDS = (300.0, 24 * 3600.0)
PRIORITY_CHOOSER: Chooser[str] = Chooser(
    [p for p, _ in TICKET_PRIORITIES], [w for _, w in TICKET_PRIORITIES]
)
USUAL_TYPE = dict(SUBJECT_TYPES)
OPEN_CREATED_WITHIN_DAYS = 21  # Open tickets are created in the last three weeks


@dataclass
class ClosedPlan:
    """Attributes of the Closed tickets in spawn order (parallel typed arrays)."""

    channel: array
    subject: array
    csat: array
    frt: array  # seconds from creation to first response
    ttr: array  # seconds from first response to resolution
    cursor: int = 0

    def __len__(self) -> int:
        return len(self.channel)

    def next(self) -> tuple[int, int, int, int, int]:
        i = self.cursor
        self.cursor += 1
        return self.channel[i], self.subject[i], self.csat[i], self.frt[i], self.ttr[i]


def subject_counts(n: int, cal: Calibration, scale: float, rng: random.Random) -> list[int]:
    """Exact top-three counts; the other 13 subjects share the rest, each below the third."""
    top = {s: max(0, min(n, round(c * scale))) for s, c in cal.top_subjects.items()}
    others = [s for s in SUBJECTS if s not in top]
    rest = max(0, n - sum(top.values()))
    ceiling = min(top.values()) - 1
    counts = apportion(rest, [rng.uniform(0.85, 1.12) for _ in others])
    for _ in range(len(others)):  # move the excess of any subject at the ceiling elsewhere
        excess = sum(max(0, c - ceiling) for c in counts)
        if not excess or ceiling <= 0:
            break
        counts = [min(c, ceiling) for c in counts]
        room = [ceiling - c for c in counts]
        extra = apportion(min(excess, sum(room)), room)
        counts = [c + e for c, e in zip(counts, extra, strict=True)]
    short = rest - sum(counts)  # only at tiny scales can the ceiling not hold
    if short > 0:
        counts = [c + e for c, e in zip(counts, apportion(short, [1.0] * len(others)), strict=True)]
    by_subject = dict(zip(others, counts, strict=True)) | top
    return [by_subject[s] for s in SUBJECTS]


def csat_counts(n: int, rating_sum: int, positive: int) -> list[int]:
    """Counts of ratings 1..5: ``n`` ratings summing to ``rating_sum``, ``positive`` of them 4-5.

    Among the solutions, the flattest (closest to the near-uniform spread of the public data).
    """
    low_n = n - positive
    best: tuple[float, list[int]] | None = None
    middle = positive // 2
    for c5 in range(max(0, middle - 2000), min(positive, middle + 2000) + 1):
        c4 = positive - c5
        diff = rating_sum - 4 * c4 - 5 * c5 - 2 * low_n  # = c3 - c1
        for c2 in range(max(0, low_n // 3 - 3), low_n // 3 + 4):
            twice_c1 = low_n - c2 - diff
            if twice_c1 < 0 or twice_c1 % 2:
                continue
            c1 = twice_c1 // 2
            c3 = c1 + diff
            if c3 < 0 or c1 + c2 + c3 != low_n:
                continue
            counts = [c1, c2, c3, c4, c5]
            spread = sum((c - n / 5) ** 2 for c in counts)
            if best is None or spread < best[0]:
                best = (spread, counts)
    if best is None:
        raise ValueError(f"no CSAT split for n={n}, sum={rating_sum}, positive={positive}")
    return best[1]


def build_closed_plan(cal: Calibration, n: int, scale: float, seed: int) -> ClosedPlan:
    rng = rng_for(seed, "closed-plan")
    shares = cal.channel_shares()
    per_channel = dict(zip(CHANNELS, apportion(n, [shares[c] for c in CHANNELS]), strict=True))
    positives = apportion(
        round(cal.csat_positive_share * n), [per_channel[c] * cal.channel_csat[c] for c in CHANNELS]
    )
    frt_by_channel: dict[str, list[int]] = {}
    csat_by_channel: dict[str, list[int]] = {}
    for channel, positive in zip(CHANNELS, positives, strict=True):
        count = per_channel[channel]
        mean = cal.channel_frt_hours[channel] * 3600
        frt = seconds_with_mean(
            skewed_durations(
                rng, count, mean, sigma=FRT_SIGMA, low=FRT_BOUNDS[0], high=FRT_BOUNDS[1]
            ),
            mean,
            rng,
            minimum=int(FRT_BOUNDS[0]),
        )
        frt_by_channel[channel] = frt
        csat_by_channel[channel] = _ratings_for(
            frt, csat_counts(count, round(cal.channel_csat[channel] * count), positive), rng
        )
    channels = [c for c in CHANNELS for _ in range(per_channel[c])]
    rng.shuffle(channels)
    subjects = [i for i, k in enumerate(subject_counts(n, cal, scale, rng)) for _ in range(k)]
    rng.shuffle(subjects)
    ttr_mean = cal.mean_ttr_hours * 3600
    ttr = seconds_with_mean(
        skewed_durations(rng, n, ttr_mean, sigma=TTR_SIGMA, low=TTR_BOUNDS[0], high=TTR_BOUNDS[1]),
        ttr_mean,
        rng,
        minimum=int(TTR_BOUNDS[0]),
    )
    cursors = dict.fromkeys(CHANNELS, 0)
    frt_seq, csat_seq = array("I"), array("B")
    for channel in channels:
        i = cursors[channel]
        cursors[channel] += 1
        frt_seq.append(frt_by_channel[channel][i])
        csat_seq.append(csat_by_channel[channel][i])
    return ClosedPlan(
        channel=array("B", (CHANNELS.index(c) for c in channels)),
        subject=array("B", subjects),
        csat=csat_seq,
        frt=frt_seq,
        ttr=array("I", ttr),
    )


def _ratings_for(frt: list[int], counts: list[int], rng: random.Random) -> list[int]:
    """Hand out the ratings so that slower first responses tend to get lower ratings."""
    ratings = sorted(
        (r for r, k in zip(range(1, 6), counts, strict=True) for _ in range(k)), reverse=True
    )
    keys = [math.log(f) + rng.gauss(0.0, 1.5) for f in frt]
    out = [0] * len(frt)
    for rank, i in enumerate(sorted(range(len(frt)), key=keys.__getitem__)):
        out[i] = ratings[rank]
    return out


class Ticket:
    __slots__ = (
        "channel",
        "created",
        "csat",
        "customer_id",
        "email_style",
        "first_response",
        "guest",
        "priority",
        "product",
        "purchased",
        "resolved",
        "seq",
        "status",
        "subject",
        "ticket_id",
        "type",
    )

    def __init__(self) -> None:
        self.ticket_id = 0
        self.seq = 0
        self.created = 0
        self.first_response: int | None = None
        self.resolved: int | None = None
        self.status = OPEN
        self.channel = 0
        self.subject = 0
        self.type = ""
        self.priority = ""
        self.csat = 0
        self.customer_id = 0
        self.guest: tuple[str, str, int, str] | None = None  # name, email, age, gender
        self.email_style = 0
        self.product = ""
        self.purchased = ""

    def events(self) -> list[tuple[int, int]]:
        """(timestamp, status) of each change of state, oldest first."""
        out = [(self.created, OPEN)]
        if self.first_response is not None:
            out.append((self.first_response, PENDING))
        if self.resolved is not None:
            out.append((self.resolved, CLOSED))
        return out


class TicketSpawner:
    """Turns the orders flagged in ``OrderStream`` into tickets."""

    def __init__(self, plan_end_ts: int, closed: ClosedPlan, cal: Calibration, seed: int) -> None:
        self.end = plan_end_ts
        self.closed = closed
        self.cal = cal
        self.seed = seed
        self.seq = 0
        shares = cal.channel_shares()
        self.channel_chooser: Chooser[int] = Chooser(
            range(len(CHANNELS)), [shares[c] for c in CHANNELS]
        )
        self.subject_chooser: Chooser[int] = Chooser(
            range(len(SUBJECTS)), [6.0 if s in cal.top_subjects else 5.0 for s in SUBJECTS]
        )

    def spawn(self, orders: list[Order], chunk_no: int) -> list[Ticket]:
        rng = rng_for(self.seed, "tickets", chunk_no)
        tickets = []
        for order in orders:
            if order.closed_ticket:
                tickets.append(self._closed(order, rng))
            if order.open_ticket:
                tickets.append(self._open(order, rng))
        return tickets

    def _base(self, order: Order, rng: random.Random) -> Ticket:
        t = Ticket()
        self.seq += 1
        t.seq = self.seq
        t.customer_id = order.customer_id
        if rng.random() < self.cal.unmatched_email_share:
            t.guest = guest(rng)
        if rng.random() < self.cal.email_variant_share:
            t.email_style = rng.randint(1, 5)
        product = order.lines[rng.randrange(len(order.lines))][0]
        if rng.random() < self.cal.unknown_product_share:
            t.product = LEGACY_PRODUCTS[rng.randrange(len(LEGACY_PRODUCTS))]
        else:
            t.product = PRODUCTS[product].name
        t.purchased = clock.date_text(order.placed)
        t.priority = PRIORITY_CHOOSER.pick(rng)
        return t

    def _finish(self, t: Ticket, subject: int, rng: random.Random) -> None:
        t.subject = subject
        usual = USUAL_TYPE[SUBJECTS[subject]]
        t.type = usual if rng.random() < 0.6 else TICKET_TYPES[rng.randrange(len(TICKET_TYPES))]

    def _closed(self, order: Order, rng: random.Random) -> Ticket:
        t = self._base(order, rng)
        t.channel, subject, t.csat, frt, ttr = self.closed.next()
        self._finish(t, subject, rng)
        t.status = CLOSED
        delay = min(rng.lognormvariate(math.log(3 * clock.DAY), 1.0), 45 * clock.DAY)
        room = self.end - 60 - order.placed - frt - ttr
        created = clock.safe(order.placed + max(60, min(int(delay), room)))
        while clock.crosses_clock_change(created, created + frt + ttr):
            created += frt + ttr + 2 * clock.HOUR
        t.created, t.first_response, t.resolved = created, created + frt, created + frt + ttr
        return t

    def _open(self, order: Order, rng: random.Random) -> Ticket:
        t = self._base(order, rng)
        t.channel = self.channel_chooser.pick(rng)
        self._finish(t, self.subject_chooser.pick(rng), rng)
        if order.open_ticket == "recent" and rng.random() < 0.5:
            t.status = OPEN
            low = max(order.placed + 600, self.end - OPEN_CREATED_WITHIN_DAYS * clock.DAY)
            t.created = clock.safe(rng.randint(min(low, self.end - 60), self.end - 60))
            return t
        t.status = PENDING
        mean = self.cal.channel_frt_hours[CHANNELS[t.channel]] * clock.HOUR
        frt = int(
            min(
                FRT_BOUNDS[1],
                max(
                    FRT_BOUNDS[0], rng.lognormvariate(math.log(mean) - FRT_SIGMA**2 / 2, FRT_SIGMA)
                ),
            )
        )
        delay = min(rng.lognormvariate(math.log(3 * clock.DAY), 1.0), 45 * clock.DAY)
        room = self.end - 60 - order.placed - frt
        created = clock.safe(order.placed + max(60, min(int(delay), room)))
        while clock.crosses_clock_change(created, created + frt):
            created += frt + 2 * clock.HOUR
        t.created, t.first_response = created, min(created + frt, self.end)
        return t


def guest(rng: random.Random) -> tuple[str, str, int, str]:
    """Someone who is not a CRM customer: their email has no customer-id digits, so it can never
    match a customer's email."""
    gender = rng.choices(range(3), weights=(48, 48, 4))[0]
    first = FIRST_NAMES_BY_GENDER[gender][rng.randrange(len(FIRST_NAMES_BY_GENDER[gender]))]
    last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
    email = (
        f"{email_part(first)}{rng.choice(('.', '_', ''))}{email_part(last)}@"
        f"{EMAIL_DOMAINS[rng.randrange(len(EMAIL_DOMAINS))]}"
    )
    return f"{first} {last}", email, draw_age(rng), GENDERS[gender]


def styled_email(email: str, style: int) -> str:
    """The helpdesk's copy of an email: same after trim + lowercase, but not byte-equal."""
    if style == 1:
        local, _, domain = email.partition("@")
        return ".".join(p.capitalize() for p in local.split(".")) + "@" + domain
    if style == 2:
        return email.upper()
    if style == 3:
        return " " + email
    if style == 4:
        return email + " "
    if style == 5:
        return "  " + email.capitalize() + " "
    return email


def describe(
    subject: str, product: str, purchased: str, first: str, name: str, rng: random.Random
) -> str:
    """A multi-line description with commas and quotes, as a customer would type it."""
    body = rng.choice(DESCRIPTION_BODIES[subject]).format(product=product)
    details = rng.sample(DESCRIPTION_DETAILS, k=rng.randint(1, 2))
    detail = " ".join(d.format(purchased=purchased) for d in details)
    closer = rng.choice(DESCRIPTION_CLOSERS).format(first=first, name=name)
    return f"{rng.choice(DESCRIPTION_OPENERS)}\n{body}\n{detail}\n\n{closer}"


def resolution(subject: str, rng: random.Random) -> str:
    return rng.choice(RESOLUTIONS.get(subject, RESOLUTIONS["default"]))


def ticket_fields(t: Ticket, customers: Customers, seed: int) -> dict[str, str]:
    """The state-independent columns of a ticket's rows."""
    if t.guest is not None:
        name, email, age, gender = t.guest
    else:
        name = customers.full_name(t.customer_id)
        email = customers.email(t.customer_id)
        age, gender = customers.age[t.customer_id - 1], customers.gender_name(t.customer_id)
    subject = SUBJECTS[t.subject]
    rng = rng_for(seed, "text", t.seq)
    return {
        "Ticket ID": str(t.ticket_id),
        "Customer Name": name,
        "Customer Email": styled_email(email, t.email_style),
        "Customer Age": str(age),
        "Customer Gender": gender,
        "Product Purchased": t.product,
        "Date of Purchase": t.purchased,
        "Ticket Type": t.type,
        "Ticket Subject": subject,
        "Ticket Description": describe(subject, t.product, t.purchased, name.split()[0], name, rng),
        "Ticket Priority": t.priority,
        "Ticket Channel": CHANNELS[t.channel],
        "Created At": clock.ts_text(t.created),
        "_resolution": resolution(subject, rng),
        "_frt": clock.ts_text(t.first_response) if t.first_response is not None else "",
        "_ttr": clock.ts_text(t.resolved) if t.resolved is not None else "",
        "_csat": f"{t.csat}.0" if t.csat else "",
    }


def row_for_state(fields: dict[str, str], state: int) -> dict[str, str]:
    """A ticket's row as the helpdesk exports it while in ``state``."""
    row = {k: v for k, v in fields.items() if not k.startswith("_")}
    row["Ticket Status"] = TICKET_STATUSES[state]
    row["First Response Time"] = fields["_frt"] if state >= PENDING else ""
    row["Resolution"] = fields["_resolution"] if state == CLOSED else ""
    row["Time to Resolution"] = fields["_ttr"] if state == CLOSED else ""
    row["Customer Satisfaction Rating"] = fields["_csat"] if state == CLOSED else ""
    return row
