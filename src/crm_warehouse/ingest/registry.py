"""The source plug-ins ingestion knows, by ``kind``. A new source kind is a package under
``sources/`` (see ``sources/plugin.py``) and one line in ``PLUGINS``."""

from __future__ import annotations

from crm_warehouse.settings import SourceKinds
from crm_warehouse.settings.sources import kinds_of
from crm_warehouse.sources import crm_database, helpdesk_csv, marketing_api
from crm_warehouse.sources.plugin import SourcePlugin

PLUGINS: tuple[SourcePlugin, ...] = (
    crm_database,  # type: ignore[tuple-item]
    helpdesk_csv,  # type: ignore[tuple-item]
    marketing_api,  # type: ignore[tuple-item]
)

BY_KIND: dict[str, SourcePlugin] = {
    kind: plugin for plugin in PLUGINS for kind in kinds_of(plugin.config_model)
}


def source_kinds() -> SourceKinds:
    """Each kind's configuration model, for ``settings.load_settings``."""
    return {kind: plugin.config_model for kind, plugin in BY_KIND.items()}


def plugin_for(kind: str) -> SourcePlugin:
    return BY_KIND[kind]
