"""Fixtures that build the dbt project against the hand-made raw fixture.

dbt runs in-process (dbtRunner) against a DuckDB file in a temporary folder; nothing in the
repository is copied or written (target and log paths are temporary too).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult

from crm_warehouse.transform import dbt_internals
from tests.transform import make_raw_fixture

PROJECT_DIR = Path(__file__).resolve().parents[2] / "transform"


@contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _failures(result: dbtRunnerResult) -> str:
    if result.exception is not None:
        return repr(result.exception)
    lines = []
    for node_result in getattr(result.result, "results", None) or []:
        status = str(getattr(node_result, "status", ""))
        if status.lower() in {"error", "fail", "runtime error"}:
            lines.append(f"{node_result.node.unique_id}: {status}: {node_result.message}")
    return "\n".join(lines) or "dbt reported failure"


@dataclass
class DbtWarehouse:
    """A DuckDB warehouse plus the temporary target/log folders dbt writes for it."""

    path: Path
    work_dir: Path
    target: str = "duckdb"
    extra_env: dict[str, str | None] | None = None
    dbt_vars: dict[str, Any] | None = None
    _manifest: Any = None

    @property
    def target_path(self) -> Path:
        return self.work_dir / "target"

    def invoke(self, *args: str, expect_success: bool = True) -> dbtRunnerResult:
        env: dict[str, str | None] = {
            "CRM_WAREHOUSE_DUCKDB_PATH": str(self.path),
            "CRM_WAREHOUSE_TARGET": None,
            "CRM_WAREHOUSE_THREADS": "4",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **(self.extra_env or {}),
        }
        command = [
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target",
            self.target,
            "--target-path",
            str(self.target_path),
            "--log-path",
            str(self.work_dir / "logs"),
            "--quiet",
            *(["--vars", json.dumps(self.dbt_vars)] if self.dbt_vars else []),
        ]
        with _environment(env):
            if self._manifest is None:
                parsed = dbtRunner().invoke(["parse", *command[len(args) :]])
                if not parsed.success:
                    pytest.fail(f"dbt parse failed:\n{_failures(parsed)}")
                self._manifest = parsed.result
            dbt_internals.reset_compiled_state(self._manifest)
            result = dbtRunner(manifest=self._manifest).invoke(command)
        if expect_success and not result.success:
            pytest.fail(f"dbt {' '.join(args)} failed:\n{_failures(result)}")
        return result

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        # Same configuration as dbt-duckdb's connection, which stays open in this process.
        with duckdb.connect(str(self.path)) as connection:
            connection.execute("set TimeZone = 'UTC'")
            return connection.execute(sql).fetchall()

    def query_dicts(self, sql: str) -> list[dict[str, Any]]:
        with duckdb.connect(str(self.path)) as connection:
            connection.execute("set TimeZone = 'UTC'")
            cursor = connection.execute(sql)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str) -> dict[str, Any]:
        rows = self.query_dicts(sql)
        assert len(rows) == 1, f"expected one row from {sql!r}, got {len(rows)}"
        return rows[0]

    def append_sync(self, number: int) -> None:
        make_raw_fixture.write_duckdb(self.path, syncs=[number])


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DbtWarehouse:
    """The initial fixture sync, built once with `dbt build` (seeds, snapshot, models, tests)."""
    work_dir = tmp_path_factory.mktemp("dbt_fixture")
    warehouse = DbtWarehouse(path=work_dir / "warehouse.duckdb", work_dir=work_dir)
    make_raw_fixture.write_duckdb(warehouse.path, syncs=[0])
    warehouse.invoke("build")
    return warehouse
