"""Ingestion: run one dlt pipeline per configured source into the warehouse's raw dataset.

``ingest`` and ``pipeline_name`` are imported on first use, so that reading ``SourceLoad`` (the
monitor, the CLI) does not import dlt.
"""

from __future__ import annotations

from typing import Any

from crm_warehouse.ingest.result import SourceLoad

__all__ = ["SourceLoad", "ingest", "pipeline_name"]


def __getattr__(name: str) -> Any:
    if name in {"ingest", "pipeline_name"}:
        from crm_warehouse.ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
