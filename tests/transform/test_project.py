"""House rules of the dbt project, checked on the manifest and the built warehouse."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.transform.conftest import DbtWarehouse

PII_COLUMNS = {"full_name", "email", "customer_name", "customer_email"}
LAYER_MATERIALIZATION = {
    "staging": {"view"},
    "intermediate": {"ephemeral"},
    "marts": {"table", "incremental"},
    "metrics": {"table"},
    "powerbi": {"table"},
    "quarantine": {"table"},
    "ops": {"view"},
}


@pytest.fixture(scope="module")
def manifest(built_warehouse: DbtWarehouse) -> dict[str, Any]:
    return json.loads((built_warehouse.target_path / "manifest.json").read_text())


def _models(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def _layer(model: dict[str, Any]) -> str:
    return model["fqn"][1]


def test_every_model_states_its_grain_and_describes_every_column(
    manifest: dict[str, Any], built_warehouse: DbtWarehouse
) -> None:
    for model in _models(manifest):
        description = model["description"].lower()
        assert "one row per" in description or "exactly one row" in description, model["name"]
        undocumented = [c for c, spec in model["columns"].items() if not spec["description"]]
        assert not undocumented, (model["name"], undocumented)
        if model["config"]["materialized"] == "ephemeral":
            continue
        built = {
            row[0]
            for row in built_warehouse.query(
                "select column_name from information_schema.columns "
                f"where table_schema = '{model['schema']}' and table_name = '{model['alias']}'"
            )
        }
        assert built == set(model["columns"]), model["name"]


def test_pii_columns_are_tagged_wherever_they_appear(manifest: dict[str, Any]) -> None:
    nodes = [
        *manifest["nodes"].values(),
        *manifest["sources"].values(),
    ]
    tagged = 0
    for node in nodes:
        for name, column in node.get("columns", {}).items():
            if name in PII_COLUMNS:
                assert column["meta"].get("pii") is True, (node["unique_id"], name)
                tagged += 1
    assert tagged >= 10


def test_materializations_and_contracts_follow_the_layers(manifest: dict[str, Any]) -> None:
    for model in _models(manifest):
        layer = _layer(model)
        assert model["config"]["materialized"] in LAYER_MATERIALIZATION[layer], model["name"]
        if layer in {"marts", "metrics", "powerbi"}:
            assert model["config"]["contract"]["enforced"], model["name"]
    incremental = {
        m["name"] for m in _models(manifest) if m["config"]["materialized"] == "incremental"
    }
    assert incremental == {"fct_orders", "fct_order_items"}


def test_critical_tests_cover_keys_relationships_and_revenue(manifest: dict[str, Any]) -> None:
    critical = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and "critical" in n["tags"]
    ]
    kinds = {n.get("test_metadata", {}).get("name", "singular") for n in critical}
    assert {"unique", "not_null", "relationships", "accepted_range", "singular"} <= kinds
    keyed = {
        n["attached_node"].split(".")[-1]
        for n in critical
        if n.get("test_metadata", {}).get("name") == "unique"
    }
    marts = {m["name"] for m in _models(manifest) if _layer(m) == "marts"}
    assert marts <= keyed


def test_critical_selection_runs(built_warehouse: DbtWarehouse) -> None:
    result = built_warehouse.invoke("test", "--select", "tag:critical")
    assert len(result.result.results) >= 40


def test_sources_are_fresh_after_a_load(built_warehouse: DbtWarehouse) -> None:
    result = built_warehouse.invoke("source", "freshness")
    statuses = {str(r.status) for r in result.result.results}
    assert statuses == {"pass"}
    assert len(result.result.results) == 5


def test_the_configured_memory_limit_reaches_duckdb(built_warehouse: DbtWarehouse) -> None:
    limited = DbtWarehouse(
        built_warehouse.path,
        built_warehouse.work_dir,
        extra_env={"CRM_WAREHOUSE_DUCKDB_MEMORY_LIMIT": "1GB"},
    )
    result = limited.invoke("show", "--inline", "select current_setting('memory_limit') as m")
    (shown,) = result.result.results
    assert [tuple(row) for row in shown.agate_table.rows] == [("953.6 MiB",)]  # 1 GB in MiB
