"""Run dbt in-process. One parse per process; later calls reuse the manifest (dbt's CLI start-up
costs seconds per invocation, an in-process call with a reused manifest well under one)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crm_warehouse.errors import ConfigError, TransformError
from crm_warehouse.settings import Settings
from crm_warehouse.transform import dbt_internals
from crm_warehouse.transform.relations import Relations, read_relations
from crm_warehouse.transform.results import TransformResult, read_results, remove_artifacts
from crm_warehouse.warehouse import OPS_SCHEMA

log = logging.getLogger(__name__)

NodeProgress = Callable[[str, str], None]  # (unique_id, status)


class Dbt:
    """The project's dbt project, bound to this configuration."""

    def __init__(
        self,
        settings: Settings,
        *,
        progress: NodeProgress | None = None,
        run_id: str | None = None,
        target: str | None = None,
        target_path: Path | None = None,
    ) -> None:
        self.settings = settings
        self.project_dir = settings.dbt_project_path
        if not (self.project_dir / "dbt_project.yml").exists():
            raise ConfigError(
                f"no dbt project at {self.project_dir}",
                where="transform.project_dir",
                fix="point transform.project_dir at the repository's transform/",
            )
        self.target_path = target_path or settings.data_path / "dbt" / "target"
        self.log_path = settings.data_path / "logs" / "dbt"
        self._progress = progress
        self._run_id = run_id
        self._target = target
        self._manifest: Any = None
        self._export_environment()

    def _export_environment(self) -> None:
        os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        os.environ["CRM_WAREHOUSE_DUCKDB_PATH"] = str(self.settings.duckdb_path)
        os.environ["CRM_WAREHOUSE_THREADS"] = str(self.settings.warehouse.threads)
        os.environ["CRM_WAREHOUSE_DUCKDB_MEMORY_LIMIT"] = self.settings.warehouse.memory_limit
        # An environment variable, not a --var: dbt re-parses the whole project when vars
        # change, but only the files that read an environment variable when it changes.
        os.environ["CRM_WAREHOUSE_RUN_ID"] = self._run_id or "manual"

    @property
    def target(self) -> str:
        return self._target or self.settings.warehouse.target

    def vars(self) -> dict[str, Any]:
        quality = self.settings.quality
        ops = {"ops_schema": OPS_SCHEMA} if self.settings.warehouse.target == "duckdb" else {}
        return {
            **{f"{name}_timezone": src.timezone for name, src in self.settings.sources.items()},
            "quality_null_ratio": quality.null_ratio.max_ratio,
            "quality_distribution": {
                measure: band.model_dump() for measure, band in quality.distribution.bands.items()
            },
            # the monitor's run store (DuckDB only): dbt builds its metric views (models/ops)
            **ops,
        }

    def _common_args(self) -> list[str]:
        return [
            "--project-dir",
            str(self.project_dir),
            "--profiles-dir",
            str(self.project_dir),
            "--target",
            self.target,
            "--target-path",
            str(self.target_path),
            "--vars",
            json.dumps(self.vars()),
        ]

    def _runner(self) -> Any:
        callbacks = [self._on_event] if self._progress else []
        return dbt_internals.runner(self._manifest, callbacks)

    def _on_event(self, event: Any) -> None:
        finished = dbt_internals.finished_node(event)
        if finished and self._progress:
            self._progress(*finished)

    def invoke(self, command: list[str], *extra: str) -> Any:
        args = [*command, *self._common_args(), "--log-path", str(self.log_path), "--quiet", *extra]
        log.info("dbt %s", " ".join(command + list(extra)))
        remove_artifacts(self.target_path)
        result = self._runner().invoke(args)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise TransformError(
                f"dbt {command[0]} could not run ({_first_line(result.exception)})",
                where=str(self.project_dir),
                fix=f"see {self.log_path / 'dbt.log'}",
            )
        return result

    def parse(self) -> None:
        if self._manifest is None:
            result = self.invoke(["parse"])
            if not result.success:
                raise TransformError(
                    "the dbt project does not parse",
                    where=str(self.project_dir),
                    fix=f"see {self.log_path / 'dbt.log'}",
                )
            self._manifest = result.result

    def run(self, command: list[str], *extra: str) -> TransformResult:
        self.parse()
        result = self.invoke(command, *extra)
        return read_results(self.target_path, " ".join(command), success=bool(result.success))

    def build(self, *extra: str) -> TransformResult:
        """``dbt build``; unit tests (checks of the SQL logic on fixed inputs, not of the data)
        run in the test suite and only with ``transform.unit_tests`` here, as dbt advises."""
        if not self.settings.transform.unit_tests:
            extra = (*extra, "--exclude-resource-type", "unit_test")
        return self.run(["build"], *extra)

    def relations(self) -> Relations:
        """Where the project's models are built, from the manifest of this process's parse or
        build (parsed now if it has done neither)."""
        self.parse()
        return read_relations(self.target_path / "manifest.json")

    def source_freshness(self) -> TransformResult:
        return self.run(["source", "freshness"], "--output", str(self.target_path / "sources.json"))

    def release(self) -> None:
        """Close the database file dbt-duckdb may still hold in this process, so that it can
        be renamed (write-audit-publish promotes the staged file)."""
        if self.settings.warehouse.target == "duckdb":
            dbt_internals.release_duckdb()

    def docs_generate(self) -> Path:
        result = self.run(["docs", "generate"], "--static", "--no-compile")
        if not result.success:
            raise TransformError("dbt docs generate failed", fix=f"see {self.log_path}")
        return self.target_path


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
