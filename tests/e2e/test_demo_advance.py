"""`crm-warehouse demo --advance DAYS`, as the README presents it, publishes: the simulated days
keep the helpdesk's calibrated handling times, so the distribution gate stays quiet."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

CLOSED = "select {} from marts.fct_ticketing where is_closed"


def test_demo_advance_publishes_with_the_distribution_gate_passing(demo_copy):
    closed_before = demo_copy.sql(CLOSED.format("count(*)"))[0][0]

    result = demo_copy.cli("demo", "--advance", "3", check=False)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (run_id,) = demo_copy.sql("select run_id from ops.runs order by started_at desc limit 1")[0]
    gates = dict(
        demo_copy.sql(
            f"select name, status from ops.run_steps where run_id = '{run_id}' and step = 'gate' "
            "and name like 'distribution:%'"
        )
    )
    assert len(gates) == 6 and set(gates.values()) == {"pass"}, gates
    closed, ttr_p95, ttr_max, frt_max = demo_copy.sql(
        CLOSED.format(
            "count(*), quantile_cont(resolution_hours, 0.95), max(resolution_hours), "
            "max(first_response_hours)"
        )
    )[0]
    assert closed > closed_before  # the advanced days answered and closed tickets
    # As in the generated period (seed: 2.0 h first response, 1.6 h resolution on average).
    assert ttr_p95 <= 24 and ttr_max <= 24 and frt_max <= 36, (ttr_p95, ttr_max, frt_max)
