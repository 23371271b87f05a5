"""The demo warehouse, built once per test session through the real CLI, and reused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from crm_warehouse.config import Settings, load_settings
from tests.conftest import write_config

CLI = str(Path(sys.executable).with_name("crm-warehouse"))


@dataclass
class Project:
    folder: Path
    config: Path

    @property
    def settings(self) -> Settings:
        return load_settings(self.config)

    def cli(self, *args: str, env: dict[str, str] | None = None, check: bool = True
            ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [CLI, "--config", str(self.config), *args], capture_output=True, text=True,
            env=os.environ | {"COLUMNS": "200"} | (env or {}), timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"crm-warehouse {' '.join(args)} failed:\n"
                                 f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result

    def sql(self, query: str) -> list[tuple]:
        with duckdb.connect(str(self.folder / "data" / "warehouse.duckdb"), read_only=True) as c:
            return c.execute(query).fetchall()

    def copy(self, dest: Path) -> Project:
        shutil.copytree(self.folder, dest, symlinks=True)
        config = dest / self.config.name
        config.write_text(self.config.read_text())
        return Project(dest, config)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """`crm-warehouse demo` at the default (seed) scale: the calibration targets hold here."""
    folder = tmp_path_factory.mktemp("demo")
    project = Project(folder, write_config(folder))
    project.first_output = project.cli("demo").stdout  # type: ignore[attr-defined]
    return project


@pytest.fixture
def demo_copy(demo: Project, tmp_path: Path) -> Project:
    """A private copy of the built demo, for tests that change sources or the warehouse."""
    return demo.copy(tmp_path / "project")
