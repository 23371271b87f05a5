"""TLS as Supabase needs it: ``sslmode=require`` and ``verify-full`` against the private cluster
(tests/pg.py: TLS on, the server's certificate signed by a throwaway CA). Its ``crm_tls`` role
may connect over TLS only, so a reader that dropped to an unencrypted connection would be
refused instead of passing. Each reader parses the URL its own way: psycopg2 and ADBC through
libpq, connectorx by itself."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from crm_warehouse.demo import generate
from crm_warehouse.errors import SourceError
from crm_warehouse.sources.crm_database.connection import connectorx_url, url_params
from crm_warehouse.sources.crm_database.extract import Database, database_url
from tests.ingest.conftest import sync
from tests.pg import TLS_USER, execute, query

pytestmark = pytest.mark.postgres

BACKENDS = ["copy", "adbc", "connectorx"]


@pytest.fixture(scope="module")
def tls_crm(private_pg, tmp_path_factory):
    """A demo CRM on the private cluster that ``crm_tls`` may read; yields its name."""
    name = f"crm_tls_{int(time.time() * 1000) % 10**8}"
    execute(private_pg.url(), f"create database {name}")
    try:
        generate(private_pg.url(name), tmp_path_factory.mktemp("tls-feed"), seed=9, scale=0.02)
        execute(private_pg.url(name), f"grant select on all tables in schema public to {TLS_USER}")
        yield name
    finally:
        execute(private_pg.url(), f"drop database if exists {name} with (force)")


def tls_url(cluster, database: str, **params: str) -> str:
    return cluster.url(database, user=TLS_USER) + "?" + urlencode(params)


def customers(cluster, database: str) -> int:
    return query(cluster.url(database), "select count(*) from customers")[0][0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_sslmode_require_reads_over_tls_with_every_reader(
    backend, private_pg, tls_crm, pg_settings
):
    settings = pg_settings(tls_url(private_pg, tls_crm, sslmode="require"), backend=backend)
    load = sync(settings, "t")
    assert load.status == "ok", load.error
    assert load.rows["crm_customers"] == customers(private_pg, tls_crm)


@pytest.mark.parametrize(
    ("backend", "mode"),
    [("copy", "verify-full"), ("adbc", "verify-full"), ("connectorx", "verify-ca")],
)
def test_the_certificate_is_verified_against_sslrootcert(backend, mode, private_pg, tls_crm):
    url = tls_url(private_pg, tls_crm, sslmode=mode, sslrootcert=str(private_pg.ca_file))
    db = Database(database_url(url), backend=backend, where="source 'crm'")
    db.check()
    assert db.read("select * from customers").num_rows == customers(private_pg, tls_crm)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_certificate_that_does_not_verify_fails_at_once_naming_sslrootcert(
    backend, private_pg, tls_crm, pg_settings
):
    mode = "verify-ca" if backend == "connectorx" else "verify-full"
    url = tls_url(private_pg, tls_crm, sslmode=mode, sslrootcert=str(private_pg.other_ca_file))
    started = time.monotonic()
    load = sync(pg_settings(url, backend=backend), "t")
    assert load.status == "failed" and "\n" not in load.error and time.monotonic() - started < 10
    assert "certificate verify failed" in load.error
    assert "fix: set sslrootcert in sources.crm.url to the CA certificate" in load.error


def test_connectorx_refuses_verify_full_it_cannot_check_the_host_name(
    private_pg, tls_crm, pg_settings
):
    url = tls_url(private_pg, tls_crm, sslmode="verify-full", sslrootcert=str(private_pg.ca_file))
    load = sync(pg_settings(url, backend="connectorx"), "t")
    assert load.status == "failed" and "\n" not in load.error
    assert "backend 'connectorx' cannot check the server's host name" in load.error
    assert "sslmode=verify-full in sources.crm.url" in load.error
    assert "use backend 'copy'" in load.error


@pytest.mark.parametrize("backend", BACKENDS)
def test_require_against_a_server_without_tls_fails_naming_sslmode(backend, pg_crm, pg_settings):
    ((ssl,),) = query(pg_crm, "show ssl")
    if ssl == "on":
        pytest.skip("the local server has TLS on")
    load = sync(pg_settings(pg_crm + "?sslmode=require", backend=backend), "t")
    assert load.status == "failed" and "\n" not in load.error
    assert "server does not support SSL, but SSL was required" in load.error
    assert "remove sslmode from sources.crm.url" in load.error


@pytest.mark.parametrize("backend", ["copy", "adbc"])
def test_the_libpq_readers_never_fall_back_to_an_unencrypted_connection(backend, pg_crm):
    """The readers on their own, without the source's first check."""
    ((ssl,),) = query(pg_crm, "show ssl")
    if ssl == "on":
        pytest.skip("the local server has TLS on")
    db = Database(pg_crm + "?sslmode=require", backend=backend, where="source 'crm'")
    with pytest.raises(SourceError) as raised:
        db.read("select 1 as one")
    assert "SSL" in raised.value.one_line() and "sslmode" in raised.value.one_line()


def test_tls_settings_from_the_environment_are_written_into_the_url(tmp_path, monkeypatch):
    """libpq reads PGSSLMODE, PGSSLROOTCERT and ~/.postgresql/root.crt; connectorx reads only
    the URL. Every reader gets the same, explicit, settings."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    monkeypatch.setenv("PGSSLROOTCERT", "certs/ca.crt")
    url = database_url("postgresql://crm@db.example.com:5432/crm", root=tmp_path)
    assert url_params(url) == {"sslmode": "verify-full", "sslrootcert": f"{tmp_path}/certs/ca.crt"}
    with pytest.raises(SourceError, match="cannot check the server's host name"):
        Database(url, backend="connectorx")

    monkeypatch.delenv("PGSSLMODE")
    monkeypatch.delenv("PGSSLROOTCERT")
    (tmp_path / ".postgresql").mkdir()
    (tmp_path / ".postgresql" / "root.crt").write_text("")
    url = database_url("postgresql://crm@db.example.com/crm?sslmode=verify-ca", root=tmp_path)
    cx = url_params(connectorx_url(url))
    assert cx == {"sslmode": "require", "sslrootcert": f"{tmp_path}/.postgresql/root.crt"}
    unchanged = "postgresql://crm@db.example.com/crm?sslmode=disable"
    assert database_url(unchanged) == unchanged


def test_the_tls_role_is_refused_without_tls_which_the_tests_above_rely_on(
    private_pg, tls_crm, pg_settings
):
    load = sync(pg_settings(tls_url(private_pg, tls_crm, sslmode="disable")), "t")
    assert load.status == "failed" and "no encryption" in load.error
    assert "fix: the server accepts only TLS connections: add sslmode=require" in load.error
