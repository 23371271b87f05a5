"""Publish: the published tables as files for Power BI, the dbt docs, and the key figures."""

from crm_warehouse.publish.exports import ExportedTable, PublishedTable, export_tables

__all__ = ["ExportedTable", "PublishedTable", "export_tables"]
