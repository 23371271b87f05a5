"""Publishing the published tables is atomic: a failed export leaves the previous one intact.
The export set is what the dbt project marks for export, read from where dbt built it."""

from __future__ import annotations

import json

import duckdb
import pytest

from crm_warehouse.publish import exports
from crm_warehouse.transform import Model, Relations

MTR_A = exports.PublishedTable("mtr_a", "published", "mtr_a", ("csv", "parquet"))
MTR_B = exports.PublishedTable("mtr_b", "published", "mtr_b", ("csv", "parquet"))
ROWS = exports.PublishedTable("fct_rows", "published", "fct_rows", ("parquet",))


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema published")
    con.execute(
        "create table published.mtr_a as select * from (values (2, 'b'), (1, 'a')) t(id, name)"
    )
    con.execute("create table published.mtr_b as select 10.5::decimal(18,2) as revenue_gbp")
    con.execute("create table published.fct_rows as select range as row_key from range(3)")
    con.execute("create table published.not_published as select 1 as x")
    yield con
    con.close()


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_published_tables_are_the_models_marked_for_export():
    relations = Relations(
        {
            "mtr_b": Model("mtr_b", "analytics", "mtr_b", "metrics", {"export": ["csv"]}),
            "fct_rows": Model("fct_rows", "bi", "fct_rows", "powerbi", {"export": ["parquet"]}),
            "dim_x": Model("dim_x", "marts", "dim_x", "marts"),
        }
    )
    assert exports.published_tables(relations) == [
        exports.PublishedTable("fct_rows", "bi", "fct_rows", ("parquet",)),
        exports.PublishedTable("mtr_b", "analytics", "mtr_b", ("csv",)),
    ]


def test_exports_each_table_in_its_formats_and_a_manifest(con, tmp_path):
    out = tmp_path / "powerbi"
    exported = exports.export_tables(con, out, run_id="r1", tables=[ROWS, MTR_A, MTR_B])
    assert [t.name for t in exported] == ["fct_rows", "mtr_a", "mtr_b"]
    assert (out / "mtr_a.csv").read_text() == "id,name\n1,a\n2,b\n"  # stable order
    assert (
        duckdb.sql(f"select sum(revenue_gbp) from '{out / 'mtr_b.parquet'}'").fetchall()[0][0]
        == 10.5
    )
    assert sorted(p.name for p in out.glob("fct_rows.*")) == ["fct_rows.parquet"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_id"] == "r1"
    assert manifest["tables"]["mtr_a"]["rows"] == 2
    assert manifest["tables"]["mtr_b"]["columns"] == [
        {"name": "revenue_gbp", "type": "DECIMAL(18,2)"}
    ]
    assert manifest["tables"]["fct_rows"]["files"] == {"parquet": "fct_rows.parquet"}
    assert manifest["tables"]["fct_rows"]["rows"] == 3
    assert set(manifest["tables"]) == {"fct_rows", "mtr_a", "mtr_b"}
    assert not list(out.glob(".tmp-*"))


def test_failed_export_leaves_previous_files_byte_for_byte(con, tmp_path, monkeypatch):
    out = tmp_path / "powerbi"
    exports.export_tables(con, out, run_id="r1", tables=[MTR_A, MTR_B])
    before = snapshot(out)
    con.execute("insert into published.mtr_a values (3, 'c')")
    real_write = exports._write_table

    def fail_on_second(con, table, folder):
        if table.name == "mtr_b":
            raise OSError("disk full")
        return real_write(con, table, folder)

    monkeypatch.setattr(exports, "_write_table", fail_on_second)
    with pytest.raises(OSError):
        exports.export_tables(con, out, run_id="r2", tables=[MTR_A, MTR_B])
    assert snapshot(out) == before
    assert not list(out.glob(".tmp-*"))


def test_a_table_no_longer_published_is_removed_from_the_export(con, tmp_path):
    out = tmp_path / "powerbi"
    (out / "notes.csv").parent.mkdir(parents=True)
    (out / "notes.csv").write_text("kept: not ours\n")
    exports.export_tables(con, out, run_id="r1", tables=[ROWS, MTR_A, MTR_B])
    exports.export_tables(con, out, run_id="r2", tables=[MTR_A])
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "manifest.json",
        "mtr_a.csv",
        "mtr_a.parquet",
        "notes.csv",
    ]


def test_nothing_to_publish_or_a_table_not_built_is_a_publish_error(con, tmp_path):
    with pytest.raises(exports.PublishError, match="marks no table for export"):
        exports.export_tables(con, tmp_path, run_id="r", tables=[])
    missing = exports.PublishedTable("mtr_c", "published", "mtr_c", ("csv",))
    with pytest.raises(exports.PublishError, match=r"not built: published\.mtr_c") as raised:
        exports.export_tables(con, tmp_path, run_id="r", tables=[MTR_A, missing])
    assert "crm-warehouse transform" in raised.value.one_line()
    assert not (tmp_path / "manifest.json").exists()
