"""Run dbt in-process. One parse per process; later calls reuse the manifest (dbt's CLI start-up
costs seconds per invocation, an in-process call with a reused manifest well under one)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_warehouse.errors import ConfigError, TransformError
from crm_warehouse.settings import Settings
from crm_warehouse.transform.relations import Relations, read_relations
from crm_warehouse.warehouse import OPS_SCHEMA

log = logging.getLogger(__name__)

FAILED = {"error", "fail", "runtime error"}
NodeProgress = Callable[[str, str], None]  # (unique_id, status)


@dataclass
class NodeResult:
    unique_id: str
    resource_type: str
    status: str
    seconds: float
    rows_affected: int | None = None
    message: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass
class TransformResult:
    command: str
    nodes: list[NodeResult] = field(default_factory=list)
    success: bool = True

    @property
    def failures(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.failed]

    def count(self, resource_type: str, status: str | None = None) -> int:
        return sum(
            1
            for n in self.nodes
            if n.resource_type == resource_type and (status is None or n.status == status)
        )


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
        from dbt.cli.main import dbtRunner

        if self._manifest is not None:
            _reset_compiled_state(self._manifest)
        callbacks = [self._on_event] if self._progress else []
        return dbtRunner(manifest=self._manifest, callbacks=callbacks)

    def _on_event(self, event: Any) -> None:
        if event.info.name == "NodeFinished" and self._progress:
            info = event.data.node_info
            self._progress(info.unique_id, info.node_status)

    def invoke(self, command: list[str], *extra: str) -> Any:
        args = [*command, *self._common_args(), "--log-path", str(self.log_path), "--quiet", *extra]
        log.info("dbt %s", " ".join(command + list(extra)))
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
        return _collect(" ".join(command), result)

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
        if self.settings.warehouse.target != "duckdb":
            return
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        environment = DuckDBConnectionManager._ENV
        if environment is not None:
            environment.close()
        DuckDBConnectionManager.close_all_connections()

    def docs_generate(self) -> Path:
        result = self.run(["docs", "generate"], "--static", "--no-compile")
        if not result.success:
            raise TransformError("dbt docs generate failed", fix=f"see {self.log_path}")
        return self.target_path


def _reset_compiled_state(manifest: Any) -> None:
    """dbt marks a compiled node's ephemeral CTEs as injected; reused as is, the next call
    compiles the node without them (``__dbt__cte__... does not exist``). Clear the marks."""
    from dbt.contracts.graph.nodes import CompiledNode

    for node in manifest.nodes.values():
        if isinstance(node, CompiledNode):
            node.extra_ctes_injected = False
            node.extra_ctes = []
            node.compiled = False
            node._pre_injected_sql = None


def _collect(command: str, result: Any) -> TransformResult:
    nodes: list[NodeResult] = []
    for item in getattr(result.result, "results", None) or []:
        node = getattr(item, "node", None)
        unique_id = getattr(node, "unique_id", None) or getattr(item, "unique_id", "?")
        adapter_response = getattr(item, "adapter_response", None) or {}
        nodes.append(
            NodeResult(
                unique_id=unique_id,
                resource_type=unique_id.split(".", 1)[0],
                status=str(getattr(item.status, "value", item.status)).lower(),
                seconds=float(getattr(item, "execution_time", 0.0) or 0.0),
                rows_affected=adapter_response.get("rows_affected"),
                message=getattr(item, "message", None),
            )
        )
    return TransformResult(command=command, nodes=nodes, success=bool(result.success))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
