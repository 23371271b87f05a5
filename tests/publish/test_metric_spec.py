"""The metric definitions load from the dbt project and are checked before anything is built."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crm_warehouse.errors import PublishError
from crm_warehouse.publish.dashboard.screenshots import take_screenshots
from crm_warehouse.publish.powerbi.spec import (
    DEFINITIONS_FILE,
    METRIC_MODELS_FILE,
    ROW_MODELS_FILE,
    load_metric_spec,
)
from tests.conftest import REPO


def test_definitions_load_with_every_dependency():
    spec = load_metric_spec(REPO / "transform")
    names = [m.name for m in spec.metrics]
    assert len(names) == len(set(names)) == len({m.label for m in spec.metrics})
    assert spec.metric("aov").calculation.numerator == "total_revenue"
    assert spec.dependencies("csat_positive_pct") == ("positive_csat_tickets", "rated_tickets")
    assert spec.models["mtr_kpi_summary"].grain == "Exactly one row: the headline figures."
    sales = spec.row_models[0]
    assert (sales.name, sales.meta["powerbi"]["table"]) == ("fct_sales", "sales")
    assert sales.columns[-1].data_type == "decimal(18,2)"


def project_with(tmp_path: Path, edit: tuple[str, str]) -> Path:
    for relative in (DEFINITIONS_FILE, METRIC_MODELS_FILE, ROW_MODELS_FILE):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "transform" / relative, tmp_path / relative)
    path = tmp_path / DEFINITIONS_FILE
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    return tmp_path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("- name: units\n", "- name: total_revenue\n"), "duplicate metric 'total_revenue'"),
        (
            ("{kind: sum, table: sales, column: quantity}", "{kind: total, table: sales}"),
            "units: unknown kind 'total'",
        ),
        (
            (
                "numerator: total_revenue, denominator: units",
                "numerator: revenue, denominator: units",
            ),
            "depends on unknown metric 'revenue'",
        ),
        (
            ("{model: mtr_kpi_summary, column: units}", "{model: mtr_kpi_summary, column: unit}"),
            "certified_in mtr_kpi_summary.unit not found",
        ),
    ],
)
def test_invalid_definitions_fail_with_one_clear_line(tmp_path, edit, message):
    with pytest.raises(PublishError, match="invalid metric definitions") as raised:
        load_metric_spec(project_with(tmp_path, edit))
    assert message in raised.value.one_line()


def test_screenshots_are_skipped_without_chromium(tmp_path):
    assert take_screenshots(tmp_path, tmp_path / "shots", chromium=tmp_path / "no-chromium") == []
    assert not (tmp_path / "shots").exists()
