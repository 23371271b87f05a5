"""Publish: the metric tables as files for Power BI, the dbt docs, and the key figures."""

from crm_warehouse.publish.exports import ExportedTable, export_metric_tables

__all__ = ["ExportedTable", "export_metric_tables"]
