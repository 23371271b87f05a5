"""Copy dbt's generated documentation (``dbt docs generate --static``) into the docs folder."""

from __future__ import annotations

import shutil
from pathlib import Path

DOC_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


def copy_dbt_docs(target_path: Path, docs_dir: Path) -> Path:
    docs_dir.mkdir(parents=True, exist_ok=True)
    for name in DOC_FILES:
        if (target_path / name).exists():
            shutil.copy2(target_path / name, docs_dir / name)
    return docs_dir / "static_index.html"
