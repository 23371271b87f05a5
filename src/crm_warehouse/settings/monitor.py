"""The ``[monitor]`` configuration section: retention, outputs, volume checks, alert channels.

Webhook URLs carry their secret in the URL itself, so every URL and
password is a ``SecretStr``: set them in ``.secrets.toml`` or the environment, e.g.
``CRM_WAREHOUSE_MONITOR__ALERTS__CHANNELS__OPS_SLACK__URL``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator

from crm_warehouse.settings.base import Strict, check_url_scheme


class _Webhook(Strict):
    url: SecretStr
    timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value


class SlackChannel(_Webhook):
    """A Slack (or Mattermost, Rocket.Chat: anything Slack-compatible) incoming webhook."""

    kind: Literal["slack"]


class TeamsChannel(_Webhook):
    """A Microsoft Teams webhook: ``adaptive`` for Workflows, ``messagecard`` for connectors."""

    kind: Literal["teams"]
    format: Literal["adaptive", "messagecard"] = "adaptive"


class WebhookChannel(_Webhook):
    """A generic JSON webhook: the alert's fields as one JSON object per message."""

    kind: Literal["webhook"]
    headers: dict[str, SecretStr] = Field(default_factory=dict)


class EmailChannel(Strict):
    """Email over SMTP, optionally upgraded with STARTTLS (or implicit TLS with ``ssl``)."""

    kind: Literal["email"]
    host: str
    port: int = Field(default=587, gt=0, lt=65536)
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password: SecretStr | None = None
    sender: str
    recipients: list[str] = Field(min_length=1)
    ca_file: Path | None = Field(default=None, description="CA bundle (default: system CAs)")
    timeout_seconds: float = Field(default=10.0, gt=0)


class AppriseChannel(Strict):
    """Any service apprise reaches (Slack, Teams, Discord, Telegram, ntfy, PagerDuty, email and
    100+ more), one apprise URL per channel, e.g. ``slack://T.../B.../token`` or
    ``json://host/path``: the alert's headline as the title, its lines as the body."""

    kind: Literal["apprise"]
    url: SecretStr = Field(description="an apprise URL; holds the service's credentials: secret")

    @field_validator("url")
    @classmethod
    def _has_scheme(cls, value: SecretStr) -> SecretStr:
        return check_url_scheme(value, "slack://... or json://host/path (an apprise URL)")


ChannelConfig = Annotated[
    SlackChannel | TeamsChannel | WebhookChannel | EmailChannel | AppriseChannel,
    Field(discriminator="kind"),
]


class VolumeCheck(Strict):
    """Rows loaded per raw table today (UTC) against the median of the previous days."""

    history_days: int = Field(default=14, ge=1)
    min_history_days: int = Field(default=3, ge=1)
    min_rows: int = Field(default=100, ge=0, description="ignore tables whose baseline is smaller")
    drop_ratio: float = Field(default=0.5, gt=0, le=1)
    spike_ratio: float = Field(default=5.0, ge=1)


class AlertSettings(Strict):
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    digest: bool = Field(default=False, description="one message per run and channel")
    freshness_level: Literal["error", "warn"] = "error"
    max_attempts: int = Field(default=3, ge=1, description="deliveries tried per message")


class MonitorConfig(Strict):
    retention_days: int = Field(default=90, ge=1)
    metrics_file: Path | None = None  # default: <data_dir>/metrics/crm_warehouse.prom
    ops_page: Path = Path("site/ops/index.html")
    history_runs: int = Field(default=30, ge=1, description="runs shown on the ops page")
    slowest_models: int = Field(default=10, ge=1)
    volume: VolumeCheck = VolumeCheck()
    alerts: AlertSettings = AlertSettings()
