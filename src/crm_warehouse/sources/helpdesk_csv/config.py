"""``[sources.<name>]`` of kind ``helpdesk_csv``: the helpdesk's ticket export folder."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from crm_warehouse.settings.base import SchemaContract
from crm_warehouse.settings.sources import SourceSettings


class HelpdeskCsvSource(SourceSettings):
    """A folder into which the helpdesk drops ticket exports (CSV), one or more files a day."""

    kind: Literal["helpdesk_csv"]
    feed_dir: Path
    pattern: str = "**/*.csv"
    schema_contract: SchemaContract = "quarantine"
