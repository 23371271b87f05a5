"""Write-audit-publish mechanics: staging copies, promotion, discard, the run lock, and the
versioned export sets a concurrent reader can rely on."""

from __future__ import annotations

import datetime as dt
import json
import threading

import duckdb
import pytest

from crm_warehouse.publish import exports
from crm_warehouse.quality import wap

MTR_A = exports.PublishedTable("mtr_a", "analytics", "mtr_a", ("csv", "parquet"))


@pytest.fixture
def prod(project):
    settings = project()
    settings.data_path.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("create schema marts; create table marts.t as select 1 as v")
    state = settings.data_path / "dlt" / "crm_warehouse_crm"
    state.mkdir(parents=True)
    (state / "state.json").write_text('{"cursor": "old"}')
    return settings


def value(path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select v from marts.t").fetchall()[0][0]


def write_staged(env: wap.StagingEnvironment) -> None:
    with duckdb.connect(str(env.staged_file)) as con:
        con.execute("update marts.t set v = 2")
    (env.staged_dlt / "crm_warehouse_crm" / "state.json").write_text('{"cursor": "new"}')


def test_staged_copies_share_the_warehouse_file_name(prod):
    staged = wap.staged_settings(prod)
    assert staged.duckdb_path.name == prod.duckdb_path.name  # dbt's database name stays
    assert staged.duckdb_path != prod.duckdb_path
    assert staged.data_path == prod.data_path / "staging"
    assert staged.root == prod.root  # sources resolve as before


def test_a_discarded_run_leaves_production_and_its_cursor_as_they_were(prod):
    before = prod.duckdb_path.read_bytes()
    with wap.staging(prod) as env:
        write_staged(env)
        assert value(env.staged_file) == 2
    assert prod.duckdb_path.read_bytes() == before
    assert "old" in (prod.data_path / "dlt" / "crm_warehouse_crm" / "state.json").read_text()
    assert not env.staged_file.exists() and not env.staged_dlt.exists()


def test_a_promoted_run_replaces_warehouse_state_and_keeps_its_manifest(prod):
    with wap.staging(prod) as env:
        write_staged(env)
        env.staged_target.mkdir(parents=True)
        (env.staged_target / "manifest.json").write_text('{"nodes": {}}')
        wap.promote(env)
    assert value(prod.duckdb_path) == 2
    assert "new" in (prod.data_path / "dlt" / "crm_warehouse_crm" / "state.json").read_text()
    assert (prod.data_path / "dbt" / "prod-manifest" / "manifest.json").exists()
    assert not (prod.data_path / "dlt.old").exists()


def test_a_reader_holding_the_old_file_keeps_reading_it(prod):
    reader = duckdb.connect(str(prod.duckdb_path), read_only=True)
    with wap.staging(prod) as env:
        write_staged(env)
        wap.promote(env)
    assert reader.execute("select v from marts.t").fetchall() == [(1,)]
    reader.close()
    assert value(prod.duckdb_path) == 2


def test_a_write_ahead_log_is_folded_in_before_copying(prod):
    con = duckdb.connect(str(prod.duckdb_path))
    con.execute("update marts.t set v = 7")  # committed, still in the .wal while open
    wap.checkpoint(prod.duckdb_path)
    con.close()
    with wap.staging(prod) as env:
        assert value(env.staged_file) == 7


def test_a_failed_source_is_put_back_as_production_has_it(prod):
    """A source that failed mid-load (say its load step died after some tables committed) in a
    run that goes on: its dlt folder is production's again, and the rows its loads committed
    in the staged warehouse during its window are gone - other loads' rows stay."""
    start = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)
    before, during, after = (
        str((start + dt.timedelta(seconds=s)).timestamp()) for s in (-60, 2, 9)
    )
    with duckdb.connect(str(prod.duckdb_path)) as con:
        con.execute(
            "create schema raw; "
            "create table raw.crm_orders (order_id int, _dlt_load_id varchar); "
            "create table raw.helpdesk_tickets (ticket_id int, _dlt_load_id varchar); "
            "create table raw._dlt_loads (load_id varchar, schema_name varchar); "
            "create table raw._dlt_pipeline_state (version int, pipeline_name varchar, "
            "_dlt_load_id varchar)"
        )
        con.execute("insert into raw.crm_orders values (1, ?)", [before])
        con.execute("insert into raw._dlt_loads values (?, 'crm_database')", [before])
        con.execute(
            "insert into raw._dlt_pipeline_state values (1, 'crm_warehouse_crm', ?)", [before]
        )
    with wap.staging(prod) as env:
        write_staged(env)  # the failed sync advanced its local state
        (env.staged_dlt / "crm_warehouse_crm" / "pending.txt").write_text("a pending package")
        with duckdb.connect(str(env.staged_file)) as con:
            con.execute("insert into raw.crm_orders values (2, ?), (3, ?)", [during, during])
            con.execute("insert into raw._dlt_loads values (?, 'crm_database')", [during])
            con.execute(
                "insert into raw._dlt_pipeline_state values (2, 'crm_warehouse_crm', ?)", [during]
            )
            con.execute("insert into raw.helpdesk_tickets values (7, ?)", [after])

        wap.revert_source(env, "crm_warehouse_crm", start, start + dt.timedelta(seconds=5))

        staged_state = env.staged_dlt / "crm_warehouse_crm"
        assert sorted(p.name for p in staged_state.iterdir()) == ["state.json"]
        assert "old" in (staged_state / "state.json").read_text()
        with duckdb.connect(str(env.staged_file), read_only=True) as con:
            assert con.execute("select order_id from raw.crm_orders").fetchall() == [(1,)]
            assert con.execute("select load_id from raw._dlt_loads").fetchall() == [(before,)]
            assert con.execute("select version from raw._dlt_pipeline_state").fetchall() == [(1,)]
            assert con.execute("select ticket_id from raw.helpdesk_tickets").fetchall() == [(7,)]
        assert value(env.staged_file) == 2  # the rest of the staged warehouse is untouched


def test_one_run_at_a_time(prod):
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with wap.run_lock(prod):
            entered.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(10)
    try:
        with pytest.raises(wap.RunInProgressError, match="another run"), wap.run_lock(prod):
            pass
    finally:
        release.set()
        holder.join()
    with wap.run_lock(prod):
        pass


def test_export_sets_are_versioned_and_a_manifest_names_consistent_files(tmp_path):
    con = duckdb.connect()
    con.execute("create schema analytics")
    con.execute("create table analytics.mtr_a as select 1 as v")
    out = tmp_path / "powerbi"
    runs = [f"r{i}" for i in range(5)]
    for run_id in runs:
        con.execute("update analytics.mtr_a set v = v + 1")
        exports.export_tables(con, out, run_id=run_id, tables=[MTR_A])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_id"] == "r4" and manifest["version_dir"] == ".versions/r4"
    version = out / manifest["version_dir"]
    for entry in manifest["tables"].values():
        for fmt, file in entry["files"].items():
            assert exports._sha256(version / file) == entry["sha256"][fmt]
            assert (out / file).read_bytes() == (version / file).read_bytes()
    assert (out / "mtr_a.csv").read_text() == "v\n6\n"
    kept = sorted(p.name for p in (out / ".versions").iterdir())
    assert kept == ["r2", "r3", "r4"]


def test_a_prepared_export_is_invisible_until_published(tmp_path):
    con = duckdb.connect()
    con.execute("create schema analytics; create table analytics.mtr_a as select 1 as v")
    out = tmp_path / "powerbi"
    exports.export_tables(con, out, run_id="r1", tables=[MTR_A])
    before = (out / "manifest.json").read_bytes()
    con.execute("update analytics.mtr_a set v = 2")
    prepared = exports.prepare_export(con, out, run_id="r2", tables=[MTR_A])
    assert (out / "manifest.json").read_bytes() == before
    prepared.discard()
    assert not (out / ".versions" / "r2").exists()
    assert (out / "manifest.json").read_bytes() == before
