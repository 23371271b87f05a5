"""The lookback window of row versions, batch by batch: what a sync skips and what it saves."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from crm_warehouse.sources.crm_database import CURSOR_FORMAT, _VersionWindow

T0 = dt.datetime(2021, 1, 1, 12)
LOOKBACK = dt.timedelta(hours=2)


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def version(key: int, hours: float) -> str:
    return f"{key}|{at(hours).strftime(CURSOR_FORMAT)}"


def rows(*pairs: tuple[int, float]) -> pa.Table:
    return pa.table(
        {
            "id": pa.array([k for k, _ in pairs], pa.int64()),
            "updated_at": pa.array([at(h) for _, h in pairs], pa.timestamp("us")),
        }
    )


def test_versions_already_loaded_are_skipped_and_the_window_follows_the_newest_cursor():
    state = {"cursor": at(1).strftime(CURSOR_FORMAT), "window": [version(1, 0.5), version(2, 0)]}
    window = _VersionWindow.from_state(state, LOOKBACK)

    first = rows((1, 0.5), (3, 2), (4, -1))  # key 1 at 0.5 h was loaded by the last sync
    fresh = window.drop_seen(first, "id", "updated_at")
    assert fresh.column("id").to_pylist() == [3, 4]
    window.remember(fresh, "id", "updated_at")
    window.remember(rows((5, 4), (6, 1.5)), "id", "updated_at")  # a later batch moves the window
    window.remember(rows((7, 1.9)), "id", "updated_at")  # older than 4 h - 2 h: outside

    window.save(state)
    assert state["cursor"] == at(4).strftime(CURSOR_FORMAT)
    assert state["window"] == sorted([version(3, 2), version(5, 4)])
    assert window.drop_seen(rows((5, 4), (5, 4.5)), "id", "updated_at").num_rows == 1
