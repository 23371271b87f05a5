"""The gates SQL expresses, run by ``dbt build`` as tests tagged ``quality_gate`` (in
``transform/tests/quality/``): business rules, null ratios, P75/P95 bands.

dbt runs them at severity ``warn`` so that a breach never stops the build halfway; this module
reads their results (the build's ``TransformResult``, with their tags from the manifest) and
the rows they stored (``store_failures`` into the ``audit`` schema) and judges them at the
severity configured in ``[quality]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.quality.gates import GateResult, judged
from crm_warehouse.settings.quality import QualityConfig
from crm_warehouse.transform import TransformResult

GATE_TAG = "quality_gate"
_RAN = {"pass", "warn", "fail"}


@dataclass(frozen=True)
class GateTest:
    unique_id: str
    name: str
    kind: str
    status: str  # pass | warn | fail | error | skipped
    failures: int
    relation: str | None  # where its failing rows were stored


def read_gate_tests(built: TransformResult, target_path: Path) -> list[GateTest]:
    """The quality-gate tests of the build ``built``, whose manifest is in ``target_path``."""
    manifest_path = target_path / "manifest.json"
    if not built.nodes or not manifest_path.exists():
        return []
    nodes = json.loads(manifest_path.read_text())["nodes"]
    tests = []
    for result in built.nodes:
        node = nodes.get(result.unique_id, {})
        tags = node.get("tags", [])
        if GATE_TAG not in tags:
            continue
        kind = next((t for t in tags if t != GATE_TAG), "business_rule")
        stored = node.get("config", {}).get("store_failures")
        tests.append(
            GateTest(
                unique_id=result.unique_id,
                name=node.get("name", result.unique_id),
                kind=kind,
                status=result.status,
                failures=result.failures or 0,
                relation=f'{node["schema"]}."{node["alias"]}"' if stored else None,
            )
        )
    return tests


def dbt_gate_results(
    con: duckdb.DuckDBPyConnection,
    quality: QualityConfig,
    built: TransformResult,
    target_path: Path,
) -> list[GateResult]:
    results: list[GateResult] = []
    for test in read_gate_tests(built, target_path):
        if test.status not in _RAN:
            results.append(
                GateResult(
                    test.kind, test.name, "fail", f"the gate's test did not run ({test.status})"
                )
            )
        elif test.kind == "null_ratio":
            results += _null_ratio_results(con, quality, test)
        elif test.kind == "distribution":
            results += _distribution_results(con, quality, test)
        else:
            results.append(
                judged(
                    "business_rule",
                    test.name.removeprefix("gate_"),
                    breached=test.failures > 0,
                    severity=quality.business_rule.severity,
                    detail=f"{test.failures:,} row(s) break the rule" if test.failures else "",
                )
            )
    return results


def _stored_rows(con: duckdb.DuckDBPyConnection, test: GateTest) -> list[dict[str, Any]]:
    if test.failures == 0 or test.relation is None:
        return []
    cursor = con.execute(f"select * from {test.relation}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _null_ratio_results(
    con: duckdb.DuckDBPyConnection, quality: QualityConfig, test: GateTest
) -> list[GateResult]:
    gate = quality.null_ratio
    breaches = {row["checked_column"]: row for row in _stored_rows(con, test)}
    results = []
    for column, limit in gate.max_ratio.items():
        row = breaches.get(column)
        detail = (
            f"{float(row['null_ratio']):.2%} null ({row['null_count']:,} of "
            f"{row['row_count']:,}) > {limit:.2%}"
            if row
            else f"<= {limit:.2%} null"
        )
        results.append(
            judged(
                "null_ratio",
                column,
                breached=row is not None,
                severity=gate.severity,
                detail=detail,
            )
        )
    return results


def _distribution_results(
    con: duckdb.DuckDBPyConnection, quality: QualityConfig, test: GateTest
) -> list[GateResult]:
    gate = quality.distribution
    breaches = {(row["measure"], row["percentile_name"]): row for row in _stored_rows(con, test)}
    results = []
    for measure, band in gate.bands.items():
        for name in ("p75", "p95"):
            bounds = getattr(band, name)
            if bounds is None:
                continue
            row = breaches.get((measure, name))
            observed = row["observed_value"] if row else None
            detail = (
                f"{name.upper()} {_number(observed)} outside [{bounds[0]:g}, {bounds[1]:g}]"
                if row
                else f"{name.upper()} within [{bounds[0]:g}, {bounds[1]:g}]"
            )
            results.append(
                judged(
                    "distribution",
                    f"{measure}.{name}",
                    breached=row is not None,
                    severity=gate.severity,
                    detail=detail,
                )
            )
    return results


def _number(value: Any) -> str:
    return "none" if value is None else f"{float(value):,.2f}"
