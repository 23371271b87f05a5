"""``[sources.<name>]`` of kind ``marketing_api``: a marketing tool's REST API."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from crm_warehouse.settings.base import SchemaContract
from crm_warehouse.settings.sources import SourceSettings

MARKETING_ENDPOINTS = {
    "campaigns": ["campaign_id"],
    "ad_spend": ["campaign_id", "spend_date"],
    "leads": ["lead_id"],
}


class MarketingApiSource(SourceSettings):
    """A marketing tool's REST API: campaigns, daily ad spend, leads (see docs/sources.md).

    ``base_url`` is the API root. It may be left out of the configuration when a service
    supplies it for each sync (the demo's mock API, ``[demo.marketing_mock]``); a sync without
    it fails naming the key.
    """

    kind: Literal["marketing_api"]
    base_url: str | None = None
    token: SecretStr | None = Field(default=None, description="bearer token; secret")
    endpoints: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in MARKETING_ENDPOINTS.items()},
        description="endpoint (path under base_url) -> primary key columns",
    )
    cursor_field: str = "updated_at"
    lookback_minutes: int = Field(default=120, ge=0)
    initial_updated_since: str = "2000-01-01T00:00:00Z"
    page_size: int = Field(default=200, gt=0, le=10_000)
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=6, ge=1)
    backoff_seconds: float = Field(default=1.0, ge=0, description="exponential backoff factor")
    max_retry_delay_seconds: float = Field(default=60.0, ge=0)
    timezone: str = "UTC"
    schema_contract: SchemaContract = "quarantine"

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s):// URL")
        return value

    @model_validator(mode="after")
    def _token_with_url(self) -> MarketingApiSource:
        if self.base_url is not None and self.token is None:
            raise ValueError("token is required (set it in .secrets.toml or the environment)")
        return self
