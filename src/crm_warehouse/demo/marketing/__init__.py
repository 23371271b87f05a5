"""The demo's marketing tool: seeded data derived from the CRM (``data.py``) and a local mock
of its REST API that serves it (``server.py``)."""

from crm_warehouse.demo.marketing.data import write_marketing
from crm_warehouse.demo.marketing.server import Faults, MockMarketingApi, serve_folder

__all__ = ["Faults", "MockMarketingApi", "serve_folder", "write_marketing"]
