"""The pull request summary of a state:modified+ build, from dbt artifacts the test writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crm_warehouse.transform.review import change_reason, main, review, to_markdown

PROJECT = "acme"


def model(name: str, checksum: str, *, macros: list[str] | None = None, **config: Any) -> dict:
    return {
        "unique_id": f"model.{PROJECT}.{name}",
        "name": name,
        "resource_type": "model",
        "checksum": {"name": "sha256", "checksum": checksum},
        "unrendered_config": {"materialized": "table", **config},
        "depends_on": {"macros": macros or [], "nodes": []},
    }


def data_test(name: str, attached: str | None, reads: list[str]) -> dict:
    return {
        "unique_id": f"test.{PROJECT}.{name}",
        "name": name,
        "resource_type": "test",
        "attached_node": attached,
        "depends_on": {"macros": [], "nodes": reads},
    }


def macro(name: str, sql: str, calls: list[str] | None = None) -> dict:
    return {"macro_sql": sql, "depends_on": {"macros": calls or []}}


def manifest(nodes: list[dict], macros: dict | None = None, unit_tests: dict | None = None):
    return {
        "metadata": {"generated_at": "2031-05-04T03:02:01Z"},
        "nodes": {node["unique_id"]: node for node in nodes},
        "macros": macros or {},
        "unit_tests": unit_tests or {},
    }


def result(unique_id: str, status: str, seconds: float = 0.5, failures: int | None = None):
    return {
        "unique_id": unique_id,
        "status": status,
        "execution_time": seconds,
        "failures": failures,
        "message": None,
        "timing": [],
        "adapter_response": {},
    }


def write(folder: Path, name: str, document: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(document))


def uid(name: str, kind: str = "model") -> str:
    return f"{kind}.{PROJECT}.{name}"


@pytest.fixture
def artifacts(tmp_path: Path) -> tuple[Path, Path]:
    """Production has four models; the change edits `orders`, reconfigures `refunds`, edits a
    macro `payments` calls through another macro, adds `returns`, and `revenue` reads `orders`.
    """
    macros_before = {
        "macro.acme.cents": macro("cents", "{{ x }} / 100"),
        "macro.acme.money": macro("money", "{{ cents(x) }}", ["macro.acme.cents"]),
    }
    macros_now = {**macros_before, "macro.acme.cents": macro("cents", "{{ x }} / 100.0")}
    prod = manifest(
        [
            model("orders", "a1"),
            model("refunds", "b1"),
            model("payments", "c1", macros=["macro.acme.money"]),
            model("revenue", "d1"),
        ],
        macros_before,
    )
    unit = {
        uid("orders.orders_totals", "unit_test"): {
            "name": "orders_totals",
            "depends_on": {"nodes": [uid("orders")]},
        }
    }
    dev = manifest(
        [
            model("orders", "a2"),
            model("refunds", "b1", materialized_as="view"),
            model("payments", "c1", macros=["macro.acme.money"]),
            model("revenue", "d1"),
            model("returns", "e1"),
            data_test("unique_orders_order_id", uid("orders"), [uid("orders")]),
            data_test("not_null_revenue_amount", uid("revenue"), [uid("revenue")]),
            data_test("revenue_matches_orders", None, [uid("orders"), uid("revenue")]),
        ],
        macros_now,
        unit,
    )
    runs = {
        "metadata": {"generated_at": "2031-05-04T04:00:00Z", "invocation_id": "i-1"},
        "results": [
            result(uid("orders"), "success", 1.25),
            result(uid("refunds"), "success"),
            result(uid("payments"), "success"),
            result(uid("returns"), "success"),
            result(uid("revenue"), "success"),
            result(uid("unique_orders_order_id", "test"), "pass"),
            result(uid("not_null_revenue_amount", "test"), "fail", failures=3),
            result(uid("revenue_matches_orders", "test"), "pass"),
            result(uid("orders.orders_totals", "unit_test"), "pass"),
        ],
    }
    target, state = tmp_path / "target", tmp_path / "prod-manifest"
    write(target, "manifest.json", dev)
    write(target, "run_results.json", runs)
    write(state, "manifest.json", prod)
    return target, state


def test_each_node_says_why_it_was_selected(artifacts: tuple[Path, Path]) -> None:
    found = review(*artifacts)

    reasons = {node.name: node.reason for node in found.built}
    assert reasons == {
        "orders": "modified",
        "refunds": "config changed",
        "payments": "macro changed",
        "returns": "new",
        "revenue": "downstream",
    }


def test_tests_are_counted_under_the_node_they_check(artifacts: tuple[Path, Path]) -> None:
    found = review(*artifacts)

    checks = {node.name: sorted(c.name for c in node.checks) for node in found.built}
    assert checks["orders"] == ["orders_totals", "unique_orders_order_id"]
    assert checks["revenue"] == ["not_null_revenue_amount"]
    assert [c.name for c in found.unattached] == ["revenue_matches_orders"]
    assert found.failed
    assert [node.name for node in found.built if node.failed] == ["revenue"]


def test_markdown_lists_nodes_tallies_and_failures(artifacts: tuple[Path, Path]) -> None:
    text = to_markdown(review(*artifacts))

    assert "manifest of 2031-05-04T03:02:01Z): 5 nodes built, 4 tests run, 1 failed." in text
    assert "| model `orders` | modified | success | 1.2 | 2 pass |" in text
    assert "| model `revenue` | downstream | success | 0.5 | 1 fail |" in text
    assert "Tests across several nodes: 1 pass." in text
    assert "- `not_null_revenue_amount`: fail, 3 failing rows" in text


def test_an_unchanged_project_builds_nothing(tmp_path: Path) -> None:
    prod = manifest([model("orders", "a1")])
    write(tmp_path / "target", "manifest.json", prod)
    write(tmp_path / "target", "run_results.json", {"metadata": {}, "results": []})
    write(tmp_path / "state", "manifest.json", prod)

    text = to_markdown(review(tmp_path / "target", tmp_path / "state"))

    assert text.startswith("### dbt: nothing to build")
    assert "manifest of 2031-05-04T03:02:01Z" in text


def test_a_removed_macro_counts_as_a_change() -> None:
    node = model("payments", "c1", macros=["macro.acme.money"])
    prod = manifest([node], {"macro.acme.money": macro("money", "x")})
    dev = manifest([node], {})

    assert change_reason(node["unique_id"], dev, prod) == "macro changed"


def test_main_writes_the_summary_and_fails_on_a_failed_test(
    artifacts: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target, state = artifacts
    out = tmp_path / "summary" / "pr.md"

    code = main(["--target-path", str(target), "--state", str(state), "--out", str(out)])

    assert code == 1
    assert out.read_text() == capsys.readouterr().out
    assert "not_null_revenue_amount" in out.read_text()


def test_main_passes_when_everything_passed(artifacts: tuple[Path, Path]) -> None:
    target, state = artifacts
    runs = json.loads((target / "run_results.json").read_text())
    for item in runs["results"]:
        item["status"] = "pass" if item["status"] == "fail" else item["status"]
        item["failures"] = None
    write(target, "run_results.json", runs)

    assert main(["--target-path", str(target), "--state", str(state)]) == 0


def test_missing_artifacts_are_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--target-path", str(tmp_path / "none"), "--state", str(tmp_path)])

    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no run_results.json in ")
    assert "fix: run `crm-warehouse transform --select state:modified+` first" in err
    assert len(err.splitlines()) == 1
