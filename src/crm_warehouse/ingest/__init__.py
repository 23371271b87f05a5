"""Ingestion: run one dlt pipeline per configured source into the warehouse's raw dataset."""

from crm_warehouse.ingest.pipeline import SourceLoad, ingest

__all__ = ["SourceLoad", "ingest"]
