"""The metric definitions, read from the dbt project where they are defined once.

They live in the meta of the ``powerbi_semantic_model`` exposure
(``transform/models/metrics/_metrics__definitions.yml``); the published tables' columns, types
and descriptions come from their models' yml (their enforced contracts): the mtr_ tables' from
``models/metrics``, the star schema's row-grain tables' from ``models/powerbi``, with their
``meta.powerbi`` (how the semantic model shows them). Everything the Power BI project, the web
dashboard and the insights report say about a metric or a table comes from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crm_warehouse.errors import PublishError

DEFINITIONS_FILE = Path("models/metrics/_metrics__definitions.yml")
METRIC_MODELS_FILE = Path("models/metrics/_metrics__models.yml")
ROW_MODELS_FILE = Path("models/powerbi/_powerbi__models.yml")
EXPOSURE = "powerbi_semantic_model"

KINDS = frozenset(
    {
        "sum",
        "mean",
        "distinct_count",
        "count",
        "percentile",
        "ratio",
        "yoy",
        "first_in_period",
        "returning_in_period",
        "at_risk_value",
    }
)
FORMATS = frozenset({"gbp", "integer", "hours", "percent", "decimal"})


@dataclass(frozen=True)
class Calculation:
    kind: str
    table: str | None = None
    column: str | None = None
    where: tuple[str, ...] = ()
    date: str | None = None
    fraction: float | None = None
    per: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    metric: str | None = None


@dataclass(frozen=True)
class Certification:
    """An mtr_ column that materialises the metric, optionally one row per ``by`` value."""

    model: str
    column: str
    by: str | None = None


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    group: str
    description: str
    formula: str
    format: str
    calculation: Calculation
    certified_in: tuple[Certification, ...] = ()
    caveats: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelColumn:
    name: str
    data_type: str
    description: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelDoc:
    """A published model as its yml describes it (contract types, descriptions, meta)."""

    name: str
    description: str
    columns: tuple[ModelColumn, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def grain(self) -> str:
        return self.description.split(".")[0].strip() + "."


@dataclass(frozen=True)
class MetricSpec:
    metrics: tuple[Metric, ...]
    models: dict[str, ModelDoc] = field(default_factory=dict)
    row_models: tuple[ModelDoc, ...] = ()

    def metric(self, name: str) -> Metric:
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(f"no metric named {name!r}")

    def dependencies(self, name: str) -> tuple[str, ...]:
        calc = self.metric(name).calculation
        return tuple(m for m in (calc.numerator, calc.denominator, calc.metric) if m)


def load_metric_spec(project_dir: Path) -> MetricSpec:
    """Read and check the metric definitions and the mtr_ models of the dbt project."""
    meta = _exposure_meta(project_dir / DEFINITIONS_FILE)
    metrics = tuple(_metric(raw) for raw in meta.get("metrics", []))
    spec = MetricSpec(
        metrics=metrics,
        models={m.name: m for m in load_models(project_dir / METRIC_MODELS_FILE)},
        row_models=load_models(project_dir / ROW_MODELS_FILE),
    )
    _check(spec)
    return spec


def load_models(path: Path) -> tuple[ModelDoc, ...]:
    """The models of a dbt yml file, in its order."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(
        ModelDoc(
            model["name"],
            _text(model.get("description")),
            tuple(
                ModelColumn(
                    c["name"],
                    str(c.get("data_type", "string")),
                    _text(c.get("description")),
                    _meta(c),
                )
                for c in model.get("columns", [])
            ),
            _meta(model),
        )
        for model in document.get("models", [])
    )


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _meta(node: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = (node.get("config") or {}).get("meta", {})
    return meta


def _exposure_meta(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise PublishError(
            f"metric definitions not found at {path}",
            fix="restore transform/models/metrics/_metrics__definitions.yml",
        )
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for exposure in document.get("exposures", []):
        if exposure.get("name") == EXPOSURE:
            meta: dict[str, Any] = exposure.get("config", {}).get("meta", {})
            return meta
    raise PublishError(
        f"exposure {EXPOSURE!r} not found in {path}",
        fix="define the metrics in that exposure's config.meta",
    )


def _metric(raw: dict[str, Any]) -> Metric:
    calc = dict(raw["calculation"])
    calc["where"] = tuple(calc.get("where", ()))
    return Metric(
        name=raw["name"],
        label=raw["label"],
        group=raw["group"],
        description=" ".join(str(raw["description"]).split()),
        formula=raw["formula"],
        format=raw["format"],
        calculation=Calculation(**calc),
        certified_in=tuple(Certification(**c) for c in raw.get("certified_in", [])),
        caveats=tuple(raw.get("caveats", [])),
    )


def _check(spec: MetricSpec) -> None:
    names = [m.name for m in spec.metrics]
    problems = [f"duplicate metric {n!r}" for n in sorted({n for n in names if names.count(n) > 1})]
    for metric in spec.metrics:
        calc = metric.calculation
        if calc.kind not in KINDS:
            problems.append(f"{metric.name}: unknown kind {calc.kind!r}")
        if metric.format not in FORMATS:
            problems.append(f"{metric.name}: unknown format {metric.format!r}")
        problems += [
            f"{metric.name}: depends on unknown metric {dep!r}"
            for dep in spec.dependencies(metric.name)
            if dep not in names
        ]
        for cert in metric.certified_in:
            model = spec.models.get(cert.model)
            if model is None or cert.column not in {c.name for c in model.columns}:
                problems.append(f"{metric.name}: certified_in {cert.model}.{cert.column} not found")
    if problems:
        raise PublishError(
            "invalid metric definitions: " + "; ".join(problems),
            where=str(DEFINITIONS_FILE),
            fix="correct the metric definitions",
        )
