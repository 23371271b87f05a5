"""The semantic model as TMDL: database, model, one file per table, relationships and the
parameters (expressions). Tabs indent, as Power BI Desktop writes it."""

from __future__ import annotations

import datetime as dt
import json

from crm_warehouse.publish.powerbi import mcode
from crm_warehouse.publish.powerbi.dax import FORMAT_STRINGS, DaxWriter, home_table, quote
from crm_warehouse.publish.powerbi.ids import guid
from crm_warehouse.publish.powerbi.spec import Metric, MetricSpec
from crm_warehouse.publish.powerbi.star import DATE, DECIMAL, DOUBLE, INT, Relationship, Table

COMPATIBILITY_LEVEL = 1567
CULTURE = "en-GB"
T = "\t"


def _description(text: str, indent: str) -> list[str]:
    return [f"{indent}/// {line}" for line in text.splitlines() if line.strip()] if text else []


def _expression_lines(expression: str, indent: str) -> list[str]:
    return [f"{indent}{line}" if line.strip() else "" for line in expression.splitlines()]


def database_tmdl() -> str:
    return f"database\n{T}compatibilityLevel: {COMPATIBILITY_LEVEL}\n"


def model_tmdl(tables: tuple[Table, ...], parameters: list[str]) -> str:
    order = json.dumps([*parameters, *(t.display for t in tables)], separators=(",", ":"))
    lines = [
        "model Model",
        f"{T}culture: {CULTURE}",
        f"{T}defaultPowerBIDataSourceVersion: powerBI_V3",
        f"{T}discourageImplicitMeasures",
        f"{T}sourceQueryCulture: {CULTURE}",
        f"{T}dataAccessOptions",
        f"{T}{T}legacyRedirects",
        f"{T}{T}returnErrorValuesAsNull",
        "",
        f"annotation PBI_QueryOrder = {order}",
        "",
        "annotation __PBI_TimeIntelligenceEnabled = 0",
        "",
        *(f"ref table {quote(t.display)}" for t in tables),
        "",
    ]
    return "\n".join(lines)


def expressions_tmdl(source: mcode.Source) -> str:
    lines: list[str] = []
    descriptions = {
        "DataFolder": "Folder holding the exported Parquet files (the pipeline's powerbi/).",
        "BigQueryProject": "Google Cloud project of the curated BigQuery datasets.",
    }
    for name, value in mcode.parameters(source).items():
        lines += [
            *_description(descriptions[name], ""),
            f"expression {name} = {mcode.parameter_expression(value)}",
            f"{T}lineageTag: {guid('expression', name)}",
            "",
            f"{T}annotation PBI_ResultType = Text",
            "",
        ]
    return "\n".join(lines)


def relationships_tmdl(relationships: tuple[Relationship, ...], tables: dict[str, Table]) -> str:
    lines: list[str] = []
    for rel in relationships:
        from_table, to_table = tables[rel.from_table], tables[rel.to_table]
        lines.append(f"relationship {guid('relationship', rel.from_table, rel.from_column)}")
        if not rel.active:
            lines.append(f"{T}isActive: false")
        lines += [
            f"{T}fromColumn: {quote(from_table.display)}."
            f"{quote(from_table.column(rel.from_column).display)}",
            f"{T}toColumn: {quote(to_table.display)}."
            f"{quote(to_table.column(rel.to_column).display)}",
            "",
        ]
    return "\n".join(lines)


def _measure(metric: Metric, dax: DaxWriter) -> list[str]:
    expression = dax.expression(metric)
    head = f"{T}measure {quote(metric.label)} ="
    body = (
        [f"{head} {expression}"]
        if "\n" not in expression
        else [head, *_expression_lines(expression, T * 3)]
    )
    return [
        *_description(f"{metric.description} Formula: {metric.formula}.", T),
        *body,
        f"{T}{T}formatString: {FORMAT_STRINGS[metric.format]}",
        f"{T}{T}displayFolder: {metric.group}",
        f"{T}{T}lineageTag: {guid('measure', metric.name)}",
        "",
    ]


def _column(table: Table, index: int) -> list[str]:
    column = table.columns[index]
    lines = [
        *_description(column.description, T),
        f"{T}column {quote(column.display)}",
        f"{T}{T}dataType: {column.data_type}",
    ]
    if column.hidden:
        lines.append(f"{T}{T}isHidden")
    if column.key:
        lines.append(f"{T}{T}isKey")
    fmt = column.format or {INT: "0", DECIMAL: "#,0.00", DOUBLE: "0.0000", DATE: "yyyy-mm-dd"}.get(
        column.data_type
    )
    if fmt:
        lines.append(f"{T}{T}formatString: {fmt}")
    lines += [
        f"{T}{T}lineageTag: {guid('column', table.name, column.name)}",
        f"{T}{T}summarizeBy: none",
        f"{T}{T}sourceColumn: {column.name}",
    ]
    if column.sort_by:
        lines.append(f"{T}{T}sortByColumn: {quote(table.column(column.sort_by).display)}")
    lines += ["", f"{T}{T}annotation SummarizationSetBy = Automatic", ""]
    if column.data_type == DATE:
        lines += [f"{T}{T}annotation UnderlyingDateTimeDataType = Date", ""]
    return lines


def table_tmdl(table: Table, measures: list[Metric], dax: DaxWriter, query: str) -> str:
    lines = [
        *_description(table.description, ""),
        f"table {quote(table.display)}",
        f"{T}lineageTag: {guid('table', table.name)}",
    ]
    if table.name == "date":
        lines.append(f"{T}dataCategory: Time")
    lines.append("")
    for metric in measures:
        lines += _measure(metric, dax)
    for index in range(len(table.columns)):
        lines += _column(table, index)
    lines += [
        f"{T}partition {quote(table.display)} = m",
        f"{T}{T}mode: import",
        f"{T}{T}source =",
        *_expression_lines(query, T * 4),
        "",
        f"{T}annotation PBI_ResultType = Table",
        "",
    ]
    return "\n".join(lines)


def semantic_model_files(
    spec: MetricSpec,
    tables: tuple[Table, ...],
    relationships: tuple[Relationship, ...],
    source: mcode.Source,
    calendar: tuple[dt.date, dt.date],
) -> dict[str, str]:
    """Relative path under ``definition/`` -> TMDL text."""
    by_name = {t.name: t for t in tables}
    dax = DaxWriter(spec, by_name)
    files = {
        "database.tmdl": database_tmdl(),
        "model.tmdl": model_tmdl(tables, list(mcode.parameters(source))),
        "relationships.tmdl": relationships_tmdl(relationships, by_name),
        "expressions.tmdl": expressions_tmdl(source),
    }
    for table in tables:
        measures = [m for m in spec.metrics if home_table(m, spec) == table.name]
        query = (
            mcode.date_query(*calendar)
            if table.name == "date"
            else mcode.table_query(table, source)
        )
        files[f"tables/{table.display}.tmdl"] = table_tmdl(table, measures, dax, query)
    return files
