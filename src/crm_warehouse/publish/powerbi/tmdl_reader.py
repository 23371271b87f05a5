"""A small TMDL reader for the subset this project generates: objects declared by keyword and
name, ``key: value`` properties and flags, ``///`` descriptions, and default expressions
(single line after ``=``, or the following lines indented two levels deeper than the owner).
It raises TmdlError on anything malformed, so it doubles as a well-formedness check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

OBJECT_KINDS = frozenset(
    {
        "database",
        "model",
        "table",
        "column",
        "measure",
        "partition",
        "relationship",
        "expression",
        "annotation",
        "hierarchy",
        "level",
        "dataAccessOptions",
    }
)
PROPERTY = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?:\s*(?P<sep>[:=])\s*(?P<value>.*))?$")
NAME = r"(?:'(?:[^']|'')+'|[^\s'=]+)"
DECLARATION = re.compile(
    rf"^(?P<ref>ref )?(?P<kind>[A-Za-z]+)(?: (?P<name>{NAME}))?"
    rf"(?:\s*=\s*(?P<default>.*))?$"
)


class TmdlError(ValueError):
    pass


@dataclass
class TmdlObject:
    kind: str
    name: str
    default: str | None = None
    description: str = ""
    properties: dict[str, str] = field(default_factory=dict)
    children: list[TmdlObject] = field(default_factory=list)
    is_ref: bool = False

    def all(self, kind: str) -> list[TmdlObject]:
        return [c for c in self.children if c.kind == kind]


def unquote(name: str) -> str:
    return name[1:-1].replace("''", "'") if name.startswith("'") else name


def split_reference(reference: str) -> tuple[str, str]:
    """``'Table'.'Column'`` -> (Table, Column)."""
    match = re.fullmatch(rf"({NAME})\.({NAME})", reference.strip())
    if not match:
        raise TmdlError(f"not a table.column reference: {reference!r}")
    return unquote(match.group(1)), unquote(match.group(2))


def _indent(line: str, number: int, *, strict: bool = True) -> int:
    stripped = line.lstrip("\t")
    if strict and stripped.startswith(" "):
        raise TmdlError(f"line {number}: indented with spaces")
    return len(line) - len(stripped)


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.lines = text.split("\n")
        self.source = source
        self.position = 0

    def error(self, message: str) -> TmdlError:
        return TmdlError(f"{self.source}:{self.position + 1}: {message}")

    def expression(self, owner_indent: int) -> str:
        body: list[str] = []
        while self.position < len(self.lines):
            line = self.lines[self.position]
            if line.strip() and _indent(line, 0, strict=False) <= owner_indent + 1:
                break
            body.append(line)
            self.position += 1
        while body and not body[-1].strip():
            body.pop()
        if not body:
            raise self.error("empty multi-line expression")
        margin = min(_indent(line, 0, strict=False) for line in body if line.strip())
        return "\n".join(line[margin:] for line in body)

    def read(self) -> list[TmdlObject]:
        roots: list[TmdlObject] = []
        stack: list[tuple[int, TmdlObject]] = []
        description: list[str] = []
        while self.position < len(self.lines):
            line = self.lines[self.position]
            if not line.strip():
                self.position += 1
                continue
            indent = _indent(line, self.position + 1)
            text = line.strip()
            self.position += 1
            if text.startswith("///"):
                description.append(text[3:].strip())
                continue
            while stack and stack[-1][0] >= indent:
                stack.pop()
            parent = stack[-1][1] if stack else None
            declared = self._declaration(text, indent, parent, " ".join(description))
            description = []
            if declared is None:
                continue
            if parent is None and indent == 0:
                model_child = declared.kind == "annotation" or declared.is_ref
                if model_child and roots and roots[0].kind == "model":
                    roots[0].children.append(declared)
                    continue
                roots.append(declared)
            elif parent is None:
                raise self.error(f"unexpected indentation before {text!r}")
            else:
                parent.children.append(declared)
            stack.append((indent, declared))
        return roots

    def _declaration(
        self, text: str, indent: int, parent: TmdlObject | None, description: str
    ) -> TmdlObject | None:
        match = DECLARATION.match(text)
        if (
            match
            and match.group("kind") in OBJECT_KINDS
            and (match.group("name") or match.group("kind") in {"database", "dataAccessOptions"})
        ):
            default = match.group("default")
            obj = TmdlObject(
                match.group("kind"),
                unquote(match.group("name") or ""),
                description=description,
                is_ref=bool(match.group("ref")),
            )
            if default == "" and obj.kind in {"measure", "expression"}:
                obj.default = self.expression(indent)
            else:
                obj.default = default
            return obj
        if parent is None:
            raise self.error(f"not an object declaration: {text!r}")
        prop = PROPERTY.match(text)
        if not prop:
            raise self.error(f"not a property: {text!r}")
        key, sep, value = prop.group("key"), prop.group("sep"), prop.group("value")
        if sep == "=" and not value:
            parent.properties[key] = self.expression(indent)
        else:
            parent.properties[key] = "true" if sep is None else (value or "")
        return None


def read_tmdl(text: str, source: str = "<tmdl>") -> list[TmdlObject]:
    return _Reader(text, source).read()


@dataclass
class SemanticModel:
    tables: dict[str, TmdlObject]
    relationships: list[TmdlObject]
    expressions: dict[str, TmdlObject]
    model: TmdlObject

    def columns(self, table: str) -> dict[str, TmdlObject]:
        return {c.name: c for c in self.tables[table].all("column")}

    def measures(self) -> dict[str, tuple[str, TmdlObject]]:
        return {m.name: (t, m) for t, obj in self.tables.items() for m in obj.all("measure")}


def read_semantic_model(definition: Path) -> SemanticModel:
    """Read ``<name>.SemanticModel/definition``: model, tables, relationships, expressions."""

    def objects(relative: str) -> list[TmdlObject]:
        path = definition / relative
        return read_tmdl(path.read_text(encoding="utf-8"), relative) if path.exists() else []

    model = next(o for o in objects("model.tmdl") if o.kind == "model")
    tables = {}
    for path in sorted((definition / "tables").glob("*.tmdl")):
        for obj in read_tmdl(path.read_text(encoding="utf-8"), path.name):
            if obj.kind != "table":
                raise TmdlError(f"{path.name}: expected a table, found {obj.kind}")
            tables[obj.name] = obj
    return SemanticModel(
        tables=tables,
        relationships=[o for o in objects("relationships.tmdl") if o.kind == "relationship"],
        expressions={o.name: o for o in objects("expressions.tmdl") if o.kind == "expression"},
        model=model,
    )
