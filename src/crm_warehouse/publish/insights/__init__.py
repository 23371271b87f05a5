"""The insights report (powerbi/insights.md and .html): the seed's Key Metrics and Findings,
Immediate Priorities and Data Cautions, computed from the published tables and worded by rules,
and the metric dictionary generated from the metric definitions. Nothing here is typed in."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
from markdown_it import MarkdownIt

from crm_warehouse.publish.insights.findings import Findings, read_findings
from crm_warehouse.publish.insights.render import render_markdown
from crm_warehouse.publish.powerbi.spec import MetricSpec

log = logging.getLogger(__name__)

__all__ = ["Findings", "read_findings", "write_insights"]


def write_insights(
    spec: MetricSpec, export_dir: Path, con: duckdb.DuckDBPyConnection | Any = None
) -> list[Path]:
    findings = read_findings(export_dir)
    markdown = render_markdown(findings, spec)
    md_path, html_path = export_dir / "insights.md", export_dir / "insights.html"
    md_path.write_text(markdown, encoding="utf-8")
    body = MarkdownIt("commonmark").enable("table").render(markdown)
    html_path.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>CRM Warehouse - insights</title><style>"
        "body{font:14px/1.5 system-ui,sans-serif;max-width:1000px;margin:24px auto;"
        "color:#1d2430;padding:0 16px}table{border-collapse:collapse;margin:8px 0}"
        "th,td{border-bottom:1px solid #e3e6ee;padding:3px 10px;text-align:left}"
        "th{background:#f5f6fa}</style></head><body>\n" + body + "</body></html>\n",
        encoding="utf-8",
    )
    log.info("insights written to %s and %s", md_path, html_path)
    return [md_path, html_path]
