"""The publish step's Power BI outputs, after the exports (the mtr_ and row-grain tables): the
Power BI project, the insights report, the web dashboard and its screenshots."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from crm_warehouse.publish.dashboard import write_dashboard
from crm_warehouse.publish.dashboard.screenshots import take_screenshots
from crm_warehouse.publish.exports import ExportedTable
from crm_warehouse.publish.insights import write_insights
from crm_warehouse.publish.powerbi import mcode, star
from crm_warehouse.publish.powerbi.project import data_facts, project_files, write_project
from crm_warehouse.publish.powerbi.spec import load_metric_spec
from crm_warehouse.settings import Settings
from crm_warehouse.transform import Relations

log = logging.getLogger(__name__)


@dataclass
class Generated:
    pbip: Path | None = None
    row_tables: dict[str, int] = field(default_factory=dict)
    insights: list[Path] = field(default_factory=list)
    dashboard: Path | None = None
    screenshots: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def source_for(settings: Settings, relations: Relations) -> mcode.Source:
    """Partitions read BigQuery on the bigquery target (each table where dbt built it), else
    the exported Parquet files."""
    config = settings.publish.powerbi
    if settings.warehouse.target == "bigquery":
        datasets = {name: model.schema for name, model in relations.models.items()}
        return mcode.Source("bigquery", bigquery_project=config.bigquery_project, datasets=datasets)
    return mcode.Source("parquet", data_folder=config.data_folder or str(settings.export_path))


def generate_all(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    exported: list[ExportedTable],
    relations: Relations,
    say: Callable[[str], None] = lambda _m: None,
) -> Generated:
    """Everything built from the exported files (``exported``, in place in the export folder)."""
    config = settings.publish.powerbi
    generated = Generated()
    if not config.enabled:
        return generated
    spec = load_metric_spec(settings.dbt_project_path)
    export_dir = settings.export_path
    row_files = {table.file for table in star.row_tables(spec)}
    generated.row_tables = {t.name: t.rows for t in exported if t.name in row_files}
    facts = data_facts(con, export_dir)
    source = source_for(settings, relations)
    generated.pbip = write_project(project_files(spec, source, facts), export_dir)
    say(f"publish: Power BI project -> {generated.pbip}")
    generated.insights = write_insights(spec, export_dir, con)
    say(f"publish: insights report -> {generated.insights[0]}")
    fact_rows = sum(generated.row_tables.values())
    if fact_rows > config.dashboard_max_rows:
        note = (
            f"web dashboard and screenshots skipped: {fact_rows:,} row-grain fact rows exceed "
            f"publish.powerbi.dashboard_max_rows = {config.dashboard_max_rows:,}"
        )
        generated.notes.append(note)
        say(f"publish: {note}")
        log.warning(note)
        return generated
    ops_page = settings.resolve(settings.monitor.ops_page)
    generated.dashboard = write_dashboard(
        spec, export_dir, settings.resolve(config.dashboard_dir), facts, ops_page=ops_page
    )
    say(f"publish: web dashboard -> {generated.dashboard}")
    if config.screenshots:
        shots = take_screenshots(
            generated.dashboard.parent,
            settings.resolve(config.screenshots_dir),
            chromium=config.chromium,
        )
        generated.screenshots = shots
        if shots:
            say(f"publish: {len(shots)} screenshots -> {shots[0].parent}")
        else:
            generated.notes.append(f"no screenshots: {config.chromium} not found")
            log.info("screenshots skipped: %s not found", config.chromium)
    return generated
