"""What a source plug-in is: a package under ``sources/`` that exports

* ``config_model``: its ``[sources.<name>]`` model (a ``SourceSettings`` whose ``kind`` is a
  ``Literal`` of the kinds it reads),
* ``raw_tables(name, config)``: the raw tables a sync writes (``<name>_<table>``),
* ``build_source(job)``: the dlt source for one sync of one configured source.

Ingestion keeps the registry of plug-ins (``ingest/registry.py``) and knows nothing else of
them; adding a source kind touches its own folder and one line there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from crm_warehouse.settings import SourceSettings
from crm_warehouse.sources.sync import SyncReport

RowCounter = Callable[[str, int], None]  # (table or file, rows read)


@dataclass
class SourceJob:
    """One sync of one configured source, as ingestion hands it to the plug-in."""

    name: str  # the source's name in the configuration
    config: Any  # the plug-in's own config_model
    pipeline: Any  # the dlt.Pipeline loading it into raw (its state and SQL client)
    sync: SyncReport  # filled in while dlt extracts
    root: Path  # relative paths in the configuration are relative to this folder
    on_rows: RowCounter | None = None

    @property
    def where(self) -> str:
        return f"source {self.name!r}"

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.root / path).resolve()


class SourcePlugin(Protocol):
    config_model: type[SourceSettings]

    def raw_tables(self, name: str, config: Any) -> list[str]: ...

    def build_source(self, job: SourceJob) -> Any: ...
