"""The services a demo configuration needs while its sources sync: the marketing tool's mock
API (``[demo.marketing_mock]``), started for the marketing source's sync on a free loopback
port. The pipeline gets a plain ``http://`` address and a token, as for a real API; it never
learns that it talks to the demo. The CLI, as the composition root, asks for them
(``crm-warehouse demo``, and ``run`` or ``ingest`` with the demo's config file)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from pydantic import SecretStr

from crm_warehouse.errors import SourceError
from crm_warehouse.settings import Settings

Service = Any  # Callable[[], AbstractContextManager[Mapping[str, Any]]]


def source_services(settings: Settings) -> dict[str, Service]:
    """Source name -> the service its syncs need (none without a demo service configured). A
    source given an address of its own (``base_url``, e.g. from the environment) keeps it."""
    mock = settings.demo.marketing_mock
    if mock is None or getattr(settings.sources.get(mock.source), "base_url", None):
        return {}
    folder = settings.resolve(mock.folder)
    source = mock.source

    def marketing_api() -> AbstractContextManager[Mapping[str, Any]]:
        return _serve_marketing(source, folder)

    return {source: marketing_api}


@contextmanager
def _serve_marketing(source: str, folder: Any) -> Iterator[Mapping[str, Any]]:
    from crm_warehouse.demo.marketing.server import serve_folder

    if not folder.is_dir():
        raise SourceError(
            f"marketing mock folder {folder} does not exist",
            where=f"source {source!r}",
            fix="run `crm-warehouse demo` (it writes the mock's files), or remove "
            "[demo.marketing_mock] and point "
            f"sources.{source}.base_url at the marketing API",
        )
    with serve_folder(folder) as server:
        yield {"base_url": server.base_url, "token": SecretStr(server.token)}
