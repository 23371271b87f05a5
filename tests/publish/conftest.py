"""The built demo for the Power BI, dashboard and insights tests: the session-wide `demo`
fixture of tests/conftest.py, shared with the end-to-end suite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, Project

SCHEMAS = REPO / "tools" / "powerbi-schemas"  # Microsoft's published schemas (MIT), vendored
NODE_TOOLS = REPO / "tools" / "node"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def built(demo: Project) -> Project:
    return demo


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
