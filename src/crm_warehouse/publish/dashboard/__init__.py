"""The web dashboard: a static site (no server) with the Power BI report's tabs, drawn with the
locally bundled plotly.js from the published row-grain exports, computed in the browser by the
same metric definitions as the DAX measures."""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import plotly

from crm_warehouse.publish.powerbi.layout import PAGES, Page
from crm_warehouse.publish.powerbi.project import DataFacts
from crm_warehouse.publish.powerbi.spec import MetricSpec
from crm_warehouse.publish.powerbi.star import row_tables

log = logging.getLogger(__name__)

ASSETS = Path(__file__).with_name("assets")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
FILTERS = {
    "revenue": ("date", "income"),
    "customers": ("date", "income"),
    "support": ("date", "income", "channel"),
    "weekly_ops": ("date", "income", "channel"),
}


def _table_data(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, list[Any]]:
    cursor = con.execute(f"select * from '{path}'")
    names = [d[0] for d in cursor.description]
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for row in cursor.fetchall():
        for name, value in zip(names, row, strict=True):
            columns[name].append(_plain(value))
    return columns


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, 6)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return float(value)


def dashboard_data(spec: MetricSpec, export_dir: Path) -> dict[str, Any]:
    with duckdb.connect() as con:
        return {
            t.name: _table_data(con, export_dir / f"{t.file}.parquet") for t in row_tables(spec)
        }


def dashboard_spec(spec: MetricSpec, facts: DataFacts) -> dict[str, Any]:
    return {
        "metrics": {
            m.name: {
                "label": m.label,
                "format": m.format,
                "description": m.description,
                "calculation": asdict(m.calculation),
            }
            for m in spec.metrics
        },
        "pages": [asdict(p) for p in PAGES],
        "filters": FILTERS,
        "calendar": {
            "first": facts.first_date.isoformat(),
            "last": facts.last_date.isoformat(),
            "latestFullYear": facts.latest_full_year,
            "lastWeekStart": facts.last_week_start.isoformat(),
        },
    }


def _nav(current: str, ops_link: str | None) -> str:
    links = [("index.html", "Overview", "index")]
    links += [(f"{p.key}.html", p.title, p.key) for p in PAGES]
    items = [
        f'<a href="{href}" class="{"active" if key == current else ""}">{html.escape(title)}</a>'
        for href, title, key in links
    ]
    if ops_link:
        items.append(f'<a href="{ops_link}">Pipeline ops</a>')
    return '<nav class="tabs">' + "".join(items) + "</nav>"


def _page_html(key: str, title: str, nav: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} - CRM Warehouse</title>
<link rel="stylesheet" href="assets/dashboard.css">
<script src="assets/plotly.min.js"></script>
<script src="assets/data.js"></script>
<script src="assets/spec.js"></script>
<script src="assets/engine.js"></script>
</head><body>
<header><h1>{html.escape(title)}</h1>{nav}</header>
<main id="page" data-page="{key}"></main>
<script>CRM.render("{key}");</script>
</body></html>
"""


def write_dashboard(
    spec: MetricSpec,
    export_dir: Path,
    out_dir: Path,
    facts: DataFacts,
    *,
    ops_page: Path | None = None,
) -> Path:
    """Write the site into ``out_dir`` (replaced as a whole); return its index.html."""
    staging = out_dir.with_name(f".{out_dir.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    assets = staging / "assets"
    assets.mkdir(parents=True)
    shutil.copyfile(PLOTLY_JS, assets / "plotly.min.js")
    for name in ("engine.js", "dashboard.css"):
        shutil.copyfile(ASSETS / name, assets / name)
    data = json.dumps(dashboard_data(spec, export_dir), separators=(",", ":"))
    (assets / "data.js").write_text(f"window.CRM_DATA = {data};\n", encoding="utf-8")
    spec_js = json.dumps(dashboard_spec(spec, facts), separators=(",", ":"))
    (assets / "spec.js").write_text(f"window.CRM_SPEC = {spec_js};\n", encoding="utf-8")
    ops_link = os.path.relpath(ops_page, out_dir) if ops_page else None
    pages: list[tuple[str, str]] = [("index", "CRM Warehouse - Overview")]
    pages += [(p.key, p.title) for p in PAGES]
    for key, title in pages:
        (staging / f"{key}.html").write_text(
            _page_html(key, title, _nav(key, ops_link)), encoding="utf-8"
        )
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(out_dir)
    log.info("web dashboard written to %s", out_dir)
    return out_dir / "index.html"


def page_file(site_dir: Path, page: Page) -> Path:
    return site_dir / f"{page.key}.html"
