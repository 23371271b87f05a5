"""What a demo run wrote."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

Progress = Callable[[str, int, int], None]


@dataclass
class DemoSummary:
    """Counts of what ``generate`` or ``advance`` wrote.

    ``inserted`` and ``updated`` are rows per CRM table; ``files`` maps each helpdesk CSV file
    written to its number of rows; ``tickets`` counts distinct new Ticket IDs.
    """

    first_day: date
    last_day: date
    seed: int
    scale: float | None = None  # generate only
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    tickets: int = 0
    seconds: float = 0.0

    @property
    def ticket_rows(self) -> int:
        return sum(self.files.values())

    def __str__(self) -> str:
        tables = ", ".join(f"{n:,} {t}" for t, n in self.inserted.items())
        text = f"{self.first_day} to {self.last_day}: {tables}"
        if any(self.updated.values()):
            changed = ", ".join(f"{n:,} {t}" for t, n in self.updated.items() if n)
            text += f"; updated {changed}"
        text += (
            f"; {self.ticket_rows:,} ticket rows ({self.tickets:,} new tickets) "
            f"in {len(self.files):,} files"
        )
        return text
