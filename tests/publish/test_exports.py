"""Publishing the metric tables is atomic: a failed export leaves the previous one intact."""

from __future__ import annotations

import json

import duckdb
import pytest

from crm_warehouse.publish import exports


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema analytics")
    con.execute(
        "create table analytics.mtr_a as select * from (values (2, 'b'), (1, 'a')) t(id, name)"
    )
    con.execute("create table analytics.mtr_b as select 10.5::decimal(18,2) as revenue_gbp")
    con.execute("create table analytics.not_a_metric as select 1 as x")
    yield con
    con.close()


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_exports_csv_parquet_and_manifest(con, tmp_path):
    out = tmp_path / "powerbi"
    exported = exports.export_metric_tables(con, out, run_id="r1")
    assert [t.name for t in exported] == ["mtr_a", "mtr_b"]
    assert (out / "mtr_a.csv").read_text() == "id,name\n1,a\n2,b\n"  # stable order
    assert (
        duckdb.sql(f"select sum(revenue_gbp) from '{out / 'mtr_b.parquet'}'").fetchall()[0][0]
        == 10.5
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_id"] == "r1"
    assert manifest["tables"]["mtr_a"]["rows"] == 2
    assert manifest["tables"]["mtr_b"]["columns"] == [
        {"name": "revenue_gbp", "type": "DECIMAL(18,2)"}
    ]
    assert not list(out.glob(".tmp-*"))


def test_failed_export_leaves_previous_files_byte_for_byte(con, tmp_path, monkeypatch):
    out = tmp_path / "powerbi"
    exports.export_metric_tables(con, out, run_id="r1")
    before = snapshot(out)
    con.execute("insert into analytics.mtr_a values (3, 'c')")
    real_write = exports._write_table

    def fail_on_second(con, name, folder):
        if name == "mtr_b":
            raise OSError("disk full")
        return real_write(con, name, folder)

    monkeypatch.setattr(exports, "_write_table", fail_on_second)
    with pytest.raises(OSError):
        exports.export_metric_tables(con, out, run_id="r2")
    assert snapshot(out) == before
    assert not list(out.glob(".tmp-*"))


def test_dropped_metric_table_is_removed_from_the_export(con, tmp_path):
    out = tmp_path / "powerbi"
    exports.export_metric_tables(con, out, run_id="r1")
    con.execute("drop table analytics.mtr_b")
    exports.export_metric_tables(con, out, run_id="r2")
    assert sorted(p.name for p in out.glob("mtr_*")) == ["mtr_a.csv", "mtr_a.parquet"]


def test_no_metric_tables_is_a_publish_error(tmp_path):
    con = duckdb.connect()
    con.execute("create schema analytics")
    with pytest.raises(exports.PublishError, match="no mtr_ tables"):
        exports.export_metric_tables(con, tmp_path, run_id="r")
