"""Monitoring: every run and step is recorded in the warehouse's ``ops`` schema, then turned into
metrics (``ops.mtr_*``, Prometheus text, the ops page) and alerts (one per incident).

Names are imported lazily: ``crm_warehouse.config`` imports ``monitor.settings``, and the modules
below import the config.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_warehouse.monitor.runs import RunRecorder, StepRecord, new_run_id, stage
    from crm_warehouse.monitor.schema_changes import SchemaChange, record_schema_changes

__all__ = [
    "RunRecorder",
    "SchemaChange",
    "StepRecord",
    "new_run_id",
    "record_schema_changes",
    "stage",
]

_HOMES = {
    "RunRecorder": "runs",
    "StepRecord": "runs",
    "new_run_id": "runs",
    "stage": "runs",
    "SchemaChange": "schema_changes",
    "record_schema_changes": "schema_changes",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
