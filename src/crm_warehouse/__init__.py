"""CRM-Warehouse-Pipeline: sources -> ingest -> warehouse -> transform -> quality -> publish."""

__version__ = "0.1.0"
