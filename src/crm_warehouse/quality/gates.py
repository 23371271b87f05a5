"""Gate results, operator overrides and the verdict of a run's audit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from crm_warehouse.errors import ConfigError, QualityGateError
from crm_warehouse.settings.quality import GATE_KINDS, Severity

PASS, WARN, FAIL = "pass", "warn", "fail"
OVERRIDDEN, APPROVED = "overridden", "approved"


@dataclass(frozen=True)
class GateResult:
    kind: str  # one of GATE_KINDS
    subject: str  # what was checked: a test, a column, a measure, a table, a metric, a source
    status: str  # pass | warn | fail | overridden | approved
    detail: str = ""

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.subject}"


def judged(
    kind: str, subject: str, *, breached: bool, severity: Severity, detail: str = ""
) -> GateResult:
    """A check's outcome under its configured severity."""
    status = PASS if not breached else FAIL if severity == "error" else WARN
    return GateResult(kind, subject, status, detail)


@dataclass(frozen=True)
class Override:
    """What the operator allowed for this one run: gates to let through (a kind such as
    ``regression`` or one gate such as ``null_ratio:stg_crm__customers.email``), with the
    reason, and whether metric restatements are expected."""

    gates: tuple[str, ...] = ()
    reason: str | None = None
    approve_restatement: bool = False

    def __post_init__(self) -> None:
        unknown = sorted({g for g in self.gates if g.split(":", 1)[0] not in GATE_KINDS})
        if unknown:
            raise ConfigError(
                f"unknown gate(s) {', '.join(unknown)}",
                fix=f"name a gate kind ({', '.join(GATE_KINDS)}) or a gate as "
                "shown by `crm-warehouse status`",
            )
        if self.gates and not (self.reason or "").strip():
            raise ConfigError(
                "--override-gate needs --reason",
                fix='add --reason "why this run may publish anyway"',
            )

    def covers(self, result: GateResult) -> bool:
        return result.kind in self.gates or result.name in self.gates

    def apply(self, result: GateResult) -> GateResult:
        if result.status != FAIL:
            return result
        if self.approve_restatement and result.kind == "regression":
            note = f"restatement approved{': ' + self.reason if self.reason else ''}"
            return replace(result, status=APPROVED, detail=f"{result.detail} ({note})")
        if self.covers(result):
            return replace(
                result, status=OVERRIDDEN, detail=f"{result.detail} (overridden: {self.reason})"
            )
        return result

    def describe(self) -> dict[str, Any]:
        return {
            "gates": list(self.gates),
            "reason": self.reason,
            "approve_restatement": self.approve_restatement,
        }


@dataclass
class Audit:
    """Every gate's result for one run, and the rows quarantined by its build."""

    results: list[GateResult] = field(default_factory=list)
    quarantined: dict[str, dict[str, int]] = field(default_factory=dict)
    override: Override = field(default_factory=Override)

    @property
    def blocking(self) -> list[GateResult]:
        return [r for r in self.results if r.status == FAIL]

    @property
    def passed(self) -> bool:
        return not self.blocking

    @property
    def quarantined_rows(self) -> int:
        return sum(sum(reasons.values()) for reasons in self.quarantined.values())

    def summary(self) -> dict[str, Any]:
        """For the run's summary in ``ops.runs``."""
        return {
            "gates": dict(Counter(r.status for r in self.results)),
            "failed": [r.name for r in self.blocking],
            "warned": [r.name for r in self.results if r.status == WARN],
            "overridden": [r.name for r in self.results if r.status in {OVERRIDDEN, APPROVED}],
            "override": self.override.describe() if self.override != Override() else None,
            "quarantined": self.quarantined,
            "quarantined_rows": self.quarantined_rows,
        }

    def error(self) -> QualityGateError:
        failed = self.blocking
        names = ", ".join(f"{r.name} ({r.detail})" for r in failed[:3])
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        return QualityGateError(
            f"{len(failed)} quality gate(s) failed, nothing published: {names}{more}",
            fix="see `crm-warehouse status`; fix the data, or let this one run through with "
            '--override-gate NAME --reason "..." (--approve-restatement for expected '
            "metric restatements)",
        )
