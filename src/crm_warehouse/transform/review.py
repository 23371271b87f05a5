"""What a change builds, as Markdown for its pull request: the nodes a ``state:modified+`` build
selected, why each was selected (new, its SQL changed, its config changed, a macro it calls
changed, or it depends on one of those), how it built and how its tests went.

Read from dbt's artifacts after ``crm-warehouse transform --select state:modified+``: the dev
build's ``run_results.json`` and ``manifest.json`` (``data/dev/target``), and the production
manifest it was compared with (``data/dbt/prod-manifest``). ``make ci-pr`` writes it to
``data/dev/pr-summary.md``; CI shows it as the job summary.

    python -m crm_warehouse.transform.review [--target-path DIR] [--state DIR] [--out FILE]

Exit status: 0 when everything selected built and every test passed (or nothing differs from
production), 1 when a node or test failed, 2 when the artifacts are missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_warehouse.errors import ConfigError
from crm_warehouse.transform.results import RUN_RESULTS, read_results

MANIFEST = "manifest.json"
BUILT = ("model", "seed", "snapshot")
CHECKS = ("test", "unit_test")
FAILED = {"error", "fail", "runtime error"}


@dataclass
class Check:
    name: str
    status: str
    failures: int | None = None
    message: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in FAILED


@dataclass
class Built:
    unique_id: str
    reason: str
    status: str
    seconds: float
    checks: list[Check] = field(default_factory=list)

    @property
    def resource_type(self) -> str:
        return self.unique_id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.unique_id.rsplit(".", 1)[-1]

    @property
    def failed(self) -> bool:
        return self.status in FAILED or any(check.failed for check in self.checks)


@dataclass
class Review:
    built: list[Built]
    unattached: list[Check]
    production_at: str

    @property
    def checks(self) -> list[Check]:
        return [check for node in self.built for check in node.checks] + self.unattached

    @property
    def failed(self) -> bool:
        return any(node.failed for node in self.built) or any(c.failed for c in self.unattached)


def review(target_path: Path, state_path: Path) -> Review:
    """The review of the build whose artifacts are in ``target_path``, against the production
    manifest in ``state_path``."""
    runs = _require(
        target_path / RUN_RESULTS, lambda path: read_results(path.parent, "build").nodes
    )
    dev = _require(target_path / MANIFEST, _read_json)
    prod = _require(state_path / MANIFEST, _read_json)
    built = {
        run.unique_id: Built(
            run.unique_id,
            change_reason(run.unique_id, dev, prod),
            run.status,
            run.seconds,
        )
        for run in runs
        if run.resource_type in BUILT
    }
    unattached = []
    for run in runs:
        if run.resource_type not in CHECKS:
            continue
        check = Check(_check_name(run.unique_id, dev), run.status, run.failures, run.message)
        owner = _tested_node(run.unique_id, dev)
        if owner in built:
            built[owner].checks.append(check)
        else:
            unattached.append(check)
    production_at = str(prod.get("metadata", {}).get("generated_at", "unknown"))
    return Review(list(built.values()), unattached, production_at)


def change_reason(unique_id: str, dev: dict[str, Any], prod: dict[str, Any]) -> str:
    """Why ``state:modified+`` selected this node: dbt's body, config and macro comparisons;
    a node selected for any other reason (a changed parent, a contract) reads "downstream"."""
    now, before = dev["nodes"].get(unique_id), prod["nodes"].get(unique_id)
    if now is None:
        return "selected"
    if before is None:
        return "new"
    if _checksum(now) != _checksum(before):
        return "modified"
    if now.get("unrendered_config") != before.get("unrendered_config"):
        return "config changed"
    if _changed_macros(now, dev, prod):
        return "macro changed"
    return "downstream"


def to_markdown(found: Review) -> str:
    if not found.built and not found.checks:
        return (
            "### dbt: nothing to build\n\n"
            f"No model differs from production (manifest of {found.production_at}).\n"
        )
    checks = found.checks
    failed = [check for check in checks if check.failed]
    lines = [
        "### dbt: what this change builds",
        "",
        f"`state:modified+` against production (manifest of {found.production_at}): "
        f"{_count(found.built, 'node')} built, {_count(checks, 'test')} run, "
        f"{len(failed)} failed.",
        "",
        "| node | why | build | seconds | tests |",
        "| --- | --- | --- | ---: | --- |",
    ]
    for node in found.built:
        lines.append(
            f"| {node.resource_type} `{node.name}` | {node.reason} | {node.status} | "
            f"{node.seconds:.1f} | {_tally(node.checks)} |"
        )
    if found.unattached:
        lines += ["", f"Tests across several nodes: {_tally(found.unattached)}."]
    if failed:
        lines += ["", "#### Failed", ""]
        lines += [f"- `{check.name}`: {_describe(check)}" for check in failed]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target-path", type=Path, default=Path("data/dev/target"))
    parser.add_argument("--state", type=Path, default=Path("data/dbt/prod-manifest"))
    parser.add_argument("--out", type=Path, help="also write the Markdown to this file")
    args = parser.parse_args(argv)
    try:
        found = review(args.target_path, args.state)
    except ConfigError as missing:
        print(f"error: {missing.one_line()}", file=sys.stderr)
        return missing.exit_code
    text = to_markdown(found)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    sys.stdout.write(text)
    return 1 if found.failed else 0


def _require(path: Path, read: Any) -> Any:
    if not path.exists():
        raise ConfigError(
            f"no {path.name}",
            where=str(path.parent),
            fix="run `crm-warehouse transform --select state:modified+` first",
        )
    return read(path)


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _checksum(node: dict[str, Any]) -> str | None:
    return (node.get("checksum") or {}).get("checksum")


def _changed_macros(node: dict[str, Any], dev: dict[str, Any], prod: dict[str, Any]) -> bool:
    """dbt's state:modified.macros: a macro the node calls, or one those call, changed."""
    seen: set[str] = set()
    pending = list((node.get("depends_on") or {}).get("macros", []))
    while pending:
        macro_id = pending.pop()
        if macro_id in seen:
            continue
        seen.add(macro_id)
        now, before = dev.get("macros", {}).get(macro_id), prod.get("macros", {}).get(macro_id)
        if now is None and before is None:
            continue
        if now is None or before is None or now.get("macro_sql") != before.get("macro_sql"):
            return True
        pending += (now.get("depends_on") or {}).get("macros", [])
    return False


def _tested_node(unique_id: str, dev: dict[str, Any]) -> str | None:
    """The node a test checks: a data test's attached node, a unit test's model, or the one
    node a singular test reads (None when it reads several)."""
    if unique_id.startswith("unit_test."):
        unit = dev.get("unit_tests", {}).get(unique_id, {})
        models = (unit.get("depends_on") or {}).get("nodes", [])
        return models[0] if len(models) == 1 else None
    test = dev["nodes"].get(unique_id, {})
    if test.get("attached_node"):
        return str(test["attached_node"])
    parents = (test.get("depends_on") or {}).get("nodes", [])
    return parents[0] if len(parents) == 1 else None


def _check_name(unique_id: str, dev: dict[str, Any]) -> str:
    node = dev["nodes"].get(unique_id) or dev.get("unit_tests", {}).get(unique_id) or {}
    return str(node.get("name") or unique_id.split(".")[2])


def _tally(checks: Iterable[Check]) -> str:
    counts: dict[str, int] = {}
    for check in checks:
        counts[check.status] = counts.get(check.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"


def _count(items: list[Any], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _count_rows(failures: int) -> str:
    return f"{failures:,} failing row{'' if failures == 1 else 's'}"


def _describe(check: Check) -> str:
    if check.failures:
        return f"{check.status}, {_count_rows(check.failures)}"
    if check.message:
        return f"{check.status}: {check.message.strip().splitlines()[0]}"
    return check.status


if __name__ == "__main__":
    raise SystemExit(main())
