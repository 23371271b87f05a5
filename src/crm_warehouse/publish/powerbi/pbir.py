"""The report in PBIR: report.json, version.json, pages.json, one page.json per page and one
visual.json per visual, with a small custom theme; every object named by a stable id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm_warehouse.publish.powerbi.dax import home_table
from crm_warehouse.publish.powerbi.ids import short_id
from crm_warehouse.publish.powerbi.layout import DATE, HEIGHT, PAGES, WIDTH, Field, Page, Visual
from crm_warehouse.publish.powerbi.spec import MetricSpec
from crm_warehouse.publish.powerbi.star import Table

SCHEMAS = "https://developer.microsoft.com/json-schemas/fabric"
REPORT_SCHEMA = f"{SCHEMAS}/item/report/definition/report/3.0.0/schema.json"
PAGE_SCHEMA = f"{SCHEMAS}/item/report/definition/page/2.0.0/schema.json"
PAGES_SCHEMA = f"{SCHEMAS}/item/report/definition/pagesMetadata/1.0.0/schema.json"
VISUAL_SCHEMA = f"{SCHEMAS}/item/report/definition/visualContainer/2.2.0/schema.json"
VERSION_SCHEMA = f"{SCHEMAS}/item/report/definition/versionMetadata/1.0.0/schema.json"
THEME = "CRM-Warehouse.json"
PALETTE = (
    "#1f6fb2",
    "#e07b39",
    "#3a9d5d",
    "#c0392b",
    "#7d5ba6",
    "#8c6d46",
    "#d16ba5",
    "#6b7b8c",
    "#b8a229",
    "#2bb3c0",
)
VISUAL_TYPES = {
    "card": "card",
    "bar": "clusteredBarChart",
    "column": "clusteredColumnChart",
    "stacked_column": "columnChart",
    "line": "lineChart",
    "donut": "donutChart",
    "scatter": "scatterChart",
    "table": "tableEx",
    "slicer": "slicer",
}


def _literal(value: str) -> dict[str, Any]:
    return {"expr": {"Literal": {"Value": value}}}


def _text(value: str) -> dict[str, Any]:
    return _literal("'" + value.replace("'", "''") + "'")


class ReportWriter:
    """Turns the page layout into PBIR documents against the semantic model's names."""

    def __init__(
        self,
        spec: MetricSpec,
        tables: dict[str, Table],
        latest_full_year: int,
        last_week_start: dt.date,
    ) -> None:
        self.spec = spec
        self.tables = tables
        self.latest_full_year = latest_full_year
        self.last_week_start = last_week_start

    # fields -------------------------------------------------------------------------------
    def entity(self, table: str) -> str:
        return self.tables[table].display

    def column_field(self, field: Field, source: str | None = None) -> dict[str, Any]:
        ref = {"Source": source} if source else {"Entity": self.entity(field.table)}
        prop = self.tables[field.table].column(field.column).display
        return {"Column": {"Expression": {"SourceRef": ref}, "Property": prop}}

    def measure_field(self, metric: str) -> dict[str, Any]:
        m = self.spec.metric(metric)
        entity = self.entity(home_table(m, self.spec))
        return {"Measure": {"Expression": {"SourceRef": {"Entity": entity}}, "Property": m.label}}

    def projection(self, field: dict[str, Any]) -> dict[str, Any]:
        body = next(iter(field.values()))
        entity, prop = body["Expression"]["SourceRef"]["Entity"], body["Property"]
        return {"field": field, "queryRef": f"{entity}.{prop}", "nativeQueryRef": prop}

    # documents ----------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        version = {"visual": "2.2.0", "report": "3.0.0", "page": "2.0.0"}
        return {
            "$schema": REPORT_SCHEMA,
            "themeCollection": {
                "customTheme": {
                    "name": THEME,
                    "reportVersionAtImport": version,
                    "type": "RegisteredResources",
                }
            },
            "resourcePackages": [
                {
                    "name": "RegisteredResources",
                    "type": "RegisteredResources",
                    "items": [{"name": THEME, "path": THEME, "type": "CustomTheme"}],
                }
            ],
            "settings": {
                "useStylableVisualContainerHeader": True,
                "exportDataMode": "AllowSummarized",
                "defaultDrillFilterOtherVisuals": True,
            },
        }

    @staticmethod
    def theme() -> dict[str, Any]:
        return {
            "name": THEME,
            "dataColors": list(PALETTE),
            "background": "#FFFFFF",
            "foreground": "#1D2430",
            "tableAccent": "#1F6FB2",
        }

    @staticmethod
    def version() -> dict[str, Any]:
        return {"$schema": VERSION_SCHEMA, "version": "2.0.0"}

    def pages(self) -> dict[str, Any]:
        order = [page_id(p) for p in PAGES]
        return {"$schema": PAGES_SCHEMA, "pageOrder": order, "activePageName": order[0]}

    def page(self, page: Page) -> dict[str, Any]:
        document: dict[str, Any] = {
            "$schema": PAGE_SCHEMA,
            "name": page_id(page),
            "displayName": page.title,
            "displayOption": "FitToPage",
            "height": HEIGHT,
            "width": WIDTH,
        }
        if page.recent_weeks:
            start = self.last_week_start - dt.timedelta(weeks=page.recent_weeks - 1)
            document["filterConfig"] = {"filters": [self._since_filter(page, start)]}
        return document

    def visuals(self, page: Page) -> dict[str, dict[str, Any]]:
        documents = {}
        for z, visual in enumerate(page.visuals):
            documents[visual_id(page, visual.key)] = self.visual(page, visual, z)
        y = 16
        for i, slicer in enumerate(page.slicers):
            key = f"slicer_{slicer.table}_{slicer.column}"
            documents[visual_id(page, key)] = self.slicer(page, key, slicer, i, y)
            y += documents[visual_id(page, key)]["position"]["height"] + 12
        return documents

    def _container(
        self, page: Page, key: str, position: dict[str, int], visual: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "$schema": VISUAL_SCHEMA,
            "name": visual_id(page, key),
            "position": position,
            "visual": visual,
        }

    def visual(self, page: Page, visual: Visual, z: int) -> dict[str, Any]:
        position = {
            "x": visual.x,
            "y": visual.y,
            "z": z * 1000,
            "height": visual.h,
            "width": visual.w,
            "tabOrder": z * 1000,
        }
        body: dict[str, Any] = {
            "visualType": VISUAL_TYPES[visual.kind],
            "query": {"queryState": self._query_state(visual)},
            "drillFilterOtherVisuals": True,
        }
        if visual.kind in {"bar", "column", "stacked_column"} and visual.measures:
            body["query"]["sortDefinition"] = {
                "sort": [
                    {"field": self.measure_field(visual.measures[0]), "direction": "Descending"}
                ],
                "isDefaultSort": True,
            }
        if visual.kind in {"line"} and visual.category:
            body["query"]["sortDefinition"] = {
                "sort": [{"field": self.column_field(visual.category), "direction": "Ascending"}],
                "isDefaultSort": True,
            }
        if visual.title:
            body["visualContainerObjects"] = {
                "title": [{"properties": {"show": _literal("true"), "text": _text(visual.title)}}]
            }
        document = self._container(page, visual.key, position, body)
        filters = []
        if visual.top_n and visual.category:
            filters.append(self._top_n_filter(page, visual))
        if visual.latest_full_year:
            filters.append(self._year_filter(page, visual))
        if filters:
            document["filterConfig"] = {"filters": filters}
        return document

    def _query_state(self, visual: Visual) -> dict[str, Any]:
        measures = [self.projection(self.measure_field(m)) for m in visual.measures]
        category = [self.projection(self.column_field(visual.category))] if visual.category else []
        if visual.kind == "card":
            return {"Values": {"projections": measures}}
        if visual.kind == "table":
            return {"Values": {"projections": category + measures}}
        if visual.kind == "scatter":
            return {
                "Category": {"projections": category},
                "X": {"projections": measures[:1]},
                "Y": {"projections": measures[1:2]},
            }
        state = {"Category": {"projections": category}, "Y": {"projections": measures}}
        if visual.series:
            state["Series"] = {"projections": [self.projection(self.column_field(visual.series))]}
        return state

    def slicer(self, page: Page, key: str, field: Field, index: int, y: int) -> dict[str, Any]:
        height = 120 if field == DATE else 90
        position = {
            "x": 16,
            "y": y,
            "z": 90000 + index * 1000,
            "height": height,
            "width": 168,
            "tabOrder": 90000 + index * 1000,
        }
        mode = "Between" if field == DATE else "Dropdown"
        body = {
            "visualType": "slicer",
            "query": {
                "queryState": {
                    "Values": {
                        "projections": [
                            {**self.projection(self.column_field(field)), "active": True}
                        ]
                    }
                }
            },
            "objects": {"data": [{"properties": {"mode": _text(mode)}}]},
            "drillFilterOtherVisuals": True,
        }
        return self._container(page, key, position, body)

    # filters ------------------------------------------------------------------------------
    def _top_n_filter(self, page: Page, visual: Visual) -> dict[str, Any]:
        assert visual.category and visual.top_n
        category, measure = visual.category, visual.measures[0]
        entity = self.entity(category.table)
        measure_entity = self.entity(home_table(self.spec.metric(measure), self.spec))
        inner_from = [{"Name": "c", "Entity": entity, "Type": 0}]
        if measure_entity != entity:
            inner_from.append({"Name": "m", "Entity": measure_entity, "Type": 0})
        measure_ref = {
            "Measure": {
                "Expression": {"SourceRef": {"Source": "m" if measure_entity != entity else "c"}},
                "Property": self.spec.metric(measure).label,
            }
        }
        subquery = {
            "Version": 2,
            "From": inner_from,
            "Select": [{**self.column_field(category, "c"), "Name": "field"}],
            "OrderBy": [{"Direction": 2, "Expression": measure_ref}],
            "Top": visual.top_n,
        }
        return {
            "name": short_id(page.key, visual.key, "top"),
            "field": self.column_field(category),
            "type": "TopN",
            "filter": {
                "Version": 2,
                "From": [
                    {
                        "Name": "subquery",
                        "Expression": {"Subquery": {"Query": subquery}},
                        "Type": 2,
                    },
                    {"Name": "c", "Entity": entity, "Type": 0},
                ],
                "Where": [
                    {
                        "Condition": {
                            "In": {
                                "Expressions": [self.column_field(category, "c")],
                                "Table": {"SourceRef": {"Source": "subquery"}},
                            }
                        }
                    }
                ],
            },
        }

    def _year_filter(self, page: Page, visual: Visual) -> dict[str, Any]:
        year = Field("date", "year")
        return {
            "name": short_id(page.key, visual.key, "year"),
            "field": self.column_field(year),
            "type": "Categorical",
            "filter": {
                "Version": 2,
                "From": [{"Name": "d", "Entity": self.entity("date"), "Type": 0}],
                "Where": [
                    {
                        "Condition": {
                            "In": {
                                "Expressions": [self.column_field(year, "d")],
                                "Values": [[{"Literal": {"Value": f"{self.latest_full_year}L"}}]],
                            }
                        }
                    }
                ],
            },
        }

    def _since_filter(self, page: Page, start: dt.date) -> dict[str, Any]:
        week = Field("date", "week_start")
        return {
            "name": short_id(page.key, "recent_weeks"),
            "field": self.column_field(week),
            "type": "Advanced",
            "filter": {
                "Version": 2,
                "From": [{"Name": "d", "Entity": self.entity("date"), "Type": 0}],
                "Where": [
                    {
                        "Condition": {
                            "Comparison": {
                                "ComparisonKind": 2,
                                "Left": self.column_field(week, "d"),
                                "Right": {
                                    "Literal": {"Value": f"datetime'{start.isoformat()}T00:00:00'"}
                                },
                            }
                        }
                    }
                ],
            },
        }


def page_id(page: Page) -> str:
    return short_id("page", page.key)


def visual_id(page: Page, key: str) -> str:
    return short_id("visual", page.key, key)
