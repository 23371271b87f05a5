"""The repository's CI/CD configuration keeps the rules of docs/deploy-ci.md: actions pinned to a
commit with its version beside it, least-privilege tokens, no expression expanded inside a
script, thin jobs that call make targets which exist, and pre-commit hooks that download nothing.
actionlint and zizmor check the rest (`make lint`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in workflow["jobs"].items() for step in job["steps"]]


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z-]*):", text, flags=re.MULTILINE))


def test_there_are_workflows() -> None:
    assert {path.name for path in WORKFLOWS} == {"pull-request.yml", "deploy.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_with_its_version(path: Path) -> None:
    uses = [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text().splitlines()
        if line.strip().lstrip("- ").startswith("uses:")
    ]
    assert uses
    assert [ref for ref in uses if not PINNED.match(ref)] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_tokens_have_least_privilege(path: Path) -> None:
    workflow = load(path)
    assert "pull_request_target" not in triggers(workflow)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        assert set(granted.values()) <= {"read"}, name
        assert job.get("timeout-minutes"), name


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_scripts_expand_no_expression(path: Path) -> None:
    """Values reach a script through env (secrets only from the secrets context), never as an
    expression expanded into the script's text."""
    for job, step in steps(load(path)):
        assert "${{" not in step.get("run", ""), (job, step.get("name"))
    secrets = re.findall(r"\$\{\{\s*([^}]*secret[^}]*)\}\}", path.read_text(), re.IGNORECASE)
    assert all(re.fullmatch(r"secrets\.[A-Z_]+\s*", ref) for ref in secrets), secrets


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_each_job_runs_make_targets_that_exist(path: Path) -> None:
    targets = make_targets()
    for name, job in load(path)["jobs"].items():
        called = re.findall(
            r"\bmake ([a-z][a-z-]*)", " ".join(s.get("run", "") for s in job["steps"])
        )
        assert called, f"job {name} runs no make target"
        assert set(called) <= targets, name


def test_the_deploy_runs_on_main_and_nightly() -> None:
    on = triggers(load(ROOT / ".github" / "workflows" / "deploy.yml"))
    assert on["push"]["branches"] == ["main"]
    assert len(on["schedule"]) == 1


def test_pre_commit_hooks_download_nothing() -> None:
    config = load(ROOT / ".pre-commit-config.yaml")
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = config["repos"][0]["hooks"]
    assert {hook["language"] for hook in hooks} == {"system"}
    for hook in hooks:
        words = hook["entry"].split()
        program = next(word for word in words if word != "env" and "=" not in word)
        assert program.startswith(".venv/bin/"), hook["id"]
        assert "additional_dependencies" not in hook, hook["id"]
