"""The ``crm-warehouse`` command line. Library code never prints; this module renders."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from crm_warehouse import logs
from crm_warehouse.config import Settings, load_settings
from crm_warehouse.errors import PipelineError
from crm_warehouse.monitor import RunRecorder
from crm_warehouse.runner import Progress, RunOutcome, finish

app = typer.Typer(
    help="CRM warehouse: ingest CRM and helpdesk data, build and test it with dbt, publish "
         "metric tables for Power BI.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


class _State:
    config: Path | None = None
    log_format: str = "text"
    verbose: bool = False


@app.callback()
def main(
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", help="Config file (default: ./crm-warehouse.toml or $CRM_WAREHOUSE_CONFIG)."
    )] = None,
    log_format: Annotated[str, typer.Option(help="Log file format: text or json.")] = "text",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also log to stderr.")] = False,
) -> None:
    _State.config, _State.log_format, _State.verbose = config, log_format, verbose


def _fail(error: PipelineError) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {error.one_line()}", highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


def _settings() -> Settings:
    try:
        return load_settings(_State.config)
    except PipelineError as error:
        raise _fail(error) from None


def _recorded(settings: Settings, command: str, body: Callable[[RunRecorder], T]) -> T:
    """Run ``body`` as one recorded run: logs carry its id, the outcome lands in ops.runs."""
    recorder = RunRecorder(settings, command)
    logs.set_run_id(recorder.run_id)
    log_file = logs.configure(settings.data_path / "logs", fmt=_State.log_format,
                              verbose=_State.verbose)
    console.print(f"[dim]run {recorder.run_id} - log: {log_file}[/]")
    try:
        result = body(recorder)
    except PipelineError as error:
        finish(recorder, error)
        raise _fail(error) from None
    finish(recorder, None)
    return result


def _progress() -> Progress:
    def source_rows(source: str, table: str, rows: int) -> None:
        console.print(f"  [dim]{source}:{table}[/] read {rows:,} rows", highlight=False)

    finished = {"n": 0}

    def dbt_node(unique_id: str, status: str) -> None:
        finished["n"] += 1
        if status not in {"success", "pass"} or finished["n"] % 25 == 0:
            console.print(f"  [dim]dbt[/] {finished['n']} nodes done (last: "
                          f"{unique_id.split('.')[-1]} {status})", highlight=False)

    return Progress(say=lambda m: console.print(f"[bold]>[/] {m}", highlight=False),
                    source_rows=source_rows, dbt_node=dbt_node)


@app.command()
def ingest(
    source: Annotated[list[str] | None, typer.Option(
        "--source", "-s", help="Only these sources (repeatable).")] = None,
) -> None:
    """Load new and changed rows from every configured source into raw (append-only)."""
    from crm_warehouse.runner import step_ingest

    settings = _settings()
    loads = _recorded(settings, "ingest",
                      lambda rec: step_ingest(settings, rec, _progress(), only=source))
    _print_loads(loads)


@app.command()
def transform(
    select: Annotated[str | None, typer.Option(
        "--select", help="dbt selection, e.g. 'marts' or '+mtr_kpi_summary'.")] = None,
) -> None:
    """Build and test the warehouse with dbt (seeds, snapshots, models, tests, freshness)."""
    from crm_warehouse.runner import step_transform
    from crm_warehouse.transform import Dbt

    settings = _settings()
    progress = _progress()

    def body(rec: RunRecorder) -> Any:
        return step_transform(settings, rec, progress, Dbt(settings, progress=progress.dbt_node),
                              select=select)

    result, _ = _recorded(settings, "transform", body)
    _print_transform(result)


@app.command()
def publish() -> None:
    """Export every mtr_ table to powerbi/ (CSV + Parquet + manifest) and generate dbt docs."""
    from crm_warehouse.runner import step_publish
    from crm_warehouse.transform import Dbt

    settings = _settings()
    progress = _progress()
    exported, figures = _recorded(
        settings, "publish", lambda rec: step_publish(settings, rec, progress, Dbt(settings))
    )
    console.print(f"published {len(exported)} metric tables to {settings.export_path}")
    _print_figures(figures)


@app.command()
def run() -> None:
    """Ingest -> transform -> publish, stopping at the first failing step."""
    settings = _settings()
    _run(settings, "run")


def _run(settings: Settings, command: str) -> RunOutcome:
    from crm_warehouse.runner import run_all

    outcome = _recorded(settings, command, lambda rec: run_all(settings, rec, _progress()))
    _print_loads(outcome.loads)
    if outcome.transform:
        _print_transform(outcome.transform)
    console.print(f"published {len(outcome.exported)} metric tables to {settings.export_path}")
    _print_figures(outcome.figures)
    return outcome


@app.command()
def demo(
    scale: Annotated[float | None, typer.Option(
        help="Volume multiplier for a fresh generation (default: demo.scale).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: demo.seed).")] = None,
    advance: Annotated[int, typer.Option(
        help="Append this many new days of orders and tickets (and update some rows) first.",
        min=0)] = 0,
    generate_only: Annotated[bool, typer.Option(
        "--generate-only", help="Generate or advance the sources, do not run the pipeline.")] = False,
) -> None:
    """Generate the demo sources if absent (or advance them), then run the pipeline."""
    from crm_warehouse.demo.setup import prepare_demo_sources

    settings = _settings()
    try:
        message = prepare_demo_sources(
            settings, scale=scale if scale is not None else settings.demo.scale,
            seed=seed if seed is not None else settings.demo.seed, advance_days=advance,
            progress=lambda step, done, total: None,
        )
    except PipelineError as error:
        raise _fail(error) from None
    console.print(f"[bold]>[/] demo: {message}", highlight=False)
    if not generate_only:
        _run(settings, "demo")


@app.command()
def status(
    runs: Annotated[int, typer.Option(help="How many recent runs to show.", min=1)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What the last runs did: steps, rows per source, failures."""
    from crm_warehouse.monitor.status import read_status

    settings = _settings()
    try:
        report = read_status(settings, last=runs)
    except PipelineError as error:
        raise _fail(error) from None
    if as_json:
        console.print_json(json.dumps(report, default=str))
        return
    _print_status(report)


def _print_loads(loads: list[Any]) -> None:
    table = Table(title="Ingest", title_justify="left")
    for col in ("source", "status", "rows loaded", "seconds"):
        table.add_column(col)
    for load in loads:
        table.add_row(load.source, load.status, f"{load.rows_loaded:,}", f"{load.seconds:.1f}")
    console.print(table)


def _print_transform(result: Any) -> None:
    console.print(
        f"dbt: {result.count('model')} models, {result.count('snapshot')} snapshots, "
        f"{result.count('seed')} seeds, {result.count('test')} data tests, "
        f"{result.count('unit_test')} unit tests - "
        f"{len(result.failures)} failed", highlight=False,
    )


def _print_figures(figures: list[Any]) -> None:
    if not figures:
        return
    table = Table(title="Key figures (from the published metric tables)", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for figure in figures:
        table.add_row(figure.label, figure.value)
    console.print(table)


def _print_status(report: dict[str, Any]) -> None:
    runs_table = Table(title="Recent runs", title_justify="left")
    for col in ("run id", "command", "status", "started (UTC)", "seconds", "error"):
        runs_table.add_column(col)
    for run_row in report["runs"]:
        runs_table.add_row(run_row["run_id"], run_row["command"], run_row["status"],
                           str(run_row["started_at"])[:19], f"{run_row['seconds'] or 0:.1f}",
                           (run_row["error"] or "")[:80])
    console.print(runs_table)
    sources = Table(title="Raw tables", title_justify="left")
    for col in ("table", "rows", "versions loaded last run", "last synced (UTC)"):
        sources.add_column(col)
    for row in report["raw_tables"]:
        sources.add_row(row["table"], f"{row['rows']:,}", f"{row['last_run_rows']:,}",
                        str(row["last_synced_at"])[:19])
    console.print(sources)
    if report["failures"]:
        failures = Table(title="Failures in the last run", title_justify="left")
        for col in ("step", "name", "status", "error"):
            failures.add_column(col)
        for row in report["failures"]:
            failures.add_row(row["step"], row["name"], row["status"], (row["error"] or "")[:100])
        console.print(failures)
    else:
        console.print("no failures in the last run")
