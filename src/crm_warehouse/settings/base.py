"""What every configuration section shares: strict models (an unknown key is an error), time
zone validation and the schema-contract modes."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, SecretStr


class Strict(BaseModel):
    """A configuration section: an unknown key is a typo, so it is an error."""

    model_config = ConfigDict(extra="forbid")


SchemaContract = Literal["evolve", "quarantine", "freeze"]
"""What a source does when its data stops matching raw (docs/sources.md, "Schema drift")."""


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'UTC')") from exc
    return value


def check_url_scheme(value: SecretStr, example: str) -> SecretStr:
    """A URL (kept secret: it may hold credentials) must at least name its scheme."""
    if "://" not in value.get_secret_value():
        raise ValueError(f"must be a URL such as {example}")
    return value
