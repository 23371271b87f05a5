"""Power Query (M) for the partitions and parameters: Parquet files from the ``DataFolder``
parameter, or the tables in their BigQuery datasets (where dbt built them) - chosen when the
project is generated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from crm_warehouse.publish.powerbi.star import BOOL, DATE, DECIMAL, DOUBLE, INT, TEXT, Table

M_TYPES = {
    INT: "Int64.Type",
    DOUBLE: "type number",
    DECIMAL: "Currency.Type",
    TEXT: "type text",
    DATE: "type date",
    BOOL: "type logical",
}


@dataclass(frozen=True)
class Source:
    """Where the partitions read: ``parquet`` files, or ``bigquery``: each table in its
    dataset (``datasets``: published table -> the schema dbt built it in)."""

    kind: str
    data_folder: str = ""
    bigquery_project: str = ""
    datasets: Mapping[str, str] = field(default_factory=dict)


def m_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def parameters(source: Source) -> dict[str, str]:
    """Parameter name -> its default value (an M text literal)."""
    if source.kind == "bigquery":
        return {"BigQueryProject": m_string(source.bigquery_project)}
    return {"DataFolder": m_string(source.data_folder)}


def parameter_expression(value: str) -> str:
    return f'{value} meta [IsParameterQuery=true, Type="Text", IsParameterQueryRequired=true]'


def _typed(table: Table, step: str) -> list[str]:
    types = ", ".join(f"{{{m_string(c.name)}, {M_TYPES[c.data_type]}}}" for c in table.columns)
    return [f"    Typed = Table.TransformColumnTypes({step}, {{{types}}})"]


def _let(steps: list[str]) -> str:
    return "\n".join(["let", ",\n".join(steps), "in", "    Typed"])


def table_query(table: Table, source: Source) -> str:
    """The partition's M: read the table and give every column its type."""
    if source.kind == "bigquery":
        dataset = source.datasets[str(table.file)]
        steps = [
            "    Source = GoogleBigQuery.Database([BillingProject = BigQueryProject])",
            "    Project = Source{[Name = BigQueryProject]}[Data]",
            f'    Dataset = Project{{[Name = {m_string(dataset)}, Kind = "Schema"]}}[Data]',
            f'    Data = Dataset{{[Name = {m_string(str(table.file))}, Kind = "Table"]}}[Data]',
        ]
        return _let(steps + _typed(table, "Data"))
    steps = [
        f"    Source = Parquet.Document(File.Contents(DataFolder & "
        f"{m_string(chr(92) + str(table.file) + '.parquet')}))"
    ]
    return _let(steps + _typed(table, "Source"))


def date_query(first: dt.date, last: dt.date) -> str:
    """The Date table: every day of the years from ``first`` to ``last``, with its grains."""
    return "\n".join(
        (
            "let",
            f"    Start = #date({first.year}, 1, 1),",
            f"    End = #date({last.year}, 12, 31),",
            "    Days = List.Dates(Start, Duration.Days(End - Start) + 1, #duration(1, 0, 0, 0)),",
            '    Dates = Table.FromList(Days, Splitter.SplitByNothing(), {"date"}),',
            '    WithYear = Table.AddColumn(Dates, "year", each Date.Year([date]), Int64.Type),',
            '    WithMonth = Table.AddColumn(WithYear, "month_start", '
            "each Date.StartOfMonth([date]), type date),",
            '    WithWeek = Table.AddColumn(WithMonth, "week_start", '
            "each Date.StartOfWeek([date], Day.Monday), type date),",
            '    Typed = Table.TransformColumnTypes(WithWeek, {{"date", type date}})',
            "in",
            "    Typed",
        )
    )
