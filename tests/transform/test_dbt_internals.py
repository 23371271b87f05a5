"""The dbt internals the pipeline relies on (transform/dbt_internals.py) are still there: an
upgrade of dbt-core or dbt-duckdb that moves them fails here, naming what is missing."""

from __future__ import annotations

import pytest

from crm_warehouse.errors import TransformError
from crm_warehouse.transform import dbt_internals


def test_the_installed_dbt_has_the_internals_the_pipeline_uses():
    dbt_internals.check()


def test_a_missing_internal_is_named(monkeypatch):
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    monkeypatch.delattr(DuckDBConnectionManager, "_ENV")
    with pytest.raises(TransformError) as error:
        dbt_internals.check()
    line = error.value.one_line()
    assert "DuckDBConnectionManager._ENV" in line
    assert "dbt_internals.py" in line and "fix:" in line
