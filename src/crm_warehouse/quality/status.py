"""The last audited run's gate results, for ``crm-warehouse status``."""

from __future__ import annotations

import json
from typing import Any

from crm_warehouse.settings import Settings
from crm_warehouse.warehouse import OPS_SCHEMA as OPS
from crm_warehouse.warehouse import connect, table_exists

_ORDER = {"fail": 0, "warn": 1, "overridden": 2, "approved": 3, "pass": 4}


def last_gate_results(settings: Settings) -> dict[str, Any] | None:
    """The latest run that evaluated gates: its id and outcome, each gate, what it quarantined
    and any override; None before the first."""
    if not settings.duckdb_path.exists():
        return None
    with connect(settings) as con:
        if not table_exists(con, OPS, "run_steps"):
            return None
        latest = con.execute(
            f"select runs.run_id, runs.status, runs.started_at, runs.summary from {OPS}.runs "
            f"as runs where exists (select 1 from {OPS}.run_steps as steps where "
            "steps.run_id = runs.run_id and steps.step = 'gate') "
            "order by runs.started_at desc limit 1"
        ).fetchall()
        if not latest:
            return None
        run_id, status, started_at, summary = latest[0]
        gates = con.execute(
            f"select name, status, error from {OPS}.run_steps where run_id = ? and step = 'gate'",
            [run_id],
        ).fetchall()
    quality = (json.loads(summary) if summary else {}).get("quality", {})
    return {
        "run_id": run_id,
        "run_status": status,
        "started_at": started_at,
        "gates": [
            {"gate": name, "status": gate_status, "detail": detail or ""}
            for name, gate_status, detail in sorted(
                gates, key=lambda g: (_ORDER.get(g[1], 5), g[0])
            )
        ],
        "quarantined": quality.get("quarantined", {}),
        "override": quality.get("override"),
    }
