"""Where dbt built each model, read from the manifest of the build (``manifest.json``): the
pipeline's own reads (exports, quality gates, key figures) name no schema of their own, so a
schema is set once, in the dbt project."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_warehouse.errors import TransformError


@dataclass(frozen=True)
class Model:
    """An enabled dbt model: its name, the schema and table dbt built it as, its folder under
    ``models/`` (the layer: staging, marts, metrics, ...) and its ``meta``."""

    name: str
    schema: str
    identifier: str
    layer: str
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.identifier}"


@dataclass(frozen=True)
class Relations:
    models: Mapping[str, Model]

    def model(self, name: str) -> Model:
        try:
            return self.models[name]
        except KeyError:
            raise TransformError(
                f"the dbt project has no enabled model {name!r}",
                fix="restore the model in transform/models, or enable it",
            ) from None

    def relation(self, name: str) -> str:
        return self.model(name).relation

    def layer(self, layer: str) -> list[Model]:
        """The layer's models, by name."""
        return sorted((m for m in self.models.values() if m.layer == layer), key=lambda m: m.name)


def read_relations(manifest_path: Path) -> Relations:
    """The enabled models of the manifest dbt wrote at ``manifest_path``."""
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as error:
        raise TransformError(
            f"cannot read the dbt manifest ({error})",
            where=str(manifest_path),
            fix="run `crm-warehouse transform` to build the project",
        ) from None
    return relations_from(manifest)


def relations_from(manifest: Mapping[str, Any]) -> Relations:
    models = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        models[node["name"]] = Model(
            name=node["name"],
            schema=node["schema"],
            identifier=node.get("alias") or node["name"],
            layer=node["fqn"][1] if len(node["fqn"]) > 2 else "",
            meta=node.get("config", {}).get("meta", {}),
        )
    return Relations(models)
