"""The ``[publish]`` section: exports for Power BI, dbt docs, the Power BI project."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from crm_warehouse.settings.base import Strict


class PowerBIConfig(Strict):
    """``[publish.powerbi]``: the Power BI project, web dashboard, screenshots, insights."""

    enabled: bool = True
    data_folder: str = Field(default="", description="DataFolder default; empty: export_dir")
    bigquery_project: str = Field(default="", description="for warehouse.target = bigquery")
    dashboard_dir: Path = Path("site/dashboard")
    dashboard_max_rows: int = Field(
        default=500_000,
        gt=0,
        description="the web dashboard embeds the row-grain facts for its filters; above this "
        "many rows it is skipped (the exports and the Power BI project are not)",
    )
    screenshots: bool = Field(default=True, description="when Chromium is installed")
    screenshots_dir: Path = Path("screenshots")
    chromium: Path = Path("/usr/bin/chromium")


class PublishConfig(Strict):
    export_dir: Path = Path("powerbi")
    docs_dir: Path = Path("site/dbt-docs")
    generate_docs: bool = True
    powerbi: PowerBIConfig = PowerBIConfig()
