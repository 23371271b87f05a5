"""PostgreSQL for the source tests: a throwaway database on the machine's server, and a private
cluster (initdb in a temporary folder, on a free port) where the tests may change what the
shared server does not allow: ``wal_level = logical`` and password authentication."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVER = os.environ.get(
    "CRM_WAREHOUSE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_BIN = Path(os.environ.get("CRM_WAREHOUSE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
READER, READER_PASSWORD = "crm_reader", "reader-s3cret"


def admin_connect(url: str = SERVER):
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        con = psycopg2.connect(url, connect_timeout=3)
    except psycopg2.Error as exc:
        pytest.skip(f"no PostgreSQL server at {url}: {exc}".splitlines()[0])
    con.autocommit = True
    return con


@contextmanager
def database(server: str = SERVER, prefix: str = "crm_src_test") -> Iterator[str]:
    """A new database on ``server``, dropped afterwards; yields its URL."""
    admin = admin_connect(server)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f"create database {name}")
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f"drop database if exists {name} with (force)")
        admin.close()


def execute(url: str, *statements: str) -> None:
    """Each statement committed on its own (CREATE DATABASE cannot run in a transaction)."""
    import psycopg2

    con = psycopg2.connect(url)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        con.close()


def query(url: str, sql: str) -> list[tuple]:
    import psycopg2

    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """A private PostgreSQL cluster: superuser ``postgres`` (trust) and ``crm_reader``
    (password, REPLICATION), ``wal_level = logical``."""

    port: int
    folder: Path

    def url(self, db: str = "postgres", *, user: str = "postgres", password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/{db}"

    def reader_url(self, db: str, password: str = READER_PASSWORD) -> str:
        return self.url(db, user=READER, password=password)


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN} (set CRM_WAREHOUSE_TEST_PG_BIN)")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("a private PostgreSQL cluster needs root (runuser -u postgres)")
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres system user for a private cluster")
    folder = Path(tempfile.mkdtemp(prefix="crm-pg-", dir="/tmp"))
    os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, port = folder / "data", free_port()
    _as_postgres(
        str(PG_BIN / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
    )
    (data / "pg_hba.conf").write_text(
        "local all all trust\n"
        f"host all {READER} 127.0.0.1/32 scram-sha-256\n"
        "host all postgres 127.0.0.1/32 trust\n"
    )
    options = (
        f"-c port={port} -c listen_addresses=127.0.0.1 -c wal_level=logical "
        f"-c max_replication_slots=4 -c max_wal_senders=4 -c fsync=off "
        f"-c unix_socket_directories={folder}"
    )
    _as_postgres(
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    )
    cluster = Cluster(port, folder)
    try:
        _wait(cluster)
        execute(
            cluster.url(), f"create role {READER} login replication password '{READER_PASSWORD}'"
        )
        yield cluster
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _wait(cluster: Cluster) -> None:
    import psycopg2

    for _ in range(50):
        try:
            psycopg2.connect(cluster.url(), connect_timeout=2).close()
            return
        except psycopg2.OperationalError:
            time.sleep(0.2)
    raise RuntimeError(f"private PostgreSQL cluster on port {cluster.port} did not start")
