"""The star schema of the semantic model: slim row-grain tables beside the mtr_ tables.

Medians, percentiles, distinct counts and slicers need rows, so Power BI and the web dashboard
get four slim tables (no PII: names and emails stay behind), plus a Date table generated in
Power Query. The tables are dbt models (``transform/models/powerbi``), published like the mtr_
tables: exported to Parquet from the DuckDB warehouse, read from their dataset on BigQuery.
Their columns, types and descriptions come from the models' yml.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_warehouse.publish.powerbi.spec import MetricSpec, ModelColumn, ModelDoc

# TMDL data types of the model's columns.
INT, DOUBLE, DECIMAL, TEXT, DATE, BOOL = (
    "int64",
    "double",
    "decimal",
    "string",
    "dateTime",
    "boolean",
)
DBT_TYPES = {
    "bigint": INT,
    "string": TEXT,
    "date": DATE,
    "boolean": BOOL,
    "decimal(18,2)": DECIMAL,
    "decimal(18,4)": DOUBLE,
}
ACRONYMS = {
    "gbp": "GBP",
    "id": "ID",
    "csat": "CSAT",
    "sla": "SLA",
    "yoy": "YoY",
    "pct": "%",
    "p75": "P75",
    "p95": "P95",
    "aov": "AOV",
    "arpc": "ARPC",
    "is": "Is",
}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    description: str
    hidden: bool = False
    key: bool = False
    sort_by: str | None = None
    format: str | None = None

    @property
    def display(self) -> str:
        return display_name(self.name)


@dataclass(frozen=True)
class Table:
    name: str
    display: str
    description: str
    columns: tuple[Column, ...]
    file: str | None = None
    date_column: str | None = None
    is_certified: bool = False

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


@dataclass(frozen=True)
class Relationship:
    from_table: str
    from_column: str
    to_table: str
    to_column: str
    active: bool = True


def display_name(snake: str) -> str:
    return " ".join(ACRONYMS.get(part, part.capitalize()) for part in snake.split("_"))


def row_tables(spec: MetricSpec) -> tuple[Table, ...]:
    """The slim row-grain tables (the dbt models of ``models/powerbi``), as the semantic model
    shows them (their ``meta.powerbi``)."""
    return tuple(_row_table(model) for model in spec.row_models)


def _row_table(model: ModelDoc) -> Table:
    shown = model.meta["powerbi"]
    return Table(
        shown["table"],
        shown["display"],
        model.description,
        tuple(_row_column(column) for column in model.columns),
        file=model.name,
        date_column=shown.get("date_column"),
    )


def _row_column(column: ModelColumn) -> Column:
    shown = column.meta.get("powerbi", {})
    return Column(
        column.name,
        DBT_TYPES[column.data_type],
        column.description,
        hidden=bool(shown.get("hidden")),
        key=bool(shown.get("key")),
        sort_by=shown.get("sort_by"),
    )


def date_table() -> Table:
    return Table(
        "date",
        "Date",
        "One row per calendar day over the whole years the data covers; "
        "marked as the model's date table.",
        (
            Column("date", DATE, "The day.", key=True, format="yyyy-mm-dd"),
            Column("year", INT, "Calendar year."),
            Column("month_start", DATE, "First day of the month.", format="mmm yyyy"),
            Column("week_start", DATE, "Monday of the ISO week.", format="yyyy-mm-dd"),
        ),
    )


def mtr_tables(spec: MetricSpec) -> tuple[Table, ...]:
    return tuple(_mtr_table(model) for _, model in sorted(spec.models.items()))


def _mtr_table(model: ModelDoc) -> Table:
    columns = tuple(
        Column(
            c.name,
            DBT_TYPES.get(c.data_type, TEXT),
            c.description,
            hidden=c.name.endswith("_key")
            or c.name in {"display_order", "channel_order", "priority_order"},
        )
        for c in model.columns
    )
    date = "month_start_date" if "month_start_date" in {c.name for c in columns} else None
    return Table(
        model.name,
        model.name,
        model.description,
        columns,
        file=model.name,
        date_column=date,
        is_certified=True,
    )


def all_tables(spec: MetricSpec) -> tuple[Table, ...]:
    return (date_table(), *row_tables(spec), *mtr_tables(spec))


def relationships(tables: tuple[Table, ...]) -> tuple[Relationship, ...]:
    """Facts to dimensions, many to one; mtr_ tables join where their keys allow."""
    found = []
    for table in tables:
        if table.name in {"date", "customers", "products"}:
            continue
        names = {c.name for c in table.columns}
        if table.date_column:
            found.append(Relationship(table.name, table.date_column, "date", "date"))
        if "customer_key" in names and not table.is_certified:
            found.append(Relationship(table.name, "customer_key", "customers", "customer_key"))
        if "product_key" in names:
            found.append(Relationship(table.name, "product_key", "products", "product_key"))
    found.append(Relationship("customers", "signup_date", "date", "date", active=False))
    return tuple(found)
