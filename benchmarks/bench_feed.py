"""Reading one helpdesk feed file: the strict check, the Arrow parse, and both (the source's
``read_ticket_file``), beside Arrow's reader alone, in alternating rounds.

    python benchmarks/bench_feed.py                  # 200,000 tickets (~56 MB)
    python benchmarks/bench_feed.py --tickets 20000
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from crm_warehouse.sources.helpdesk_csv.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from crm_warehouse.sources.helpdesk_csv.reader import check_file, read_ticket_file

HEADER = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]


def write_feed_file(path: Path, tickets: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(tickets):
            values = dict.fromkeys(HEADER, "x") | {
                "Ticket ID": str(n),
                "Customer Name": f"Customer {n}",
                "Customer Email": f"c{n}@example.com",
                "Ticket Description": 'It stopped working, twice.\nThen "again" after I '
                "reinstalled the product.",
                "Created At": "2021-06-02 09:00:00",
            }
            writer.writerow([values[c] for c in HEADER])


def arrow_alone(path: Path) -> pa.Table:
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(HEADER, pa.string()), strings_can_be_null=False
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    paths: dict[str, Callable[[Path], object]] = {
        "check + parse (read_ticket_file)": read_ticket_file,
        "check only (csv module)": check_file,
        "Arrow alone": arrow_alone,
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tickets.csv"
        write_feed_file(path, args.tickets)
        print(f"{args.tickets:,} tickets, {path.stat().st_size / 1e6:.1f} MB")
        best = dict.fromkeys(paths, float("inf"))
        for _ in range(args.rounds):
            for name, read in paths.items():
                started = time.perf_counter()
                read(path)
                best[name] = min(best[name], time.perf_counter() - started)
    for name, seconds in best.items():
        print(f"{name:34} {seconds:6.2f} s  {args.tickets / seconds:>10,.0f} tickets/s")


if __name__ == "__main__":
    main()
