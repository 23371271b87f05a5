"""Monitoring: every run and step is recorded in the warehouse's ``ops`` schema."""

from crm_warehouse.monitor.runs import RunRecorder, new_run_id

__all__ = ["RunRecorder", "new_run_id"]
