"""What the demo publishes is what was recorded: every file a user gets (the Power BI exports
and project, the insights report, the web dashboard), fingerprinted and compared with
``published_demo.json``.

Why a recorded fingerprint rather than one more independent recomputation: the metric values
are already recomputed independently (test_metric_agreement.py, test_dashboard_browser.py) and
the headline figures are pinned (test_demo_calibration.py), but neither sees a column renamed,
retyped or reordered, rows in another order, a rounding change, a row-grain table that lost a
filter, a Power BI measure's wording, or a dashboard label. Structural refactorings (moving SQL
from Python into dbt, exporting through another path, macros in place of copied SQL) must
change none of that, and the demo is deterministic (seed 42, scale 1; the published files came
out byte-identical from two separate runs), so the strongest guard is the outputs themselves.

The fingerprint is of what a reader sees, not of incidental bytes: a Parquet file counts by its
column names and types and its rows in order (not the writer's encoding or nullability
flags), the semantic model's parameter file with the run's own export path masked, and the
export manifest by each table's files, rows, columns and types (not its run id, times or
hashes). Everything else counts byte for byte. Left out: the dbt docs and the ops page (they
carry times), the screenshots (rendering), and plotly.min.js (vendored from the plotly package).

A change that is meant to change what users get re-records the file and says so in its
commit: ``python -m tests.e2e.test_published_outputs <folder of a fresh crm-warehouse demo>``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

RECORDED = Path(__file__).with_name("published_demo.json")
PUBLISHED = ("powerbi", "site/dashboard")
LEFT_OUT = {"site/dashboard/assets/plotly.min.js"}
EXPRESSIONS = "powerbi/CRM-Warehouse.SemanticModel/definition/expressions.tmdl"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parquet_content(path: Path) -> str:
    relation = duckdb.sql(f"select * from '{path}'")
    lines = [json.dumps([relation.columns, [str(t) for t in relation.types]])]
    lines += [json.dumps([str(value) for value in row]) for row in relation.fetchall()]
    return _sha256("\n".join(lines).encode())


def _manifest_content(path: Path) -> str:
    tables = json.loads(path.read_text())["tables"]
    kept = {
        name: {key: entry[key] for key in ("files", "rows", "columns")}
        for name, entry in tables.items()
    }
    return _sha256(json.dumps(kept, sort_keys=True).encode())


def fingerprint(folder: Path) -> dict[str, str]:
    """Relative path -> fingerprint of every published file under ``folder``."""
    found = {}
    for top in PUBLISHED:
        for path in sorted((folder / top).rglob("*")):
            relative = path.relative_to(folder).as_posix()
            if not path.is_file() or ".versions" in path.parts or relative in LEFT_OUT:
                continue
            if path.suffix == ".parquet":
                found[relative] = _parquet_content(path)
            elif relative == "powerbi/manifest.json":
                found[relative] = _manifest_content(path)
            elif relative == EXPRESSIONS:
                text = path.read_text().replace(str(folder / "powerbi"), "<export folder>")
                found[relative] = _sha256(text.encode())
            else:
                found[relative] = _sha256(path.read_bytes())
    return found


def test_the_demo_publishes_what_was_recorded(demo):
    recorded = json.loads(RECORDED.read_text())
    now = fingerprint(demo.folder)
    changed = sorted(p for p in recorded.keys() & now.keys() if recorded[p] != now[p])
    gone, new = sorted(recorded.keys() - now.keys()), sorted(now.keys() - recorded.keys())
    assert (changed, gone, new) == ([], [], []), (
        "published files changed (changed, gone, new); if meant, re-record (see the docstring)"
    )


def test_the_fingerprint_sees_a_changed_value_but_not_the_parquet_encoding(tmp_path):
    folder = tmp_path / "powerbi"
    folder.mkdir()
    path = folder / "t.parquet"
    duckdb.sql(f"copy (select 1::bigint as k, 2.50::decimal(18,2) as v) to '{path}'")
    first = fingerprint(tmp_path)
    duckdb.sql(
        f"copy (select 1::bigint as k, 2.50::decimal(18,2) as v) to '{path}' "
        "(format parquet, compression zstd)"
    )
    assert fingerprint(tmp_path) == first
    duckdb.sql(f"copy (select 1::bigint as k, 2.51::decimal(18,2) as v) to '{path}'")
    assert fingerprint(tmp_path) != first


if __name__ == "__main__":
    RECORDED.write_text(json.dumps(fingerprint(Path(sys.argv[1]).resolve()), indent=1) + "\n")
    print(f"recorded {RECORDED}")
