"""Development builds: ``crm-warehouse transform --select state:modified+`` builds only the models
that differ from the last production run, into a separate dev database, and reads everything
else from production.

dbt compares the project with the manifest the pipeline kept from the last promoted run
(``<data_dir>/dbt/prod-manifest``, ``--state``) and defers every unselected model to its
production relation (``--defer --favor-state``). The dev target (``transform/profiles.yml``)
attaches the production file read-only under its own database name, so deferred references
resolve to production, and the sources name that database too
(``CRM_WAREHOUSE_PROD_DATABASE``). Nothing is downloaded: it works offline.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from crm_warehouse.errors import ConfigError
from crm_warehouse.settings import Settings
from crm_warehouse.warehouse import require_duckdb

TARGET = "dev"


def prod_manifest_path(settings: Settings) -> Path:
    """Where the pipeline keeps the manifest of the last promoted run."""
    return settings.data_path / "dbt" / "prod-manifest"


def uses_state(select: str | None) -> bool:
    return bool(select) and "state:" in (select or "")


@dataclass(frozen=True)
class DevEnvironment:
    database: Path
    state: Path
    target_path: Path

    def dbt_args(self) -> tuple[str, ...]:
        return ("--state", str(self.state), "--defer", "--favor-state")


def prepare(settings: Settings) -> DevEnvironment:
    """The dev database's folder, and dbt's environment for it."""
    require_duckdb(settings, "state-based development builds")
    state = prod_manifest_path(settings)
    if not (state / "manifest.json").exists():
        raise ConfigError(
            f"no production manifest in {state}",
            fix="run `crm-warehouse run` once; every promoted run keeps its manifest there",
        )
    if not settings.duckdb_path.exists():
        raise ConfigError(
            f"no warehouse at {settings.duckdb_path}",
            fix="run `crm-warehouse run` (or `make demo`) first",
        )
    folder = settings.data_path / "dev"
    env = DevEnvironment(folder / "dev.duckdb", state, folder / "target")
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["CRM_WAREHOUSE_DEV_DUCKDB_PATH"] = str(env.database)
    os.environ["CRM_WAREHOUSE_PROD_DATABASE"] = settings.duckdb_path.stem
    return env
