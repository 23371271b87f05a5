"""The built demo for the Power BI, dashboard and insights tests.

The e2e suite builds the demo once per session (tests/e2e/conftest.py, `demo`); a fixture
imported from there would be a second definition and build it again, so this one reuses the
folder the e2e fixture built when it exists in this session, and builds its own otherwise.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, write_config
from tests.e2e.conftest import Project

SCHEMAS = REPO.parent / "shared" / "powerbi-schemas"
NODE_TOOLS = REPO / "tools" / "node"
CHROMIUM = Path("/usr/bin/chromium")


def _complete(folder: Path) -> bool:
    return (folder / "powerbi" / "CRM-Warehouse.pbip").exists() and (
        folder / "site" / "dashboard" / "index.html"
    ).exists()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    e2e = tmp_path_factory.getbasetemp() / "demo0"
    if _complete(e2e):
        return Project(e2e, e2e / "crm-warehouse.toml")
    folder = tmp_path_factory.mktemp("publish-demo")
    project = Project(folder, write_config(folder))
    project.cli("demo")
    return project


def require_tool(available: bool, reason: str) -> None:
    """Skip with a clear reason locally; in CI (CI=true) a missing tool is a failure."""
    if not available:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must install it: make tools / make chromium)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def node() -> str:
    binary = shutil.which("node")
    require_tool(
        bool(binary) and (NODE_TOOLS / "node_modules").is_dir(),
        "node or tools/node/node_modules missing (run `make tools`)",
    )
    assert binary
    return binary
