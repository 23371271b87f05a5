"""The helpdesk feed folder: daily CSV exports ``tickets_YYYY-MM-DD[_N].csv``.

Each row is a ticket's full state at export time. A ticket that changes state on a later day is
exported again, with the same Ticket ID, in that day's file; the latest row (by file date, file
part, then position in the file) is the ticket's current state.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from crm_warehouse.demo import clock
from crm_warehouse.demo._random import rng_for
from crm_warehouse.demo.catalog import TICKET_COLUMNS
from crm_warehouse.demo.people import Customers
from crm_warehouse.demo.tickets import Ticket, row_for_state, ticket_fields

FILE_PATTERN = re.compile(r"^tickets_(\d{4}-\d{2}-\d{2})(?:_(\d+))?\.csv$")
SPLIT_SHARE = 0.06  # days whose export comes as two files


def file_name(day: date, part: int = 1) -> str:
    suffix = "" if part == 1 else f"_{part}"
    return f"tickets_{day.isoformat()}{suffix}.csv"


def feed_files(feed_dir: Path) -> list[tuple[date, int, Path]]:
    """The feed's files in export order: (day, part, path)."""
    if not feed_dir.is_dir():
        return []
    found = []
    for path in feed_dir.iterdir():
        match = FILE_PATTERN.match(path.name)
        if match:
            found.append((date.fromisoformat(match[1]), int(match[2] or 1), path))
    return sorted(found)


def write_file(path: Path, rows: list[dict[str, str]]) -> None:
    """Write atomically: readers never see a half-written export."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TICKET_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    partial.replace(path)


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def split_day(
    rows: list[tuple[int, dict[str, str]]], day: int, seed: int
) -> list[list[dict[str, str]]]:
    """Usually one file a day; on a few days the export runs twice (morning and evening)."""
    rng = rng_for(seed, "feed-split", day)
    if len(rows) >= 2 and rng.random() < SPLIT_SHARE:
        cut = day * clock.DAY + rng.randint(11 * clock.HOUR, 17 * clock.HOUR)
        first = [row for ts, row in rows if ts < cut]
        second = [row for ts, row in rows if ts >= cut]
        if first and second:
            return [first, second]
    return [[row for _, row in rows]]


class FeedWriter:
    """Buffers generated tickets, numbers them in creation order and writes each day's files.

    Ticket IDs follow ``Created At``. A ticket gets one row per day on which its state changed
    (its state at the end of that day), in that day's file.
    """

    def __init__(self, feed_dir: Path, customers: Customers, seed: int) -> None:
        self.feed_dir = feed_dir
        self.customers = customers
        self.seed = seed
        self.next_id = 1
        self.by_created: dict[int, list[Ticket]] = defaultdict(list)
        self.by_day: dict[int, list[tuple[int, int, int, Ticket]]] = defaultdict(list)
        self.files: dict[str, int] = {}
        self.tickets = 0

    def add(self, tickets: list[Ticket]) -> None:
        for t in tickets:
            self.by_created[t.created // clock.DAY].append(t)

    def flush_through(self, day: int) -> None:
        """Write every file of days up to ``day``: no later order can add to them."""
        for created_day in sorted(d for d in self.by_created if d <= day):
            for t in sorted(self.by_created.pop(created_day), key=lambda t: (t.created, t.seq)):
                t.ticket_id = self.next_id
                self.next_id += 1
                self.tickets += 1
                last_of_day: dict[int, tuple[int, int]] = {}
                for ts, state in t.events():
                    last_of_day[ts // clock.DAY] = (ts, state)
                for event_day, (ts, state) in last_of_day.items():
                    self.by_day[event_day].append((ts, t.ticket_id, state, t))
        for file_day in sorted(d for d in self.by_day if d <= day):
            self._write_day(file_day, self.by_day.pop(file_day))

    def close(self) -> None:
        self.flush_through(max([*self.by_created, *self.by_day], default=0))

    def _write_day(self, day: int, entries: list[tuple[int, int, int, Ticket]]) -> None:
        entries.sort(key=lambda e: (e[0], e[1]))
        rows = [
            (ts, row_for_state(ticket_fields(t, self.customers, self.seed), state))
            for ts, _, state, t in entries
        ]
        for part, part_rows in enumerate(split_day(rows, day, self.seed), start=1):
            name = file_name(clock.to_date(day * clock.DAY), part)
            write_file(self.feed_dir / name, part_rows)
            self.files[name] = len(part_rows)


@dataclass
class FeedState:
    """What ``advance`` needs to know about the feed."""

    last_day: date | None = None
    max_ticket_id: int = 0
    rows: int = 0
    open: dict[int, dict[str, str]] = field(default_factory=dict)  # latest rows, not Closed


def read_feed_state(feed_dir: Path) -> FeedState:
    """Replay the feed in export order, keeping only tickets whose latest row is not Closed."""
    state = FeedState()
    for day, _, path in feed_files(feed_dir):
        state.last_day = day
        for row in read_rows(path):
            state.rows += 1
            ticket_id = int(row["Ticket ID"])
            state.max_ticket_id = max(state.max_ticket_id, ticket_id)
            if row["Ticket Status"] == "Closed":
                state.open.pop(ticket_id, None)
            else:
                state.open[ticket_id] = row
    return state
