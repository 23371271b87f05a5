"""Keep secrets out of logs, alerts and the ops tables.

Two layers: every secret value in the configuration (and the secret parts of those values: a
URL's password, a webhook URL's path and query) is replaced wherever it appears, and patterns
catch credentials the configuration does not know (``user:password@`` in any URL, ``token=``
style query parameters, bearer tokens). The logging hook applies both to every log record of
the process, whichever logger or handler it goes through.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, SecretStr

MASK = "***"
_MIN_SECRET_LENGTH = 4
_MIN_PATH_PART_LENGTH = 8

_SECRET_QUERY_KEYS = (
    "access_token",
    "api_key",
    "apikey",
    "auth",
    "code",
    "key",
    "password",
    "pwd",
    "secret",
    "sig",
    "signature",
    "token",
)
_PATTERNS = (
    re.compile(r"(?P<keep>\b[a-z][a-z0-9+.\-]*://[^/\s:@]*:)[^@\s/]+(?=@)", re.I),
    re.compile(rf"(?P<keep>[?&;](?:{'|'.join(_SECRET_QUERY_KEYS)})=)[^&\s\"'#]+", re.I),
    re.compile(r"(?P<keep>\bbearer\s+)[a-z0-9._~+/=\-]+", re.I),
    re.compile(r"(?P<keep>hooks\.slack\.com/(?:services|workflows|triggers)/)[^\s\"'<>]+", re.I),
)

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def register(values: Iterable[str]) -> None:
    """Remember secret strings (and their secret parts) to mask from now on."""
    with _lock:
        for value in values:
            _secrets.update(
                part for part in _secret_parts(value) if len(part) >= _MIN_SECRET_LENGTH
            )


def register_settings(settings: BaseModel) -> None:
    register(_secret_values(settings))


def redact(text: str) -> str:
    if not text:
        return text
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<keep>{MASK}", text)
    return text


def redact_any(value: Any) -> Any:
    """Redact every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_any(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_any(item) for item in value]
    return value


def install_log_redaction() -> None:
    """Redact every log record as it is created (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:
        return
    cleaned = redact(message)
    if cleaned != message or record.args:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


def _secret_values(model: BaseModel) -> Iterable[str]:
    for name in type(model).model_fields:
        yield from _secrets_in(getattr(model, name))


def _secrets_in(value: Any) -> Iterable[str]:
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        yield from _secret_values(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _secrets_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secrets_in(item)


def _secret_parts(value: str) -> set[str]:
    """The value itself and, for a URL, the parts that are secret on their own."""
    parts = {value}
    if "://" not in value:
        return parts
    url = urlsplit(value)
    if url.password:
        parts.add(url.password)
    parts.update(v for k, v in parse_qsl(url.query) if k.lower() in _SECRET_QUERY_KEYS)
    if url.scheme in {"http", "https"}:
        parts.update(
            p
            for p in url.path.split("/")
            if len(p) >= _MIN_PATH_PART_LENGTH and any(c.isdigit() for c in p)
        )
    return parts
