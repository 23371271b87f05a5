"""Write-audit-publish on the embedded DuckDB warehouse: a run writes into a staging copy of the
production warehouse file and of dlt's local pipeline state, and only a run whose every gate
passed promotes them (a rename: readers see the old file or the new one, never a mix).

A failed run discards its staging copies, so production tables are untouched and the next run
re-reads the same source rows (the dlt cursors live in the staging state). A run that goes on
after some sources failed first puts those sources back in the staging copies as production
has them (``revert_source``). The warehouse file is promoted before the dlt folder: should a
crash fall between the two, dlt finds the newer state in the warehouse
(``raw._dlt_pipeline_state``) and restores it on its next run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crm_warehouse.errors import PipelineError
from crm_warehouse.settings import Settings
from crm_warehouse.transform.dev import prod_manifest_path
from crm_warehouse.warehouse import RAW_SCHEMA

log = logging.getLogger(__name__)

STAGING = "staging"
LOCK_FILE = "run.lock"
DBT_PARTIAL_PARSE = "partial_parse.msgpack"


class RunInProgressError(PipelineError):
    exit_code = 1


@dataclass
class StagingEnvironment:
    """A production configuration and its staging twin for one run."""

    production: Settings
    staged: Settings
    promoted: bool = False

    @property
    def prod_file(self) -> Path:
        return self.production.duckdb_path

    @property
    def staged_file(self) -> Path:
        return self.staged.duckdb_path

    @property
    def prod_dlt(self) -> Path:
        return self.production.data_path / "dlt"

    @property
    def staged_dlt(self) -> Path:
        return self.staged.data_path / "dlt"

    @property
    def staged_target(self) -> Path:
        return self.staged.data_path / "dbt" / "target"


def staged_settings(settings: Settings) -> Settings:
    """The same configuration writing into the staging copies: the warehouse file (same name,
    so dbt's database name and the views that name it stay valid after promotion) and the
    data folder (dlt state, dbt target)."""
    staging_data = settings.data_path / STAGING
    staged_file = settings.duckdb_path.parent / STAGING / settings.duckdb_path.name
    return settings.model_copy(
        update={
            "data_dir": staging_data,
            "warehouse": settings.warehouse.model_copy(update={"duckdb_path": staged_file}),
        }
    )


@contextlib.contextmanager
def run_lock(settings: Settings) -> Iterator[None]:
    """One run at a time per data folder: a second one fails at once with a clear line."""
    settings.data_path.mkdir(parents=True, exist_ok=True)
    path = settings.data_path / LOCK_FILE
    with path.open("a+") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no advisory lock
            yield
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgressError(
                "another run is writing this warehouse",
                where=str(path),
                fix="wait for it to finish (see `crm-warehouse status`)",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare(settings: Settings) -> StagingEnvironment:
    """Copy the production warehouse (checkpointed) and dlt state into fresh staging copies."""
    env = StagingEnvironment(settings, staged_settings(settings))
    _remove_staging_copies(env)
    env.staged_file.parent.mkdir(parents=True, exist_ok=True)
    if env.prod_file.exists():
        checkpoint(env.prod_file)
        shutil.copyfile(env.prod_file, env.staged_file)
    if env.prod_dlt.exists():
        shutil.copytree(env.prod_dlt, env.staged_dlt, symlinks=True)
    _share_logs(env)
    _seed_partial_parse(env)
    log.info("staging: %s and %s copied for the run", env.staged_file, env.staged_dlt)
    return env


def promote(env: StagingEnvironment) -> None:
    """Make the staging copies production: the warehouse file in one rename, then dlt state,
    then keep the manifest of the build that produced it."""
    checkpoint(env.staged_file)
    wal = env.prod_file.with_name(env.prod_file.name + ".wal")
    if wal.exists():  # someone wrote production during the run: fold it into the old file
        log.warning("production warehouse changed during the run; its writes are replaced")
        checkpoint(env.prod_file)
    env.staged_file.replace(env.prod_file)
    if env.staged_dlt.exists():
        _swap_directory(env.staged_dlt, env.prod_dlt)
    _keep_manifest(env)
    env.promoted = True
    log.info("staging: promoted %s", env.prod_file)


def revert_source(
    env: StagingEnvironment, pipeline: str, started: dt.datetime, finished: dt.datetime
) -> None:
    """Put one source of the staging copies back as production has it, for a run that goes on
    without it (the source failed): its dlt state folder is production's again, and the rows
    its loads between ``started`` and ``finished`` committed to the staged warehouse (raw
    tables, ``_dlt_loads``, ``_dlt_pipeline_state``, from which dlt would otherwise restore a
    newer state) are deleted. Sources load one after the other, so a load id (dlt's start time
    of the load) in that window is this source's."""
    staged_state, prod_state = env.staged_dlt / pipeline, env.prod_dlt / pipeline
    shutil.rmtree(staged_state, ignore_errors=True)
    if prod_state.exists():
        shutil.copytree(prod_state, staged_state, symlinks=True)
    if not env.staged_file.exists():
        return
    window = [started.timestamp(), finished.timestamp()]
    with duckdb.connect(str(env.staged_file)) as con:
        tables = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = ? and column_name in ('_dlt_load_id', 'load_id') "
            "and (column_name = '_dlt_load_id' or table_name = '_dlt_loads')",
            [RAW_SCHEMA],
        ).fetchall()
        deleted = 0
        for table, column in tables:
            found = con.execute(
                f'delete from {RAW_SCHEMA}."{table}" '
                f"where try_cast({column} as double) between ? and ?",
                window,
            ).fetchone()
            deleted += found[0] if found else 0
    log.info(
        "staging: source pipeline %s put back as production has it (%d row(s) of its "
        "loads in this run deleted)",
        pipeline,
        deleted,
    )


def discard(env: StagingEnvironment) -> None:
    """Drop the staging copies of an unpromoted run; production stays as it was. The staged
    dbt target and logs are kept for inspection."""
    _remove_staging_copies(env)
    log.info("staging: discarded the staging copies; production unchanged")


@contextlib.contextmanager
def staging(settings: Settings) -> Iterator[StagingEnvironment]:
    """``prepare`` now; ``discard`` on the way out unless the body promoted."""
    env = prepare(settings)
    try:
        yield env
    finally:
        if not env.promoted:
            discard(env)


def checkpoint(path: Path, *, attempts: int = 20) -> None:
    """Fold the file's write-ahead log into it, if it has one (a copy must be self-contained).
    Retries while another process holds the file."""
    if not path.with_name(path.name + ".wal").exists():
        return
    for attempt in range(attempts):
        try:
            with duckdb.connect(str(path)) as con:
                con.execute("checkpoint")
            return
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)


def _remove_staging_copies(env: StagingEnvironment) -> None:
    for path in (env.staged_file, env.staged_file.with_name(env.staged_file.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(env.staged_dlt, ignore_errors=True)


def _swap_directory(new: Path, current: Path) -> None:
    old = current.with_name(current.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if current.exists():
        current.replace(old)
    new.replace(current)
    shutil.rmtree(old, ignore_errors=True)


def _keep_manifest(env: StagingEnvironment) -> None:
    manifest = env.staged_target / "manifest.json"
    if not manifest.exists():
        return
    folder = prod_manifest_path(env.production)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / "manifest.json.tmp"
    shutil.copyfile(manifest, temporary)
    temporary.replace(folder / "manifest.json")


def _share_logs(env: StagingEnvironment) -> None:
    """The staged run logs where production runs do (one dbt.log to look at)."""
    staged_logs = env.staged.data_path / "logs"
    prod_logs = env.production.data_path / "logs"
    prod_logs.mkdir(parents=True, exist_ok=True)
    if staged_logs.is_symlink() or staged_logs.exists():
        return
    with contextlib.suppress(OSError):  # no symlinks: the staged run logs beside its copies
        staged_logs.symlink_to(prod_logs, target_is_directory=True)


def _seed_partial_parse(env: StagingEnvironment) -> None:
    """Start the staged dbt target from dbt's last parse, so the run parses only what changed."""
    staged = env.staged_target / DBT_PARTIAL_PARSE
    if staged.exists():
        return
    prod = env.production.data_path / "dbt" / "target" / DBT_PARTIAL_PARSE
    if prod.exists():
        staged.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prod, staged)
