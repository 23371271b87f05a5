"""Microsoft's own tools on the generated project: every M expression parses with
@microsoft/powerquery-parser, and the report passes @microsoft/powerbi-report-authoring-cli
`validate` (offline; and again with its schema step served from the local schema copy)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from crm_warehouse.publish.powerbi import mcode, star
from crm_warehouse.publish.powerbi.project import DataFacts, project_files, write_project
from crm_warehouse.publish.powerbi.spec import load_metric_spec
from crm_warehouse.publish.powerbi.tmdl_reader import read_semantic_model
from tests.conftest import REPO
from tests.publish.conftest import NODE_TOOLS, SCHEMAS

pytestmark = [pytest.mark.node, pytest.mark.e2e]

FACTS = DataFacts(dt.date(2019, 1, 1), dt.date(2022, 1, 31), 2021, dt.date(2022, 1, 31))


def m_documents(definition: Path) -> dict[str, str]:
    model = read_semantic_model(definition)
    documents = {f"expression {name}": obj.default or "" for name, obj in model.expressions.items()}
    for name, table in model.tables.items():
        for partition in table.all("partition"):
            documents[f"partition {name}"] = partition.properties["source"]
    return documents


def parse_m(node: str, documents: dict[str, str]) -> dict[str, str | None]:
    result = subprocess.run(
        [node, str(NODE_TOOLS / "parse-m.mjs")],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=NODE_TOOLS,
    )
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_every_m_expression_parses(node, built, tmp_path):
    documents = m_documents(built.folder / "powerbi" / "CRM-Warehouse.SemanticModel" / "definition")
    spec = load_metric_spec(REPO / "transform")
    datasets = {table.file: "analytics" for table in star.all_tables(spec) if table.file}
    bigquery = mcode.Source("bigquery", bigquery_project="p", datasets=datasets)
    write_project(project_files(spec, bigquery, FACTS), tmp_path)
    bigquery = m_documents(tmp_path / "CRM-Warehouse.SemanticModel" / "definition")
    documents |= {f"bigquery {name}": text for name, text in bigquery.items()}
    tables = len(star.all_tables(spec))
    assert len(documents) == 2 * (tables + 1)  # every table and the parameter, in both modes
    results = parse_m(node, documents)
    assert {name: error for name, error in results.items() if error} == {}


def test_the_m_parser_rejects_broken_m(node):
    results = parse_m(node, {"broken": "let\n    Source = Parquet.Document(\nin\n    Source"})
    assert results["broken"]


def validate(node: str, args: list[str]) -> dict:
    result = subprocess.run(
        [node, *args], capture_output=True, text=True, timeout=300, cwd=NODE_TOOLS
    )
    envelope = json.loads(result.stdout)
    assert "data" in envelope, envelope
    return envelope["data"]


def test_report_passes_the_authoring_cli_validate(node, built):
    report = built.folder / "powerbi" / "CRM-Warehouse.Report"
    cli = NODE_TOOLS / "node_modules" / "@microsoft" / "powerbi-report-authoring-cli" / "dist"
    offline = validate(node, [str(cli / "cli.js"), "validate", "--no-schema", str(report)])
    assert offline["result"] == "succeeded", offline.get("diagnostics")
    assert (offline["errorCount"], offline["warningCount"]) == (0, 0)


def test_report_passes_validate_with_its_schema_step_on_the_local_schemas(node, built):
    if not SCHEMAS.is_dir():
        pytest.skip(f"Microsoft's schemas not found at {SCHEMAS}")
    report = built.folder / "powerbi" / "CRM-Warehouse.Report"
    data = validate(node, ["validate-report.mjs", str(SCHEMAS), str(report)])
    assert data["result"] == "succeeded", data.get("diagnostics")
    assert (data["errorCount"], data["warningCount"]) == (0, 0)
