"""DAX measures from the metric definitions: one expression per calculation kind."""

from __future__ import annotations

import re

from crm_warehouse.publish.powerbi.spec import Metric, MetricSpec
from crm_warehouse.publish.powerbi.star import Table

FORMAT_STRINGS = {
    "gbp": "£#,0.00",
    "integer": "#,0",
    "hours": "0.00",
    "percent": "0.0\\%",
    "decimal": "0.00",
}
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote(name: str) -> str:
    """A TMDL object name, single-quoted unless it is a plain identifier."""
    return name if _PLAIN_NAME.match(name) else "'" + name.replace("'", "''") + "'"


class DaxWriter:
    """Writes the DAX of each metric against the model's tables and display names."""

    def __init__(self, spec: MetricSpec, tables: dict[str, Table]) -> None:
        self.spec = spec
        self.tables = tables

    def table(self, name: str) -> str:
        return "'" + self.tables[name].display.replace("'", "''") + "'"

    def column(self, table: str, column: str) -> str:
        return f"{self.table(table)}[{self.tables[table].column(column).display}]"

    def measure(self, metric_name: str) -> str:
        return f"[{self.spec.metric(metric_name).label}]"

    def expression(self, metric: Metric) -> str:
        kind = metric.calculation.kind
        return str(getattr(self, f"_{kind}")(metric))

    def _filters(self, metric: Metric) -> list[str]:
        calc = metric.calculation
        assert calc.table
        filters = [f"{self.column(calc.table, w)} = TRUE()" for w in calc.where]
        if calc.date:
            filters.append(
                f"USERELATIONSHIP({self.column(calc.table, calc.date)}, "
                f"{self.column('date', 'date')})"
            )
        return filters

    def _wrap(self, metric: Metric, inner: str) -> str:
        filters = self._filters(metric)
        return f"CALCULATE({inner}, {', '.join(filters)})" if filters else inner

    def _col(self, metric: Metric) -> str:
        calc = metric.calculation
        assert calc.table and calc.column
        return self.column(calc.table, calc.column)

    def _sum(self, metric: Metric) -> str:
        return self._wrap(metric, f"SUM({self._col(metric)})")

    def _mean(self, metric: Metric) -> str:
        return self._wrap(metric, f"AVERAGE({self._col(metric)})")

    def _distinct_count(self, metric: Metric) -> str:
        return self._wrap(metric, f"DISTINCTCOUNT({self._col(metric)})")

    def _count(self, metric: Metric) -> str:
        assert metric.calculation.table
        return self._wrap(metric, f"COUNTROWS({self.table(metric.calculation.table)})")

    def _percentile(self, metric: Metric) -> str:
        calc = metric.calculation
        assert calc.table and calc.fraction is not None
        if calc.per:
            per = self.column(calc.table, calc.per)
            inner = (
                f"PERCENTILEX.INC(VALUES({per}), CALCULATE(SUM({self._col(metric)})), "
                f"{calc.fraction:g})"
            )
        elif calc.fraction == 0.5:
            inner = f"MEDIAN({self._col(metric)})"
        else:
            inner = f"PERCENTILE.INC({self._col(metric)}, {calc.fraction:g})"
        return self._wrap(metric, inner)

    def _ratio(self, metric: Metric) -> str:
        calc = metric.calculation
        assert calc.numerator and calc.denominator
        ratio = f"DIVIDE({self.measure(calc.numerator)}, {self.measure(calc.denominator)})"
        return f"{ratio} * {calc.scale:g}" if calc.scale != 1 else ratio

    def _yoy(self, metric: Metric) -> str:
        assert metric.calculation.metric
        base = self.measure(metric.calculation.metric)
        return "\n".join(
            (
                f"VAR CurrentValue = {base}",
                f"VAR PreviousValue = CALCULATE({base}, "
                f"SAMEPERIODLASTYEAR({self.column('date', 'date')}))",
                "RETURN",
                "    IF(NOT ISBLANK(PreviousValue), "
                "DIVIDE(CurrentValue - PreviousValue, PreviousValue) * 100)",
            )
        )

    def _first_in_period(self, metric: Metric) -> str:
        first = self._col(metric)
        return "\n".join(
            (
                f"VAR PeriodStart = MIN({self.column('date', 'date')})",
                f"VAR PeriodEnd = MAX({self.column('date', 'date')})",
                "RETURN",
                f"    CALCULATE(COUNTROWS({self.table('customers')}), "
                f"{first} >= PeriodStart, {first} <= PeriodEnd)",
            )
        )

    def _returning_in_period(self, metric: Metric) -> str:
        return "\n".join(
            (
                f"VAR PeriodStart = MIN({self.column('date', 'date')})",
                "RETURN",
                f"    CALCULATE(DISTINCTCOUNT({self._col(metric)}), "
                f"{self.column('customers', 'first_order_date')} < PeriodStart)",
            )
        )

    def _at_risk_value(self, metric: Metric) -> str:
        return "\n".join(
            (
                "VAR AtRiskCustomers =",
                f"    CALCULATETABLE(VALUES({self.column('tickets', 'customer_key')}), "
                f"{self.column('tickets', 'is_at_risk')} = TRUE())",
                "RETURN",
                f"    CALCULATE(SUM({self._col(metric)}), "
                f"TREATAS(AtRiskCustomers, {self.column('customers', 'customer_key')}), "
                f"{self.column('customers', 'is_crm_customer')} = TRUE())",
            )
        )


def home_table(metric: Metric, spec: MetricSpec) -> str:
    """The table a measure is defined on: its own table, or its numerator's for ratios."""
    calc = metric.calculation
    if calc.table:
        return calc.table
    return home_table(spec.metric(calc.numerator or calc.metric or ""), spec)
