"""Typed configuration, at the bottom of the package: one module per section, and this package
imports no pipeline stage (sources, ingest, transform, quality, publish, monitor). The source
sections are validated by the models the source plug-ins register (``sources.py``)."""

from crm_warehouse.settings.project import (
    CONFIG_FILE_NAME,
    SECRETS_FILE_NAME,
    Settings,
    load_settings,
)
from crm_warehouse.settings.sources import SourceKinds, SourceSettings

__all__ = [
    "CONFIG_FILE_NAME",
    "SECRETS_FILE_NAME",
    "Settings",
    "SourceKinds",
    "SourceSettings",
    "load_settings",
]
