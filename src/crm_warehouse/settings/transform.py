"""The ``[transform]`` section: the dbt project and how the pipeline runs it."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from crm_warehouse.settings.base import Strict


class TransformConfig(Strict):
    project_dir: Path = Path("transform")
    fail_on_freshness: bool = True
    unit_tests: bool = Field(default=False, description="also run dbt unit tests in `run`")
