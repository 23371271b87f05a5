"""The ``[demo]`` section: how ``crm-warehouse demo`` generates its sources, and the services
the demo runs for them (a local mock of the marketing tool's REST API)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from crm_warehouse.settings.base import Strict


class MarketingMock(Strict):
    """``[demo.marketing_mock]``: the demo serves the files in ``folder`` (written by
    ``crm-warehouse demo``) from a local mock of the marketing API while a command ingests,
    and gives the source named ``source`` its address and token."""

    source: str = "marketing"
    folder: Path = Path("data/source/marketing")


class DemoConfig(Strict):
    seed: int = 42
    scale: float = Field(default=1.0, gt=0)
    marketing_mock: MarketingMock | None = None
