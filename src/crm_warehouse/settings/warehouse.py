"""The ``[warehouse]`` section: where the warehouse lives and how dbt builds it.

Credentials of a warehouse server (the ``postgres`` and ``bigquery`` targets) belong here, as
``SecretStr`` fields read from ``.secrets.toml`` or the environment like every other secret
(``CRM_WAREHOUSE_WAREHOUSE__<KEY>``). There are none yet: those targets are dbt-only and take
their credentials from the environment variables ``transform/profiles.yml`` names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from crm_warehouse.settings.base import Strict


class WarehouseConfig(Strict):
    target: Literal["duckdb", "postgres", "bigquery"] = "duckdb"
    duckdb_path: Path = Path("data/warehouse.duckdb")
    threads: int = Field(default=4, ge=1)
    memory_limit: str = Field(
        default="80%",
        pattern=r"^\d+(\.\d+)?\s*(%|[KMGT]i?B)$",
        description="DuckDB's memory_limit for dbt builds: a share of RAM ('50%') or a size "
        "('4GB'); beyond it DuckDB spills to disk. 80% is DuckDB's own default",
    )
