"""Demo sources generated once per session (scale 1 and 0.1) and read back independently.

Helpers here parse the written SQLite file and CSV files with their own code: they never call
the generator's bookkeeping, so the tests check what a consumer of the sources would see.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from crm_warehouse.demo import DemoSummary, generate

FILE_NAME = re.compile(r"^tickets_(\d{4}-\d{2}-\d{2})(?:_(\d+))?\.csv$")


@dataclass
class Sources:
    folder: Path
    summary: DemoSummary

    @property
    def db_path(self) -> Path:
        return self.folder / "crm.sqlite"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def feed(self) -> Path:
        return self.folder / "feed"

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.db_path) as con:
            return con.execute(query, params).fetchall()

    def scalar(self, query: str, params: tuple = ()):
        return self.sql(query, params)[0][0]


def make_sources(folder: Path, **kwargs) -> Sources:
    folder.mkdir(parents=True, exist_ok=True)
    summary = generate(f"sqlite:///{folder / 'crm.sqlite'}", folder / "feed", **kwargs)
    return Sources(folder, summary)


def feed_files(feed: Path) -> list[Path]:
    """The export files in export order: by day, then part (``_2`` after the plain name)."""
    found = []
    for path in feed.iterdir():
        match = FILE_NAME.match(path.name)
        if match:
            found.append((match[1], int(match[2] or 1), path))
    return [path for *_, path in sorted(found)]


def feed_rows(feed: Path) -> list[dict[str, str]]:
    rows = []
    for path in feed_files(feed):
        with path.open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def latest_tickets(feed: Path) -> dict[int, dict[str, str]]:
    """Each Ticket ID's latest row: its current state."""
    return {int(row["Ticket ID"]): row for row in feed_rows(feed)}


def ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def hours(start: str, end: str) -> float:
    return (ts(end) - ts(start)).total_seconds() / 3600


@pytest.fixture(scope="session")
def demo1(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    """The calibrated demo: seed 42, scale 1."""
    return make_sources(tmp_path_factory.mktemp("demo-scale1"), seed=42, scale=1.0)


@pytest.fixture(scope="session")
def demo_small(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    """A small demo (scale 0.1) for the tests that do not check calibration."""
    return make_sources(tmp_path_factory.mktemp("demo-scale01"), seed=42, scale=0.1)
