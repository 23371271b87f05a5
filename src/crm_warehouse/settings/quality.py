"""The ``[quality]`` configuration section: one entry per gate kind, each with its severity.

``error`` blocks publish; ``warn`` is recorded and the run publishes anyway.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from crm_warehouse.settings.base import Strict

Severity = Literal["warn", "error"]

GATE_KINDS = ("business_rule", "null_ratio", "distribution", "volume", "regression", "freshness")


class BusinessRuleGate(Strict):
    """The dbt tests tagged ``business_rule`` (they run at dbt severity ``warn``)."""

    severity: Severity = "error"


class NullRatioGate(Strict):
    """Largest share of nulls allowed per ``<model>.<column>`` (checked by a dbt test)."""

    severity: Severity = "error"
    max_ratio: dict[str, float] = Field(
        default_factory=lambda: {
            "stg_crm__customers.email": 0.01,
            "stg_crm__customers.income_bracket": 0.01,
            "stg_crm__customers.signup_date": 0.01,
            "stg_crm__products.category": 0.01,
            "stg_helpdesk__tickets.customer_email": 0.01,
            "stg_helpdesk__tickets.ticket_channel": 0.01,
            "stg_helpdesk__tickets.ticket_priority": 0.01,
        }
    )

    @field_validator("max_ratio")
    @classmethod
    def _model_dot_column(cls, value: dict[str, float]) -> dict[str, float]:
        for key, ratio in value.items():
            if key.count(".") != 1 or not all(key.split(".")):
                raise ValueError(f"{key!r} must be '<model>.<column>'")
            if not 0 <= ratio <= 1:
                raise ValueError(f"{key!r}: a ratio between 0 and 1")
        return value


class Band(Strict):
    """Accepted range of a percentile: ``[min, max]``."""

    p75: tuple[float, float] | None = None
    p95: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        for name in ("p75", "p95"):
            band = getattr(self, name)
            if band is not None and band[0] > band[1]:
                raise ValueError(f"{name}: min must not exceed max")
        return self


MEASURES = ("first_response_hours", "resolution_hours", "order_value_gbp")


class DistributionGate(Strict):
    """P75/P95 bands of closed tickets' first response and resolution hours and of revenue
    orders' value (checked by a dbt test)."""

    severity: Severity = "error"
    bands: dict[str, Band] = Field(
        default_factory=lambda: {
            "first_response_hours": Band(p75=(0.5, 6.0), p95=(1.0, 24.0)),
            "resolution_hours": Band(p75=(0.25, 6.0), p95=(0.5, 24.0)),
            "order_value_gbp": Band(p75=(200.0, 2500.0), p95=(500.0, 5000.0)),
        }
    )

    @field_validator("bands")
    @classmethod
    def _known_measures(cls, value: dict[str, Band]) -> dict[str, Band]:
        unknown = set(value) - set(MEASURES)
        if unknown:
            raise ValueError(f"unknown measure(s) {sorted(unknown)}; choose from {list(MEASURES)}")
        return value


class VolumeGate(Strict):
    """Rows per raw table and per fact against the previous published run."""

    max_drop: float = Field(default=0.30, gt=0, le=1, description="fraction lost")
    drop_severity: Severity = "error"
    max_growth: float = Field(default=3.0, gt=1, description="factor grown")
    growth_severity: Severity = "warn"
    min_rows: int = Field(default=100, ge=0, description="ignore smaller baselines")


class RegressionGate(Strict):
    """Key metrics against the previous published snapshot (``audit.metric_history``)."""

    severity: Severity = "error"
    tolerance: float = Field(default=0.005, ge=0, description="relative change allowed")
    growth_tolerance: float = Field(
        default=0.05, ge=0, description="relative change allowed for figures that new data may move"
    )
    closed_after_days: int = Field(
        default=45, ge=0, description="a month is closed this long after its end"
    )
    tolerances: dict[str, float] = Field(
        default_factory=dict, description="per metric ('<table>.<column>') overrides"
    )


class FreshnessSla(Strict):
    warn_after_hours: float = Field(default=48, gt=0)
    error_after_hours: float = Field(default=336, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> FreshnessSla:
        if self.warn_after_hours > self.error_after_hours:
            raise ValueError("warn_after_hours must not exceed error_after_hours")
        return self


class FreshnessGate(Strict):
    """Age of each source's newest loaded row (``_ab_synced_at``)."""

    default: FreshnessSla = FreshnessSla()
    sources: dict[str, FreshnessSla] = Field(default_factory=dict)

    def sla(self, source: str) -> FreshnessSla:
        return self.sources.get(source, self.default)


class QualityConfig(Strict):
    business_rule: BusinessRuleGate = BusinessRuleGate()
    null_ratio: NullRatioGate = NullRatioGate()
    distribution: DistributionGate = DistributionGate()
    volume: VolumeGate = VolumeGate()
    regression: RegressionGate = RegressionGate()
    freshness: FreshnessGate = FreshnessGate()
