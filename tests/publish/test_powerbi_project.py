"""The generated Power BI project: schema-valid JSON, well-formed TMDL whose every reference
resolves, partitions that match the exported files, and deterministic output."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
import yaml

from crm_warehouse.publish.powerbi import layout, mcode, star
from crm_warehouse.publish.powerbi.dax import FORMAT_STRINGS
from crm_warehouse.publish.powerbi.project import DataFacts, project_files, write_project
from crm_warehouse.publish.powerbi.spec import load_metric_spec
from crm_warehouse.publish.powerbi.tmdl_reader import TmdlError, read_semantic_model, read_tmdl
from crm_warehouse.publish.powerbi.validate import model_problems, report_problems, validate_json
from tests.conftest import REPO
from tests.publish.conftest import SCHEMAS

pytestmark = pytest.mark.e2e

FACTS = DataFacts(dt.date(2019, 1, 1), dt.date(2022, 1, 31), 2021, dt.date(2022, 1, 31))


@pytest.fixture(scope="module")
def spec():
    return load_metric_spec(REPO / "transform")


@pytest.fixture(scope="module")
def powerbi(built) -> Path:
    return built.folder / "powerbi"


@pytest.fixture(scope="module")
def model(powerbi):
    return read_semantic_model(powerbi / "CRM-Warehouse.SemanticModel" / "definition")


def test_project_layout(powerbi):
    pbip = json.loads((powerbi / "CRM-Warehouse.pbip").read_text())
    assert pbip["artifacts"] == [{"report": {"path": "CRM-Warehouse.Report"}}]
    definition = powerbi / "CRM-Warehouse.SemanticModel" / "definition"
    for name in ("database.tmdl", "model.tmdl", "relationships.tmdl", "expressions.tmdl"):
        assert (definition / name).is_file(), name
    report = powerbi / "CRM-Warehouse.Report" / "definition"
    pages = json.loads((report / "pages" / "pages.json").read_text())
    titles = [
        json.loads((report / "pages" / p / "page.json").read_text())["displayName"]
        for p in pages["pageOrder"]
    ]
    assert titles == [
        "Revenue & Product Performance",
        "Customer Insights & Segmentation",
        "Support & Customer Satisfaction",
        "Weekly Ops",
    ]
    assert all(
        list((report / "pages" / p / "visuals").glob("*/visual.json")) for p in pages["pageOrder"]
    )


def test_every_json_file_validates_against_microsoft_schemas(powerbi):
    if not SCHEMAS.is_dir():
        pytest.skip(f"Microsoft schemas not found at {SCHEMAS}")
    results = validate_json(powerbi, SCHEMAS)
    assert len(results) > 50  # pbip, .platform x2, pbir, pbism, report, pages, visuals...
    assert {path: errors for path, errors in results.items() if errors} == {}


def test_tmdl_is_well_formed_and_every_reference_resolves(powerbi, model):
    assert model_problems(model) == []
    assert report_problems(powerbi / "CRM-Warehouse.Report", model) == []


def test_reader_rejects_malformed_tmdl():
    with pytest.raises(TmdlError, match="spaces"):
        read_tmdl("table Sales\n  column Amount\n")
    with pytest.raises(TmdlError, match="not an object declaration"):
        read_tmdl("isHidden\n")


def test_measures_come_from_the_metric_definitions(model, spec):
    measures = model.measures()
    assert sorted(measures) == sorted(m.label for m in spec.metrics)
    for metric in spec.metrics:
        _, measure = measures[metric.label]
        assert measure.description.startswith(metric.description)
        assert measure.properties["formatString"] == FORMAT_STRINGS[metric.format]
        assert measure.properties["displayFolder"] == metric.group
    assert set(layout.measures_used()) <= {m.name for m in spec.metrics}


def test_star_schema_date_table_relationships_and_hidden_keys(model):
    date = model.tables["Date"]
    assert date.properties["dataCategory"] == "Time"
    assert model.columns("Date")["Date"].properties.get("isKey") == "true"
    ends = {
        (r.properties["fromColumn"], r.properties["toColumn"], r.properties.get("isActive", "true"))
        for r in model.relationships
    }
    assert ("Sales.'Customer Key'", "Customer.'Customer Key'", "true") in ends
    assert ("Tickets.'Created Date'", "Date.Date", "true") in ends
    assert ("Customer.'Signup Date'", "Date.Date", "false") in ends
    assert ("mtr_revenue_by_month.'Month Start Date'", "Date.Date", "true") in ends
    for name, table in model.tables.items():
        for column in table.all("column"):
            if column.name.endswith(" Key"):
                assert column.properties.get("isHidden") == "true", f"{name}.{column.name}"
    assert "DataFolder" in model.expressions


def test_partitions_read_the_exported_files_with_their_columns(powerbi, model, spec):
    for table in star.all_tables(spec):
        if table.file is None:
            continue
        path = powerbi / f"{table.file}.parquet"
        source = model.tables[table.display].all("partition")[0].properties["source"]
        assert f'DataFolder & "\\{table.file}.parquet"' in source
        exported = [row[0] for row in duckdb.sql(f"describe select * from '{path}'").fetchall()]
        declared = [c.properties["sourceColumn"] for c in model.tables[table.display].all("column")]
        assert declared == exported, table.name


def pii_columns() -> set[str]:
    """Columns the marts mark ``meta: {pii: true}``."""
    marts = yaml.safe_load((REPO / "transform/models/marts/_marts__models.yml").read_text())
    return {
        column["name"]
        for model in marts["models"]
        for column in model.get("columns", [])
        if column.get("config", {}).get("meta", {}).get("pii")
    }


def test_row_exports_hold_no_pii(powerbi):
    pii = pii_columns()
    assert {"email", "full_name"} <= pii
    for name in ("dim_customer", "dim_product", "fct_sales", "fct_tickets"):
        columns = {
            r[0]
            for r in duckdb.sql(
                f"describe select * from '{powerbi / (name + '.parquet')}'"
            ).fetchall()
        }
        assert not columns & pii, name


def test_generation_is_deterministic(powerbi, spec, tmp_path):
    source = mcode.Source("parquet", data_folder=str(powerbi))
    first, second = project_files(spec, source, FACTS), project_files(spec, source, FACTS)
    assert first == second
    write_project(first, tmp_path)
    again = {
        str(p.relative_to(tmp_path)): p.read_bytes()
        for p in sorted(tmp_path.rglob("*"))
        if p.is_file()
    }
    assert again == {k: v.encode() for k, v in first.items()}
    # The demo's own project was generated the same way: regenerate it byte for byte.
    with duckdb.connect() as con:
        from crm_warehouse.publish.powerbi.project import data_facts

        facts = data_facts(con, powerbi)
    demo_files = project_files(spec, source, facts)
    for relative, text in demo_files.items():
        assert (powerbi / relative).read_text(encoding="utf-8") == text, relative


def test_bigquery_target_reads_each_table_where_dbt_built_it(spec, tmp_path):
    datasets = {table.file: "published" for table in star.all_tables(spec) if table.file}
    datasets["fct_sales"] = "sales_dataset"
    source = mcode.Source("bigquery", bigquery_project="acme-crm", datasets=datasets)
    files = project_files(spec, source, FACTS)
    write_project(files, tmp_path)
    model = read_semantic_model(tmp_path / "CRM-Warehouse.SemanticModel" / "definition")
    assert set(model.expressions) == {"BigQueryProject"}
    assert '"acme-crm"' in model.expressions["BigQueryProject"].default
    assert model_problems(model) == []
    for name, table in model.tables.items():
        source = table.all("partition")[0].properties["source"]
        assert "Parquet.Document" not in source and "DataFolder" not in source
        if name != "Date":
            assert "GoogleBigQuery.Database([BillingProject = BigQueryProject])" in source
    kpi = model.tables["mtr_kpi_summary"].all("partition")[0].properties["source"]
    assert '[Name = "published", Kind = "Schema"]' in kpi
    assert '[Name = "mtr_kpi_summary", Kind = "Table"]' in kpi
    sales = model.tables["Sales"].all("partition")[0].properties["source"]
    assert '[Name = "sales_dataset", Kind = "Schema"]' in sales
    assert '[Name = "fct_sales", Kind = "Table"]' in sales
