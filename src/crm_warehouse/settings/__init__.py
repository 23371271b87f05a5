"""Typed configuration, at the bottom of the package: every section model lives here and this
package imports no pipeline stage (sources, ingest, transform, quality, publish, monitor)."""

from crm_warehouse.settings.project import (
    CONFIG_FILE_NAME,
    SECRETS_FILE_NAME,
    HelpdeskCsvSource,
    MarketingApiSource,
    Settings,
    SourceConfig,
    SqlDatabaseSource,
    load_settings,
)

__all__ = [
    "CONFIG_FILE_NAME",
    "SECRETS_FILE_NAME",
    "HelpdeskCsvSource",
    "MarketingApiSource",
    "Settings",
    "SourceConfig",
    "SqlDatabaseSource",
    "load_settings",
]
