"""A table read in primary-key ranges, each one statement that finishes within the server's
``statement_timeout`` (Supabase sets one per role): the first full sync of a table too large to
read in one statement before the timeout still succeeds.

Each range is ``where key > <last key read> order by key limit <rows>``, answered from the
primary key's index, so a range costs about the same wherever it starts. The number of rows
per range adapts: it doubles while a range takes under half the timeout; a range the server
cancels is read again at a quarter of the size, and ranges stay below half of that size from
then on. Only when even ``MIN_ROWS`` rows time out again and again does the read fail, naming
the timeout to raise. Ranges are separate statements, not one snapshot: a row changed meanwhile
is read by the next sync's lookback, a row deleted meanwhile found by its delete detection.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from crm_warehouse.errors import SourceError

FIRST_ROWS = 10_000
MIN_ROWS = 500
ATTEMPTS_AT_MIN_ROWS = 3  # a busy server may time out a small range once or twice

ReadOne = Callable[[str], pa.Table]  # one statement's whole result


def is_statement_timeout(exc: BaseException) -> bool:
    """The server cancelled the statement for running longer than ``statement_timeout``."""
    code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return code == "57014" or "statement timeout" in str(exc).lower()


def timeout_fix(role: str, timeout_ms: int) -> str:
    return (
        f"raise the statement_timeout of role {role} ({timeout_ms} ms now): "
        f"alter role {role} set statement_timeout = '10min' (Supabase sets one per role; "
        "`alter database ... set statement_timeout` if it is set there)"
    )


@dataclass
class KeyRanges:
    query: str
    key: str
    max_rows: int
    timeout_ms: int
    role: str
    table: str
    where: str

    def read(self, read_one: ReadOne) -> Iterator[pa.Table]:
        rows = min(FIRST_ROWS, self.max_rows)
        ceiling, last, timed_out = self.max_rows, None, 0
        while True:
            started = time.perf_counter()
            try:
                page = read_one(self.sql(last, rows))
            except BaseException as exc:  # connectorx reports a cancelled statement by panicking
                if not is_statement_timeout(exc):
                    raise
                if rows == MIN_ROWS:
                    timed_out += 1
                    if timed_out == ATTEMPTS_AT_MIN_ROWS:
                        raise self.too_slow() from None
                ceiling, rows = max(MIN_ROWS, rows // 2), max(MIN_ROWS, rows // 4)
                continue
            timed_out = 0
            if page.num_rows:
                last = pc.max(page.column(self.key)).as_py()
                yield page
            if page.num_rows < rows:
                return
            if (time.perf_counter() - started) * 1000 < self.timeout_ms / 2:
                rows = min(ceiling, rows * 2)

    def sql(self, last: object, rows: int) -> str:
        after = f" where {self.key} > {_literal(last)}" if last is not None else ""
        return f"select * from ({self.query}) as key_range{after} order by {self.key} limit {rows}"

    def too_slow(self) -> SourceError:
        return SourceError(
            f"reading table {self.table} runs into the statement timeout even {MIN_ROWS:,} "
            "rows at a time",
            where=self.where,
            fix=f"{timeout_fix(self.role, self.timeout_ms)}; or index {self.key} of "
            f"{self.table} (ranges are read in its order)",
        )


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"
