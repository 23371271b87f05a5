"""Expected failures print one line (what, where, fix) and exit non-zero, with no traceback."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO, Project

pytestmark = pytest.mark.e2e


def assert_one_line_error(result, *needles: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "fix:" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def fresh(tmp_path) -> Project:
    from tests.conftest import write_config

    return Project(tmp_path, write_config(tmp_path))


def test_unreachable_postgres_source(demo_copy):
    result = demo_copy.cli(
        "run",
        check=False,
        env={
            "CRM_WAREHOUSE_SOURCES__CRM__KIND": "postgres",
            "CRM_WAREHOUSE_SOURCES__CRM__URL": "postgresql://crm:s3cret-pw@127.0.0.1:1/crm",
        },
    )
    assert_one_line_error(result, "source 'crm'", "Connection refused")
    assert result.returncode == 3
    assert "s3cret-pw" not in result.stdout + result.stderr


def test_missing_feed_folder(demo_copy):
    shutil.rmtree(demo_copy.folder / "data" / "feeds" / "helpdesk")
    result = demo_copy.cli("ingest", check=False)
    assert_one_line_error(result, "feed folder", "does not exist")


def test_invalid_config(fresh):
    fresh.config.write_text(
        fresh.config.read_text().replace('target = "duckdb"', 'target = "oracle"')
    )
    result = fresh.cli("run", check=False)
    assert_one_line_error(result, "warehouse.target")
    assert result.returncode == 2


def test_status_before_any_run(fresh):
    assert_one_line_error(fresh.cli("status", check=False), "no warehouse")


def test_failing_data_test_stops_before_publish(demo_copy):
    project_dir = demo_copy.folder / "transform"
    shutil.copytree(
        REPO / "transform", project_dir, ignore=shutil.ignore_patterns("target", "logs")
    )
    (project_dir / "tests" / "assert_no_negative_order_revenue.sql").write_text(
        "select order_id from {{ ref('fct_orders') }} where order_revenue_gbp >= 0\n"
    )
    manifest = (demo_copy.folder / "powerbi" / "manifest.json").read_bytes()
    result = demo_copy.cli(
        "run", check=False, env={"CRM_WAREHOUSE_TRANSFORM__PROJECT_DIR": str(project_dir)}
    )
    assert_one_line_error(result, "assert_no_negative_order_revenue")
    assert result.returncode == 4
    assert (demo_copy.folder / "powerbi" / "manifest.json").read_bytes() == manifest
