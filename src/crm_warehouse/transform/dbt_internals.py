"""Every use of dbt's internals, in one place. The pipeline calls dbt through its documented
programmatic entry point (``dbtRunner``); two things it needs have no public API:

* reusing a parsed manifest across calls: dbt marks compiled nodes as having their ephemeral
  CTEs injected, and a reused manifest would compile them without the CTEs
  (``__dbt__cte__... does not exist``) - ``reset_compiled_state`` clears the marks;
* letting go of the DuckDB file dbt-duckdb keeps open in this process (write-audit-publish
  renames the staged file): ``release_duckdb`` closes its private environment.

``check`` verifies that the installed dbt still has what these rely on; the test suite calls it
(tests/transform/test_dbt_internals.py), so an upgrade that moves them fails there, naming the
attribute, before it fails a run.
"""

from __future__ import annotations

from typing import Any

from crm_warehouse.errors import TransformError

_COMPILED_NODE_FIELDS = ("extra_ctes_injected", "extra_ctes", "compiled", "_pre_injected_sql")


def runner(manifest: Any, callbacks: list[Any]) -> Any:
    from dbt.cli.main import dbtRunner

    if manifest is not None:
        reset_compiled_state(manifest)
    return dbtRunner(manifest=manifest, callbacks=callbacks)


def finished_node(event: Any) -> tuple[str, str] | None:
    """(unique id, status) of a ``NodeFinished`` event, None for any other event."""
    if event.info.name != "NodeFinished":
        return None
    info = event.data.node_info
    return info.unique_id, info.node_status


def reset_compiled_state(manifest: Any) -> None:
    from dbt.contracts.graph.nodes import CompiledNode

    for node in manifest.nodes.values():
        if isinstance(node, CompiledNode):
            node.extra_ctes_injected = False
            node.extra_ctes = []
            node.compiled = False
            node._pre_injected_sql = None


def release_duckdb() -> None:
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def check() -> None:
    """Raise ``TransformError`` naming what the installed dbt no longer has."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.contracts.graph.nodes import CompiledNode

    missing = [
        f"dbt.contracts.graph.nodes.CompiledNode.{name}"
        for name in _COMPILED_NODE_FIELDS
        if name not in CompiledNode.__dataclass_fields__ and not hasattr(CompiledNode, name)
    ]
    missing += [
        f"dbt.adapters.duckdb.connections.DuckDBConnectionManager.{name}"
        for name in ("_ENV", "close_all_connections")
        if not hasattr(DuckDBConnectionManager, name)
    ]
    if missing:
        raise TransformError(
            f"the installed dbt lacks internals the pipeline relies on: {', '.join(missing)}",
            where="crm_warehouse/transform/dbt_internals.py",
            fix="pin dbt-core/dbt-duckdb back to the versions in pyproject.toml, or adapt "
            "dbt_internals.py to the new dbt",
        )
