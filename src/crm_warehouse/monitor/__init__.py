"""Monitoring: every run and step is recorded in the warehouse's ``ops`` schema, then turned into
metrics (``ops.mtr_*``, Prometheus text, the ops page) and alerts (one per incident)."""

from crm_warehouse.monitor.runs import RunRecorder, StepRecord, new_run_id, stage
from crm_warehouse.monitor.syncs import SchemaChange, record_schema_changes

__all__ = [
    "RunRecorder",
    "SchemaChange",
    "StepRecord",
    "new_run_id",
    "record_schema_changes",
    "stage",
]
