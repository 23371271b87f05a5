"""Generate the Power BI project (PBIP): ``CRM-Warehouse.pbip``, its ``.SemanticModel`` (TMDL)
and ``.Report`` (PBIR) folders. Deterministic: the same definitions and data give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.publish.powerbi import mcode, star
from crm_warehouse.publish.powerbi.ids import guid
from crm_warehouse.publish.powerbi.layout import PAGES
from crm_warehouse.publish.powerbi.pbir import THEME, ReportWriter, page_id
from crm_warehouse.publish.powerbi.spec import MetricSpec
from crm_warehouse.publish.powerbi.tmdl import semantic_model_files

log = logging.getLogger(__name__)

NAME = "CRM-Warehouse"
SCHEMAS = "https://developer.microsoft.com/json-schemas/fabric"
PLATFORM_SCHEMA = f"{SCHEMAS}/gitIntegration/platformProperties/2.0.0/schema.json"
PBIP_SCHEMA = f"{SCHEMAS}/pbip/pbipProperties/1.0.0/schema.json"
PBIR_SCHEMA = f"{SCHEMAS}/item/report/definitionProperties/2.0.0/schema.json"
PBISM_SCHEMA = f"{SCHEMAS}/item/semanticModel/definitionProperties/1.0.0/schema.json"


@dataclass(frozen=True)
class DataFacts:
    """What the generated project needs to know about the data: the calendar's span, the
    latest full year (for the 'latest full year' cards) and the latest week with tickets."""

    first_date: dt.date
    last_date: dt.date
    latest_full_year: int
    last_week_start: dt.date


def data_facts(con: duckdb.DuckDBPyConnection, export_dir: Path) -> DataFacts:
    """Read the facts from the exported files (row tables and mtr_revenue_by_year)."""
    files = {
        name: export_dir / f"{name}.parquet"
        for name in ("fct_sales", "fct_tickets", "dim_customer", "mtr_revenue_by_year")
    }
    row = con.execute(
        f"select least(min_sales, min_tickets, min_signup), greatest(max_sales, max_tickets) from "
        f"(select min(ordered_date) as min_sales, max(ordered_date) as max_sales "
        f"from '{files['fct_sales']}'), "
        f"(select min(created_date) as min_tickets, max(created_date) as max_tickets "
        f"from '{files['fct_tickets']}'), "
        f"(select min(signup_date) as min_signup from '{files['dim_customer']}')"
    ).fetchone()
    year = con.execute(
        f"select max(calendar_year) from '{files['mtr_revenue_by_year']}' where not is_partial_year"
    ).fetchone()
    assert row and year
    first, last = row[0], row[1]
    return DataFacts(
        first,
        last,
        int(year[0] if year[0] is not None else last.year),
        last - dt.timedelta(days=last.weekday()),
    )


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _platform(kind: str) -> dict[str, Any]:
    return {
        "$schema": PLATFORM_SCHEMA,
        "metadata": {"type": kind, "displayName": NAME},
        "config": {"version": "2.0", "logicalId": guid("item", kind, NAME)},
    }


def project_files(spec: MetricSpec, source: mcode.Source, facts: DataFacts) -> dict[str, str]:
    """Every file of the project: relative path under the export folder -> text."""
    tables = star.all_tables(spec)
    relationships = star.relationships(tables)
    model, report = f"{NAME}.SemanticModel", f"{NAME}.Report"
    files = {
        f"{NAME}.pbip": _json(
            {
                "$schema": PBIP_SCHEMA,
                "version": "1.0",
                "artifacts": [{"report": {"path": report}}],
                "settings": {"enableAutoRecovery": True},
            }
        ),
        f"{model}/.platform": _json(_platform("SemanticModel")),
        f"{model}/definition.pbism": _json(
            {"$schema": PBISM_SCHEMA, "version": "4.2", "settings": {"qnaEnabled": False}}
        ),
        f"{report}/.platform": _json(_platform("Report")),
        f"{report}/definition.pbir": _json(
            {
                "$schema": PBIR_SCHEMA,
                "version": "4.0",
                "datasetReference": {"byPath": {"path": f"../{model}"}},
            }
        ),
    }
    calendar = (facts.first_date, facts.last_date)
    for path, text in semantic_model_files(spec, tables, relationships, source, calendar).items():
        files[f"{model}/definition/{path}"] = text
    writer = ReportWriter(
        spec, {t.name: t for t in tables}, facts.latest_full_year, facts.last_week_start
    )
    definition = f"{report}/definition"
    files[f"{definition}/version.json"] = _json(writer.version())
    files[f"{definition}/report.json"] = _json(writer.report())
    files[f"{definition}/pages/pages.json"] = _json(writer.pages())
    files[f"{report}/StaticResources/RegisteredResources/{THEME}"] = _json(writer.theme())
    for page in PAGES:
        folder = f"{definition}/pages/{page_id(page)}"
        files[f"{folder}/page.json"] = _json(writer.page(page))
        for name, document in writer.visuals(page).items():
            files[f"{folder}/visuals/{name}/visual.json"] = _json(document)
    return files


def write_project(files: dict[str, str], export_dir: Path) -> Path:
    """Write the project beside the exports, replacing the previous one as a whole."""
    staging = export_dir / ".tmp-pbip"
    shutil.rmtree(staging, ignore_errors=True)
    for relative, text in sorted(files.items()):
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    for top in sorted({Path(relative).parts[0] for relative in files}):
        target = export_dir / top
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        (staging / top).rename(target)
    staging.rmdir()
    log.info("Power BI project written: %d files under %s", len(files), export_dir)
    return export_dir / f"{NAME}.pbip"
