"""What every ``[sources.<name>]`` section shares. The models themselves belong to the source
plug-ins (``crm_warehouse.sources.<kind>``): settings never imports them. The composition root
(the CLI) hands their models to ``load_settings``, which validates each section against the
model of its ``kind`` (docs/decisions.md, "Source plug-ins and their settings")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args

from pydantic import Field, field_validator

from crm_warehouse.settings.base import Strict, check_timezone


class SourceSettings(Strict):
    """The base of every source plug-in's configuration model; ``kind`` is a ``Literal`` of
    the kinds the plug-in reads."""

    kind: str
    timezone: str = "Europe/London"

    _tz = field_validator("timezone")(check_timezone)

    def raw_cursor_column(self) -> str | None:
        """The raw column holding the source's cursor (naive local time in ``timezone``),
        where the monitor can read the newest one; None when the source has none."""
        return None


SourceKinds = Mapping[str, type[SourceSettings]]


def kinds_of(model: type[SourceSettings]) -> tuple[str, ...]:
    """The ``kind`` values a plug-in's model accepts."""
    return tuple(str(kind) for kind in get_args(model.model_fields["kind"].annotation))


def source_type(kinds: SourceKinds) -> Any:
    """The type of one ``[sources.<name>]`` section: the registered models, told apart by
    ``kind``."""
    models = tuple(dict.fromkeys(kinds.values()))
    if not models:
        return SourceSettings
    if len(models) == 1:
        return models[0]
    return Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007
