"""Stable identifiers: the same names always give the same ids, so regenerated files diff
cleanly."""

from __future__ import annotations

import hashlib
import uuid

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://crm-warehouse.example/powerbi")


def guid(*parts: str) -> str:
    """A GUID (lineage tags, relationship names, logical ids) derived from ``parts``."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def short_id(*parts: str) -> str:
    """A 20-hex-character PBIR object name (pages, visuals, filters) derived from ``parts``."""
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:20]
