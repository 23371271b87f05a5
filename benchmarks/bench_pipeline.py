"""Wall time and peak memory per pipeline step, side by side in one run.

Each step runs as its own `crm-warehouse` process in a throwaway project folder; its peak RSS
comes from the kernel's rusage for that child (os.wait4), its wall time from a monotonic clock.

    python benchmarks/bench_pipeline.py                 # seed scale (~11k order lines)
    python benchmarks/bench_pipeline.py --scale 950     # ~10M order lines (takes a while)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.conftest import write_config  # noqa: E402


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mib: float
    note: str = ""


def run_step(name: str, args: list[str], config: Path, env: dict[str, str]) -> Step:
    cli = str(Path(sys.executable).with_name("crm-warehouse"))
    started = time.perf_counter()
    proc = subprocess.Popen(
        [cli, "--config", str(config), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"step {name} failed:\n{output[-3000:]}")
    step = Step(name, seconds, usage.ru_maxrss / 1024)
    print(f"  done: {name:<26}{seconds:>9.1f} s{step.peak_rss_mib:>9.0f} MiB", flush=True)
    return step


def raw_rows(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where "
            "table_schema = 'raw' and table_name not like '\\_dlt%' escape '\\'"
        ).fetchall()
        return sum(con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for (t,) in tables)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="keep the project folder")
    args = parser.parse_args()
    env = os.environ | {
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    config = write_config(folder)
    print(f"scale {args.scale:g} in {folder}", flush=True)
    warehouse = folder / "data" / "warehouse.duckdb"
    steps = [
        run_step("generate", ["demo", "--generate-only", "--scale", str(args.scale)], config, env)
    ]
    ingest = run_step("ingest (full)", ["ingest"], config, env)
    rows = raw_rows(warehouse)
    ingest.note = f"{rows:,} rows, {rows / ingest.seconds:,.0f} rows/s"
    steps += [
        ingest,
        run_step("transform (full)", ["transform"], config, env),
        run_step("publish", ["publish"], config, env),
    ]
    full_run = run_step("run, no source change", ["run"], config, env)
    steps.append(full_run)
    steps.append(
        run_step("advance 1 day", ["demo", "--generate-only", "--advance", "1"], config, env)
    )
    incremental = run_step("run after --advance 1", ["run"], config, env)
    incremental.note = f"{raw_rows(warehouse) - rows:,} new raw rows"
    steps.append(incremental)
    first_three = sum(s.seconds for s in steps[1:4])
    print(f"\nscale {args.scale:g}  ({folder})")
    print(f"{'step':<26}{'wall s':>9}{'peak RSS MiB':>14}  note")
    for step in steps:
        print(f"{step.name:<26}{step.seconds:>9.1f}{step.peak_rss_mib:>14.0f}  {step.note}")
    print(f"{'full run (ingest+transform+publish)':<26} {first_three:.1f} s")
    print(f"incremental run / full run: {incremental.seconds / first_three:.2f}")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
