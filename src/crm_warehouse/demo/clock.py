"""Naive Europe/London wall-clock time as integer seconds, and its text form.

The sources store naive local timestamps. Internally the generator counts wall-clock seconds
since 1970-01-01 00:00:00 (no time zone), which is fast to add to and to format.

Two hours a year are awkward on a London wall clock: 01:00-01:59 on the last Sunday of March
does not exist, and on the last Sunday of October it happens twice. The generator never writes
a timestamp inside those hours (``safe``) and never lets a ticket's measured interval cross a
change of clocks (``crosses_clock_change``), so that durations computed on the naive values
equal the durations computed after conversion to UTC.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

DAY = 86_400
HOUR = 3_600
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def day_index(day: date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


def day_start(day: date) -> int:
    return day_index(day) * DAY


def to_date(ts: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + ts // DAY)


# Days (as day indexes) on which London changes clocks at 01:00 GMT (EU rule since 1996).
CLOCK_CHANGE_DAYS: frozenset[int] = frozenset(
    day_index(_last_sunday(year, month)) for year in range(1996, 2100) for month in (3, 10)
)


def safe(ts: int) -> int:
    """Move a timestamp out of the missing/repeated 01:00-01:59 hour of a clock-change day."""
    day, second = divmod(ts, DAY)
    if day in CLOCK_CHANGE_DAYS and HOUR <= second < 2 * HOUR:
        return ts + HOUR
    return ts


def safe_earlier(ts: int) -> int:
    """Like ``safe`` but moves back (to 00:59:59): for times that must stay before another."""
    day, second = divmod(ts, DAY)
    if day in CLOCK_CHANGE_DAYS and HOUR <= second < 2 * HOUR:
        return day * DAY + HOUR - 1
    return ts


def crosses_clock_change(start: int, end: int) -> bool:
    """True if [start, end] touches the 01:00-02:00 hour of a clock-change day."""
    for day in range(start // DAY, end // DAY + 1):
        if day in CLOCK_CHANGE_DAYS and start < day * DAY + 2 * HOUR and end >= day * DAY + HOUR:
            return True
    return False


@lru_cache(maxsize=8192)
def _day_text(day: int) -> str:
    return date.fromordinal(_EPOCH_ORDINAL + day).isoformat()


def date_text(ts: int) -> str:
    return _day_text(ts // DAY)


def ts_text(ts: int) -> str:
    """'YYYY-MM-DD HH:MM:SS'."""
    day, second = divmod(ts, DAY)
    hour, second = divmod(second, HOUR)
    minute, second = divmod(second, 60)
    return f"{_day_text(day)} {hour:02d}:{minute:02d}:{second:02d}"


def parse_ts(text: str) -> int:
    """Inverse of ``ts_text``; also accepts a bare date or a ``T`` separator."""
    text = str(text).strip()
    day = day_start(date.fromisoformat(text[:10]))
    if len(text) <= 10:
        return day
    hour, minute, second = text[11:19].split(":")
    return day + int(hour) * HOUR + int(minute) * 60 + int(float(second))
