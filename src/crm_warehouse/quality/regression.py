"""The regression gate: every key metric against the previous published snapshot.

Month-by-month metrics are compared only for closed months (ended ``closed_after_days`` before
the latest month of the previous snapshot; for support metrics, also with every ticket of the
month closed): new months may appear and open months may move, but a closed month may not move
beyond its tolerance unless the run approves the restatement. Figures over all periods (totals,
per segment) are held to the tolerance when no month changed; when new data arrived they may
move by ``growth_tolerance`` plus the growth of the monthly volume they depend on (orders, or
closed tickets), the part of the change the new periods explain.
"""

from __future__ import annotations

import datetime as dt
import json

from crm_warehouse.quality.gates import PASS, GateResult, judged
from crm_warehouse.quality.history import FAMILY_OF, Key, MetricFamily, Snapshot
from crm_warehouse.settings.quality import RegressionGate

KIND = "regression"


def regression_results(
    previous: tuple[str, Snapshot] | None, current: Snapshot, gate: RegressionGate
) -> list[GateResult]:
    if previous is None:
        return [
            GateResult(KIND, "metrics", PASS, "no published snapshot yet: this run is the baseline")
        ]
    run_id, before = previous
    as_of = _latest_month(before)
    grew = _period_data_changed(before, current)
    breaches = []
    for key, old in sorted(before.items()):
        family = FAMILY_OF.get(key[0])
        if family is None:
            continue  # no longer a key metric
        if family.period and not _closed(before, family, key, as_of, gate):
            continue
        tolerance = gate.tolerances.get(key[0], gate.tolerance)
        if grew and not family.period:
            tolerance = gate.growth_tolerance + _growth(before, current, family.volume)
        if key not in current:
            detail = f"missing (was {_show(old)})"
        elif _moved(old, current[key], tolerance):
            detail = f"{_show(old)} -> {_show(current[key])} (tolerance {tolerance:.2%})"
        else:
            continue
        breaches.append(
            judged(KIND, _subject(key), breached=True, severity=gate.severity, detail=detail)
        )
    if breaches:
        return breaches
    return [
        GateResult(
            KIND, "metrics", PASS, f"{len(before):,} metrics within tolerance of run {run_id}"
        )
    ]


def _subject(key: Key) -> str:
    metric, dims = key
    values = json.loads(dims)
    return metric + (f"[{','.join(values.values())}]" if values else "")


def _show(value: float | None) -> str:
    return "null" if value is None else f"{value:,.4g}"


def _moved(old: float | None, new: float | None, tolerance: float) -> bool:
    if old is None or new is None:
        return (old is None) != (new is None)
    return abs(new - old) > tolerance * abs(old) if old else new != 0


def _month(family: MetricFamily, dims: str) -> dt.date:
    return dt.date.fromisoformat(json.loads(dims)[family.period or ""][:10])


def _latest_month(snapshot: Snapshot) -> dt.date | None:
    months = [
        _month(FAMILY_OF[metric], dims)
        for metric, dims in snapshot
        if metric in FAMILY_OF and FAMILY_OF[metric].period
    ]
    return max(months, default=None)


def _closed(
    before: Snapshot, family: MetricFamily, key: Key, as_of: dt.date | None, gate: RegressionGate
) -> bool:
    month = _month(family, key[1])
    next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if as_of is None or next_month + dt.timedelta(days=gate.closed_after_days) > as_of:
        return False
    if family.settled is None:
        return True
    every, done = (before.get((f"{family.table}.{c}", key[1])) for c in family.settled)
    return every is not None and every == done


def _growth(before: Snapshot, current: Snapshot, volume: str | None) -> float:
    """Relative change of a monthly volume summed over all months (0 when unknown)."""
    if volume is None:
        return 0.0
    old, new = (sum(v or 0 for (m, _), v in s.items() if m == volume) for s in (before, current))
    return abs(new / old - 1) if old else 0.0


def _period_data_changed(before: Snapshot, current: Snapshot) -> bool:
    """New months or any month-level change: figures over all periods may then move."""
    period_keys = {k for k in (*before, *current) if k[0] in FAMILY_OF and FAMILY_OF[k[0]].period}
    return any(before.get(k) != current.get(k) for k in period_keys)
