"""Offline checks of a generated Power BI project: JSON files against Microsoft's published
schemas (a local copy, the URL prefix mapped onto a folder), and TMDL references."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from crm_warehouse.publish.powerbi.tmdl_reader import SemanticModel, split_reference, unquote

SCHEMA_PREFIX = "https://developer.microsoft.com/json-schemas/"
JSON_SUFFIXES = {".json", ".pbir", ".pbism", ".pbip", ".platform"}


def json_files(project_dir: Path) -> Iterator[Path]:
    for path in sorted(project_dir.rglob("*")):
        if path.is_file() and (path.suffix in JSON_SUFFIXES or path.name == ".platform"):
            yield path


def schema_registry(schema_root: Path) -> Registry:
    """Resolve every ``https://developer.microsoft.com/json-schemas/...`` URL from the folder."""

    def retrieve(uri: str) -> Resource:
        if not uri.startswith(SCHEMA_PREFIX):
            raise LookupError(f"schema outside the local copy: {uri}")
        path = schema_root / uri.removeprefix(SCHEMA_PREFIX)
        return Resource.from_contents(
            json.loads(path.read_text(encoding="utf-8")), default_specification=DRAFT7
        )

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def schema_errors(document: dict[str, Any], registry: Registry) -> list[str]:
    url = document.get("$schema")
    if not isinstance(url, str):
        return ["no $schema"]
    schema = registry.get_or_retrieve(url).value.contents
    validator = Draft7Validator(schema, registry=registry)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '/'}: {e.message}"
        for e in sorted(validator.iter_errors(document), key=str)
    ]


def validate_json(project_dir: Path, schema_root: Path) -> dict[str, list[str]]:
    """Every JSON document that names a schema -> its validation errors (empty when valid)."""
    registry = schema_registry(schema_root)
    results = {}
    for path in json_files(project_dir):
        document = json.loads(path.read_text(encoding="utf-8"))
        if "$schema" in document:
            results[str(path.relative_to(project_dir))] = schema_errors(document, registry)
    return results


DAX_COLUMN = re.compile(r"'((?:[^']|'')+)'\[([^\]]+)\]")
DAX_MEASURE = re.compile(r"\[([^\]]+)\]")


def _dax_problems(model: SemanticModel, where: str, expression: str) -> list[str]:
    problems = []
    for table, column in DAX_COLUMN.findall(expression):
        table = table.replace("''", "'")
        if table not in model.tables or column not in model.columns(table):
            problems.append(f"{where}: DAX references missing column '{table}'[{column}]")
    for measure in DAX_MEASURE.findall(DAX_COLUMN.sub("", expression)):
        if measure not in model.measures():
            problems.append(f"{where}: DAX references missing measure [{measure}]")
    return problems


def model_problems(model: SemanticModel) -> list[str]:
    """Relationships, sort-by columns, DAX and M references that point at nothing."""
    problems = []
    for rel in model.relationships:
        for end in ("fromColumn", "toColumn"):
            table, column = split_reference(rel.properties[end])
            if table not in model.tables or column not in model.columns(table):
                problems.append(f"relationship {rel.name}: {end} {table}.{column} not found")
    for name, table in model.tables.items():
        columns = model.columns(name)
        for column in columns.values():
            sort_by = column.properties.get("sortByColumn")
            if sort_by and unquote(sort_by) not in columns:
                problems.append(f"{name}.{column.name}: sortByColumn {sort_by} not found")
        for measure in table.all("measure"):
            problems += _dax_problems(model, f"measure [{measure.name}]", measure.default or "")
        for partition in table.all("partition"):
            source = partition.properties.get("source", "")
            used = set(re.findall(r"\b(DataFolder|BigQueryProject)\b", source))
            problems += [
                f"partition {name}: parameter {p} not defined"
                for p in sorted(used - set(model.expressions))
            ]
    return problems


def _aliases(document: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(document, dict):
        for item in document.get("From", []) if isinstance(document.get("From"), list) else []:
            if "Entity" in item:
                found[item["Name"]] = item["Entity"]
        for value in document.values():
            found |= _aliases(value)
    elif isinstance(document, list):
        for value in document:
            found |= _aliases(value)
    return found


def _fields(document: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(document, dict):
        for kind in ("Column", "Measure"):
            body = document.get(kind)
            if isinstance(body, dict) and "Property" in body:
                yield kind, body
        for value in document.values():
            yield from _fields(value)
    elif isinstance(document, list):
        for value in document:
            yield from _fields(value)


def report_problems(report_dir: Path, model: SemanticModel) -> list[str]:
    """Every column and measure a visual, filter or sort names exists, with the right kind."""
    problems = []
    measures = model.measures()
    for path in sorted((report_dir / "definition").rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        aliases = _aliases(document)
        for kind, body in _fields(document):
            ref = body["Expression"]["SourceRef"]
            entity = ref.get("Entity") or aliases.get(ref.get("Source", ""), "")
            name = body["Property"]
            where = f"{path.relative_to(report_dir)}: {kind} {entity}.{name}"
            if kind == "Column" and (
                entity not in model.tables or name not in model.columns(entity)
            ):
                problems.append(f"{where} is not a column")
            if kind == "Measure" and measures.get(name, ("",))[0] != entity:
                problems.append(f"{where} is not a measure of that table")
    return problems
