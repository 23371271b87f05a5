"""PostgreSQL for the source tests: a throwaway database on the machine's server; a private
cluster (initdb in a temporary folder, on a free port) where the tests may change what the
shared server does not allow: ``wal_level = logical``, password authentication and TLS with a
certificate signed by a throwaway CA; and PgBouncer in front of the shared server."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

SERVER = os.environ.get(
    "CRM_WAREHOUSE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_BIN = Path(os.environ.get("CRM_WAREHOUSE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
READER, READER_PASSWORD = "crm_reader", "reader-s3cret"
TLS_USER = "crm_tls"  # may connect to the private cluster only over TLS
ROLE_PASSWORD = "role-s3cret"  # of the roles login_role makes
PGBOUNCER = Path(os.environ.get("CRM_WAREHOUSE_TEST_PGBOUNCER", "/usr/sbin/pgbouncer"))


def require_binary(path: Path, reason: str) -> None:
    """Skip with the reason locally; under CI (CI=true) a missing binary is a failure, since
    `make test` installs it."""
    if path.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must have it: `make test` installs pgbouncer)")
    pytest.skip(reason)


def require_root(what: str) -> pwd.struct_passwd:
    """The ``postgres`` system user, to run a server or pooler as (both refuse to run as root)."""
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip(f"{what} needs root (runuser -u postgres)")
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip(f"no postgres system user for {what}")


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


@contextmanager
def login_role(server: str = SERVER, prefix: str = "crm_role") -> Iterator[str]:
    """A new login role on ``server`` (neither superuser nor BYPASSRLS), dropped afterwards:
    open it before the databases it gets privileges in, so they are dropped first."""
    admin_connect(server).close()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    execute(server, f"create role {name} login password '{ROLE_PASSWORD}'")
    try:
        yield name
    finally:
        execute(server, f"drop role if exists {name}")


def as_user(url: str, user: str) -> str:
    """``url`` with a role made by ``login_role`` (and its password, should the server ask)."""
    parts = urlsplit(url)
    netloc = f"{user}:{ROLE_PASSWORD}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


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
    """A private PostgreSQL cluster: superuser ``postgres`` (trust), ``crm_reader`` (password,
    REPLICATION) and ``crm_tls`` (TLS only), ``wal_level = logical``, TLS on with a certificate
    for ``localhost`` and ``127.0.0.1`` signed by ``ca_file``; ``other_ca_file`` signed nothing
    the server presents."""

    port: int
    folder: Path

    @property
    def ca_file(self) -> Path:
        return self.folder / "tls" / "ca.crt"

    @property
    def other_ca_file(self) -> Path:
        return self.folder / "tls" / "other-ca.crt"

    def url(self, db: str = "postgres", *, user: str = "postgres", password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/{db}"

    def reader_url(self, db: str, password: str = READER_PASSWORD) -> str:
        return self.url(db, user=READER, password=password)


def _openssl(command: str, cwd: Path) -> None:
    subprocess.run(["openssl", *command.split()], cwd=cwd, capture_output=True, check=True)


def _certificates(folder: Path) -> None:
    """A CA, the server's certificate signed by it (for localhost and 127.0.0.1), and a second
    CA that signed nothing the server presents. EC keys: fast to make."""
    folder.mkdir()
    key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
    for ca in ("ca", "other-ca"):
        _openssl(f"req -x509 {key} -subj /CN=crm-test-{ca} -keyout {ca}.key -out {ca}.crt", folder)
    _openssl(f"req {key} -subj /CN=localhost -keyout server.key -out server.csr", folder)
    (folder / "san.ext").write_text("subjectAltName = DNS:localhost, IP:127.0.0.1\n")
    _openssl(
        "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile san.ext -out server.crt",
        folder,
    )


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
    require_binary(
        PG_BIN / "initdb", f"no PostgreSQL binaries in {PG_BIN} (set CRM_WAREHOUSE_TEST_PG_BIN)"
    )
    require_binary(
        Path(shutil.which("openssl") or "/usr/bin/openssl"),
        "no openssl to make the private cluster's TLS certificates",
    )
    owner = require_root("a private PostgreSQL cluster")
    folder = Path(tempfile.mkdtemp(prefix="crm-pg-", dir="/tmp"))
    tls = folder / "tls"
    _certificates(tls)
    for path in [folder, *tls.iterdir(), tls]:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    (tls / "server.key").chmod(0o600)
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
        f"hostnossl all {TLS_USER} 127.0.0.1/32 reject\n"
        f"hostssl all {TLS_USER} 127.0.0.1/32 trust\n"
        "host all postgres 127.0.0.1/32 trust\n"
    )
    options = (
        f"-c port={port} -c listen_addresses=127.0.0.1 -c wal_level=logical "
        f"-c max_replication_slots=4 -c max_wal_senders=4 -c fsync=off "
        f"-c unix_socket_directories={folder} -c ssl=on "
        f"-c ssl_cert_file={tls / 'server.crt'} -c ssl_key_file={tls / 'server.key'}"
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
            cluster.url(),
            f"create role {READER} login replication password '{READER_PASSWORD}'",
            f"create role {TLS_USER} login",
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


@dataclass
class Pooler:
    """PgBouncer on a free loopback port in front of a PostgreSQL server."""

    port: int
    mode: str
    pool_size: int

    def url(self, database_url: str) -> str:
        """A database of the pooled server, reached through the pooler."""
        parts = urlsplit(database_url)
        return urlunsplit(parts._replace(netloc=f"postgres@127.0.0.1:{self.port}"))

    def spread(self, database_url: str) -> None:
        """Open every server connection of the pool, so that round-robin hands consecutive
        transactions of one client to different server sessions: state a client keeps across
        transactions then breaks at once instead of now and then."""
        import psycopg2

        clients = [psycopg2.connect(self.url(database_url)) for _ in range(self.pool_size)]
        try:
            for client in clients:
                with client.cursor() as cur:
                    cur.execute("select 1")  # holds a server connection until the rollback
        finally:
            for client in clients:
                client.rollback()
                client.close()


@contextmanager
def pgbouncer(
    mode: str = "transaction",
    *,
    pool_size: int = 2,
    query_wait_timeout: int = 20,
    server_url: str = SERVER,
) -> Iterator[Pooler]:
    """PgBouncer (Debian's ``pgbouncer``, run as the postgres user: it refuses root) in front of
    the server of ``server_url`` (the shared one by default), pooling ``pool_size`` server
    connections per database, handed out round-robin; a client waiting longer than
    ``query_wait_timeout`` seconds for one fails."""
    require_binary(PGBOUNCER, f"no PgBouncer at {PGBOUNCER} (make pgbouncer)")
    owner = require_root("PgBouncer")
    server = urlsplit(server_url)
    folder = Path(tempfile.mkdtemp(prefix="crm-pgbouncer-", dir="/tmp"))
    port = free_port()
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={server.hostname} port={server.port or 5432} user={server.username}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = any\npool_mode = {mode}\n"
        f"default_pool_size = {pool_size}\nmin_pool_size = 0\nserver_round_robin = 1\n"
        f"query_wait_timeout = {query_wait_timeout}\n"
        f"logfile = {folder / 'pgbouncer.log'}\npidfile = {folder / 'pgbouncer.pid'}\n"
    )
    os.chown(folder, owner.pw_uid, owner.pw_gid)
    os.chown(folder / "pgbouncer.ini", owner.pw_uid, owner.pw_gid)
    _as_postgres(str(PGBOUNCER), "-d", str(folder / "pgbouncer.ini"))
    pid = 0
    try:
        pid = _wait_for_pidfile(folder / "pgbouncer.pid")
        _wait_for_port(port)
        yield Pooler(port, mode, pool_size)
    finally:
        if pid:
            os.kill(pid, signal.SIGTERM)
            _wait_for_exit(pid)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_pidfile(path: Path) -> int:
    for _ in range(100):
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.05)
    raise RuntimeError(f"PgBouncer did not start (no {path})")


def _wait_for_port(port: int) -> None:
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"PgBouncer does not listen on port {port}")


def _wait_for_exit(pid: int) -> None:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
