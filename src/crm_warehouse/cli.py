"""The ``crm-warehouse`` command line. Library code never prints; this module renders.

It is also the composition root: it hands the source plug-ins' configuration models to the
settings (``load_config``) and the demo's services to ingestion (``_services``); no other
module outside ``demo/`` imports the demo. Stage packages are imported inside the commands, so
``--help`` imports neither dlt nor dbt.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from crm_warehouse import logs
from crm_warehouse.errors import ConfigError, PipelineError
from crm_warehouse.monitor import RunRecorder
from crm_warehouse.monitor.runs import describe
from crm_warehouse.monitor.store import FAILED_STATUSES
from crm_warehouse.settings import Settings, load_settings

if TYPE_CHECKING:
    from crm_warehouse.monitor.report import (
        GateReport,
        RunSummary,
        SourceStatus,
        StatusReport,
        StepRow,
        SyncRow,
    )
    from crm_warehouse.runner import Progress, RunOutcome

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
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Config file (default: ./crm-warehouse.toml or $CRM_WAREHOUSE_CONFIG).",
        ),
    ] = None,
    log_format: Annotated[str, typer.Option(help="Log file format: text or json.")] = "text",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also log to stderr.")] = False,
) -> None:
    _State.config, _State.log_format, _State.verbose = config, log_format, verbose


def _fail(error: PipelineError) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {error.one_line()}", highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)


def load_config(config: Path | None = None) -> Settings:
    """The configuration, its sources validated by the registered source plug-ins."""
    from crm_warehouse.ingest.registry import source_kinds

    return load_settings(config, source_kinds=source_kinds())


def _settings() -> Settings:
    try:
        return load_config(_State.config)
    except PipelineError as error:
        raise _fail(error) from None


def _services(settings: Settings) -> dict[str, Any]:
    """What the configuration's sources need while they sync: the demo's mock API when the
    config has ``[demo.marketing_mock]``."""
    from crm_warehouse.demo.services import source_services

    return source_services(settings)


def _recorded(settings: Settings, command: str, body: Callable[[RunRecorder], T]) -> T:
    """Run ``body`` as one recorded run: logs carry its id, the outcome lands in ops.runs."""
    recorder = RunRecorder(settings, command)
    logs.set_run_id(recorder.run_id)
    log_file = logs.configure(
        settings.data_path / "logs", fmt=_State.log_format, verbose=_State.verbose
    )
    recorder.log_file = log_file
    console.print(f"[dim]run {recorder.run_id} - log: {log_file}[/]")
    from crm_warehouse.runner import finish

    try:
        result = body(recorder)
    except PipelineError as error:
        finish(recorder, error)
        _print_monitoring(recorder)
        raise _fail(error) from None
    except Exception as error:  # a bug: record and alert it, then keep the traceback
        recorder.finish("failed", describe(error))
        raise
    finish(recorder, None)
    _print_monitoring(recorder)
    return result


def _print_monitoring(recorder: RunRecorder) -> None:
    seen = recorder.monitoring
    if seen is None:
        return
    parts = [f"{seen.opened} new incident(s)", f"{seen.resolved} recovered"]
    if seen.failed_deliveries:
        parts.append(f"[red]{seen.failed_deliveries} alert delivery(ies) failed[/]")
    if seen.problems:
        parts.append(f"[red]monitoring problem: {seen.problems[0]}[/]")
    console.print(
        f"[dim]monitor: {', '.join(parts)}; ops page {seen.ops_page}[/]",
        highlight=False,
        soft_wrap=True,
    )


def _progress() -> Progress:
    from crm_warehouse.runner import Progress

    def source_rows(source: str, table: str, rows: int) -> None:
        console.print(f"  [dim]{source}:{table}[/] read {rows:,} rows", highlight=False)

    finished = {"n": 0}

    def dbt_node(unique_id: str, status: str) -> None:
        finished["n"] += 1
        if status not in {"success", "pass"} or finished["n"] % 25 == 0:
            console.print(
                f"  [dim]dbt[/] {finished['n']} nodes done (last: "
                f"{unique_id.split('.')[-1]} {status})",
                highlight=False,
            )

    return Progress(
        say=lambda m: console.print(f"[bold]>[/] {m}", highlight=False),
        source_rows=source_rows,
        dbt_node=dbt_node,
    )


@app.command()
def ingest(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only these sources (repeatable).")
    ] = None,
) -> None:
    """Load new and changed rows from every configured source into raw (append-only)."""
    from crm_warehouse.runner import step_ingest

    settings = _settings()
    services = _services(settings)
    loads = _recorded(
        settings,
        "ingest",
        lambda rec: step_ingest(settings, rec, _progress(), only=source, services=services),
    )
    _print_loads(loads)


@app.command()
def transform(
    select: Annotated[
        str | None,
        typer.Option(
            "--select", help="dbt selection, e.g. 'marts', '+mtr_kpi_summary' or 'state:modified+'."
        ),
    ] = None,
) -> None:
    """Build and test the warehouse with dbt (seeds, snapshots, models, tests, freshness).

    With a state selector (--select state:modified+) only what changed since the last
    production run is built, into data/dev/dev.duckdb, reading the rest from production."""
    from crm_warehouse.runner import step_transform, step_transform_changed
    from crm_warehouse.transform import Dbt, dev

    settings = _settings()
    progress = _progress()

    def body(rec: RunRecorder) -> Any:
        if select and dev.uses_state(select):
            return step_transform_changed(settings, rec, progress, select)
        return step_transform(
            settings, rec, progress, Dbt(settings, progress=progress.dbt_node), select=select
        )

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
    console.print(f"published {len(exported)} tables to {settings.export_path}")
    _print_figures(figures)


@app.command()
def run(
    override_gate: Annotated[
        list[str] | None,
        typer.Option(
            "--override-gate",
            help="Let a failing quality gate through for this run only: a kind "
            "(e.g. 'volume') or one gate as `status` shows it. "
            "Repeatable; needs --reason.",
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(help="Why the overridden gates may publish; recorded with the run."),
    ] = None,
    approve_restatement: Annotated[
        bool,
        typer.Option(
            "--approve-restatement",
            help="Accept changed metrics of closed months in this run (recorded with the run).",
        ),
    ] = False,
) -> None:
    """Ingest -> transform -> quality gates -> publish, into a staging copy that is promoted
    to production only when every gate passes (write-audit-publish)."""
    from crm_warehouse.quality.gates import Override

    settings = _settings()
    try:
        override = Override(tuple(override_gate or ()), reason, approve_restatement)
    except PipelineError as error:
        raise _fail(error) from None
    _run(settings, "run", override)


def _run(settings: Settings, command: str, override: Any = None) -> RunOutcome:
    from crm_warehouse.runner import SourcesFailedError, run_all

    def body(rec: RunRecorder) -> RunOutcome:
        try:
            return run_all(settings, rec, _progress(), override, services=_services(settings))
        except SourcesFailedError as error:  # published without them: show it, then fail
            _print_outcome(settings, error.outcome)
            raise

    return _print_outcome(settings, _recorded(settings, command, body))


def _print_outcome(settings: Settings, outcome: RunOutcome) -> RunOutcome:
    _print_loads(outcome.loads)
    if outcome.transform:
        _print_transform(outcome.transform)
    if outcome.audit:
        _print_audit(outcome.audit)
    console.print(f"published {len(outcome.exported)} tables to {settings.export_path}")
    _print_figures(outcome.figures)
    return outcome


@app.command()
def demo(
    scale: Annotated[
        float | None,
        typer.Option(help="Volume multiplier for a fresh generation (default: demo.scale)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: demo.seed).")] = None,
    advance: Annotated[
        int,
        typer.Option(
            help="Append this many new days of orders and tickets (and update some rows) first.",
            min=0,
        ),
    ] = 0,
    generate_only: Annotated[
        bool,
        typer.Option(
            "--generate-only", help="Generate or advance the sources, do not run the pipeline."
        ),
    ] = False,
    source_url: Annotated[
        str | None,
        typer.Option(
            "--source-url",
            help="Write the demo CRM to this database (e.g. postgresql://...) "
            "instead of the configured one, and read it from there.",
        ),
    ] = None,
) -> None:
    """Generate the demo sources if absent (or advance them), then run the pipeline."""
    from crm_warehouse.demo.setup import prepare_demo_sources, use_source_url

    settings = _settings()
    try:
        if source_url:
            settings = use_source_url(settings, source_url)
        message = prepare_demo_sources(
            settings,
            scale=scale if scale is not None else settings.demo.scale,
            seed=seed if seed is not None else settings.demo.seed,
            advance_days=advance,
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
    """What the last runs did, per-step results, source lag and freshness, open incidents."""
    from crm_warehouse.monitor.status import read_status

    settings = _settings()
    try:
        report = read_status(settings, last=runs)
    except PipelineError as error:
        raise _fail(error) from None
    if as_json:
        console.print_json(json.dumps(report.as_json(), default=str))
        return
    _print_status(report)


@app.command()
def metrics() -> None:
    """Print the monitoring figures as OpenMetrics/Prometheus text (as in the .prom file)."""
    from crm_warehouse.monitor.observe import render_metrics

    settings = _settings()
    if not settings.duckdb_path.exists():
        raise _fail(
            ConfigError(
                f"no warehouse at {settings.duckdb_path}",
                fix="run `crm-warehouse run` (or `make demo`) first",
            )
        )
    try:
        text = render_metrics(settings)
    except PipelineError as error:
        raise _fail(error) from None
    typer.echo(text, nl=False)


def _print_loads(loads: list[Any]) -> None:
    table = Table(title="Ingest", title_justify="left")
    for col in ("source", "status", "rows loaded", "seconds"):
        table.add_column(col)
    for load in loads:
        table.add_row(load.source, load.status, f"{load.rows_loaded:,}", f"{load.seconds:.1f}")
    console.print(table)
    for load in loads:
        for warning in load.warnings:
            console.print(
                f"[yellow]source {load.source}:[/] {warning}", highlight=False, soft_wrap=True
            )


def _print_transform(result: Any) -> None:
    console.print(
        f"dbt: {result.count('model')} models, {result.count('snapshot')} snapshots, "
        f"{result.count('seed')} seeds, {result.count('test')} data tests, "
        f"{result.count('unit_test')} unit tests - "
        f"{len(result.failures)} failed",
        highlight=False,
    )


def _print_audit(audit: Any) -> None:
    counts = audit.summary()["gates"]
    gates = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    console.print(
        f"quality gates: {gates}; quarantined {audit.quarantined_rows:,} row(s)", highlight=False
    )
    flagged = [r for r in audit.results if r.status != "pass"]
    if flagged:
        _print_rows(
            "Quality gates not passed",
            ("gate", "status", "detail"),
            [(r.name, r.status, r.detail[:160]) for r in flagged],
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


def _print_status(report: StatusReport) -> None:
    _print_runs(report.runs)
    _print_last_steps(report.last_run_steps)
    _print_sources(report.sources)
    _print_syncs(report.last_run_syncs)
    _print_quality(report.quality)
    _print_rows(
        "Failing checks",
        ("check", "status", "detail"),
        [(c.check, c.status, c.detail[:160]) for c in report.failing_checks],
        empty="none",
    )
    _print_rows(
        "Open incidents",
        ("since (UTC)", "kind", "subject", "runs", "what"),
        [
            (
                _when(i.opened_at),
                i.kind,
                i.subject,
                str(i.occurrences),
                f"{i.title}: {i.message or ''}"[:160],
            )
            for i in report.incidents
        ],
        empty="none",
    )
    if report.alert_failures:
        _print_rows(
            "Alert deliveries that failed (24 h)",
            ("channel", "failures", "last error"),
            [(a.channel, str(a.failures), a.last_error or "") for a in report.alert_failures],
        )


def _print_quality(quality: GateReport | None) -> None:
    if not quality:
        return
    gates = quality.gates
    passed = sum(1 for g in gates if g.status == "pass")
    quarantined = sum(sum(r.values()) for r in quality.quarantined.values())
    title = (
        f"Quality gates of run {quality.run_id} ({quality.run_status}): "
        f"{passed} of {len(gates)} passed; {quarantined:,} row(s) quarantined"
    )
    flagged = [(g.gate, g.status, g.detail[:160]) for g in gates if g.status != "pass"]
    if flagged:
        _print_rows(title, ("gate", "status", "detail"), flagged)
    else:
        console.print(title, highlight=False)
    if quality.override:
        console.print(f"override: {quality.override}", highlight=False, soft_wrap=True)


def _print_runs(runs: list[RunSummary]) -> None:
    _print_rows(
        "Recent runs",
        ("run id", "command", "status", "started (UTC)", "s", "stages"),
        [
            (
                r.run_id,
                r.command,
                r.status,
                _when(r.started_at),
                f"{r.seconds or 0:.1f}",
                ", ".join(f"{s.name} {s.status} {s.seconds or 0:.1f}s" for s in r.stages),
            )
            for r in runs
        ],
        empty="none recorded yet",
    )
    if runs and runs[0].error:
        console.print(f"last run failed: {runs[0].error}", highlight=False, soft_wrap=True)


def _print_last_steps(steps: list[StepRow]) -> None:
    dbt_steps = [s for s in steps if s.step in {"transform", "freshness"} and s.status != "no-op"]
    shown = [s for s in steps if s.step not in {"transform", "freshness", "gate"}]
    shown += sorted(dbt_steps, key=lambda s: (s.status not in FAILED_STATUSES, -(s.seconds or 0)))[
        :10
    ]
    more = len(dbt_steps) - min(10, len(dbt_steps))
    note = f" (failed and slowest dbt nodes; +{more} more)" if more else ""
    _print_rows(
        f"Steps of the last run{note}",
        ("step", "name", "status", "s", "rows"),
        [
            (
                s.step,
                _short(s.name),
                s.status,
                f"{s.seconds or 0:.2f}",
                "" if s.rows_written is None else f"{s.rows_written:,}",
            )
            for s in shown
        ],
    )


def _print_sources(sources: list[SourceStatus]) -> None:
    _print_rows(
        "Sources (lag: now minus newest synced row / newest source cursor)",
        ("table", "rows", "last run read", "loaded", "lag", "cursor lag", "freshness"),
        [
            (
                s.table,
                f"{s.rows:,}",
                _count(s.rows_extracted),
                f"{s.last_run_rows:,}",
                _age(s.sync_lag_seconds),
                _age(s.cursor_lag_seconds),
                s.freshness_status or "",
            )
            for s in sources
        ],
        empty="no raw tables yet",
    )
    for warning in sorted({s.sync_warning for s in sources if s.sync_warning}):
        console.print(f"[yellow]source warning:[/] {warning}", highlight=False, soft_wrap=True)


def _print_syncs(syncs: list[SyncRow]) -> None:
    """What each source's sync in the last run did; a failed one's error is in the run's
    error line and the failing checks."""
    if not syncs:
        return
    _print_rows(
        "Source syncs of the last run",
        ("source", "table", "status", "read", "loaded", "cursor lag"),
        [
            (
                s.source,
                s.table_name,
                s.status,
                _count(s.rows_extracted),
                _count(s.rows_loaded),
                _age(s.lag_seconds),
            )
            for s in syncs
        ],
    )


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def _short(unique_id: str) -> str:
    """dbt's unique id without the project (and a test's hash)."""
    parts = unique_id.split(".")
    if len(parts) < 3 or parts[0] not in {
        "model",
        "test",
        "seed",
        "snapshot",
        "unit_test",
        "source",
    }:
        return unique_id
    return parts[2] if parts[0] == "test" else ".".join(parts[2:])


def _when(value: Any) -> str:
    return str(value or "")[5:16]


def _age(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 172800 else f"{seconds / 86400:.1f} d"


def _print_rows(
    title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], *, empty: str | None = None
) -> None:
    if not rows and empty:
        console.print(f"{title}: {empty}", highlight=False)
        return
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, no_wrap=col in {"run id", "table", "status", "s"})
    for row in rows:
        table.add_row(*row)
    console.print(table)
