"""How the source reaches PostgreSQL: the URL each reader gets, the first connection that
checks it (with what a refusal means and how to fix it), and what that connection finds out
about the server: a connection pooler in between, the role, its ``statement_timeout``.

The readers parse the URL their own way: psycopg2 and ADBC hand it to libpq, which also reads
``PGSSLMODE`` and friends from the environment and ``~/.postgresql/root.crt``; connectorx reads
only the URL and knows ``sslmode`` disable / prefer / require (``require`` checks the CA when
``sslrootcert`` is given) but not ``verify-ca`` or ``verify-full``. So the TLS settings are
written into the URL once (``explicit_tls``), and connectorx gets an equivalent URL or a refusal
(``connectorx_url``): no reader connects less securely than the URL says.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from crm_warehouse.errors import SourceError, cause

CONNECT_TIMEOUT_SECONDS = 10
CONNECT_FIX = (
    "check host, port, database name, user and password in the source URL, and that "
    "the server accepts connections"
)
_TLS_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}
_TLS_FILES = ("sslrootcert", "sslcert", "sslkey", "sslcrl")
_VERIFYING = {"require", "verify-ca", "verify-full"}
SUPABASE_POOLER = ".pooler.supabase.com"


def first_line(exc: BaseException) -> str:
    """A driver's error on one line, without any data value it quotes."""
    return cause(exc)


def url_params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def with_params(url: str, params: dict[str, str]) -> str:
    return urlunsplit(urlsplit(url)._replace(query=urlencode(params)))


def url_setting(where: str, key: str = "url") -> str:
    """The setting that holds the URL of the source named in ``where`` ("source 'crm'")."""
    match = re.fullmatch(r"source '([a-z][a-z0-9_]*)'", where)
    return f"sources.{match[1]}.{key}" if match else f"the source's {key}"


def explicit_tls(url: str, root: Path | None = None) -> str:
    """The URL with the TLS settings libpq would take from elsewhere written into it: from the
    environment (``PGSSLMODE``, ``PGSSLROOTCERT``, ...) and, for a mode that encrypts, libpq's
    default CA file ``~/.postgresql/root.crt``. Relative certificate paths are resolved against
    ``root`` (the config file's folder)."""
    params = url_params(url)
    before = dict(params)
    for key, variable in _TLS_ENV.items():
        if key not in params and os.environ.get(variable):
            params[key] = os.environ[variable]
    default_ca = Path.home() / ".postgresql" / "root.crt"
    if params.get("sslmode") in _VERIFYING and "sslrootcert" not in params and default_ca.exists():
        params["sslrootcert"] = str(default_ca)
    for key in _TLS_FILES:
        value = params.get(key)
        if value and value != "system" and not Path(value).expanduser().is_absolute():
            params[key] = str((root or Path.cwd()) / value)
    return url if params == before else with_params(url, params)


def connectorx_url(url: str, where: str = "source") -> str:
    """The URL for connectorx, as secure as libpq would connect with it, or a refusal."""
    if not url.startswith("postgresql://"):
        return url
    params = url_params(url)
    mode = params.get("sslmode", "prefer")
    setting = url_setting(where)
    if mode == "verify-full":
        raise SourceError(
            f"backend 'connectorx' cannot check the server's host name (sslmode=verify-full "
            f"in {setting})",
            where=where,
            fix="use backend 'copy' (the default) or 'adbc', which check it, or "
            "sslmode=verify-ca with sslrootcert",
        )
    if mode == "verify-ca":
        if "sslrootcert" not in params:
            raise SourceError(
                "backend 'connectorx' verifies the server's certificate only against the CA "
                f"file named by sslrootcert, and {setting} names none",
                where=where,
                fix=f"add sslrootcert=/path/to/ca.crt to {setting}",
            )
        # connectorx's `require` with a CA file checks the certificate against it: verify-ca.
        return with_params(url, params | {"sslmode": "require"})
    if mode not in {"disable", "prefer", "require"}:
        raise SourceError(
            f"backend 'connectorx' does not know sslmode={mode} (in {setting})",
            where=where,
            fix="use sslmode=require or verify-ca, or backend 'copy' (the default)",
        )
    return url


def connect_fix(message: str, where: str) -> str:
    """What to do about a refused connection, from the server's or libpq's reason."""
    text, setting = message.lower(), url_setting(where)
    if "does not support ssl" in text:
        return (
            f"the server does not accept TLS: turn ssl on in the server, or (on a network you "
            f"trust) remove sslmode from {setting}"
        )
    if "certificate verify failed" in text or "root certificate file" in text:
        return (
            f"set sslrootcert in {setting} to the CA certificate that signed the server's "
            "certificate (Supabase: Project Settings -> Database -> SSL Configuration)"
        )
    if "does not match host name" in text:
        return (
            f"connect to the host name the server's certificate names, or set "
            f"sslmode=verify-ca in {setting}"
        )
    if "no encryption" in text:
        return f"the server accepts only TLS connections: add sslmode=require to {setting}"
    return CONNECT_FIX


def connect(url: str, where: str) -> Any:
    """A psycopg2 connection, or a one-line error with the server's reason and the fix."""
    import psycopg2

    try:
        return psycopg2.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg2.Error as exc:
        reason = first_line(exc)
        raise SourceError(
            f"cannot connect to the database ({reason})",
            where=where,
            fix=connect_fix(str(exc), where),
        ) from None


@dataclass(frozen=True)
class Server:
    """What the first connection found out."""

    role: str
    statement_timeout_ms: int  # 0: none
    pooled: bool  # a connection pooler (PgBouncer, Supavisor) sits between us and the server
    reached: str  # host:port the URL names
    direct: str  # where the server itself listens, as far as it can be told from here


def inspect(url: str, where: str) -> Server:
    """Connect once and read what the other checks need.

    A pooler answers the connection itself: the backend key it hands out at login is its own
    (PgBouncer, Supavisor), so the process id libpq received differs from the server
    process's ``pg_backend_pid()``. Supabase's pooler host names are recognised as well."""
    connection = connect(url, where)
    try:
        connection.autocommit = True
        with connection.cursor() as cur:
            cur.execute(
                "select pg_backend_pid(), current_user, "
                "(select setting::bigint from pg_settings where name = 'statement_timeout'), "
                "host(inet_server_addr()), inet_server_port(), current_setting('port')"
            )
            pid, role, timeout, address, port, listens = cur.fetchone()
        login_pid = connection.info.backend_pid
    finally:
        connection.close()
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    supabase = host.endswith(SUPABASE_POOLER)
    direct = (
        _supabase_direct(unquote(parts.username or ""))
        if supabase
        else f"{address}:{port}"
        if address
        else f"the server's own host, port {listens}"
    )
    return Server(
        role=role,
        statement_timeout_ms=int(timeout or 0),
        pooled=supabase or login_pid != pid,
        reached=f"{host}:{parts.port or 5432}",
        direct=direct,
    )


def _supabase_direct(user: str) -> str:
    """Supabase's pooler user is ``postgres.<project ref>``; its direct host is
    ``db.<project ref>.supabase.co`` on port 5432, user ``postgres``."""
    ref = user.partition(".")[2] or "<project ref>"
    return f"db.{ref}.supabase.co:5432, user postgres"
