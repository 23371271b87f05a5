"""Typed configuration: one TOML file, a git-ignored secrets file, and environment variables.

Precedence (highest first): environment (``CRM_WAREHOUSE_<SECTION>__<KEY>``), the secrets file
(``.secrets.toml`` beside the config file), the config file (``crm-warehouse.toml``), defaults.
Relative paths are resolved against the config file's folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from crm_warehouse.errors import ConfigError
from crm_warehouse.settings.base import SchemaContract, Strict, check_timezone
from crm_warehouse.settings.monitor import MonitorConfig
from crm_warehouse.settings.quality import QualityConfig

CONFIG_FILE_NAME = "crm-warehouse.toml"
SECRETS_FILE_NAME = ".secrets.toml"
ENV_PREFIX = "CRM_WAREHOUSE_"
CONFIG_ENV_VAR = "CRM_WAREHOUSE_CONFIG"

CRM_PRIMARY_KEYS = {
    "customers": "customer_id",
    "products": "product_id",
    "orders": "order_id",
    "order_items": "order_item_id",
}


class ReplicationConfig(Strict):
    """Logical replication (pgoutput) used to capture hard deletes on PostgreSQL."""

    slot_name: str | None = Field(default=None, description="default crm_warehouse_<source>")
    publication: str | None = Field(default=None, description="default crm_warehouse_<source>")
    max_lag_mb: int = Field(default=1024, ge=1, description="report a slot further behind")
    url: SecretStr | None = Field(
        default=None,
        description="direct connection for the slot when the source url is a pooler; "
        "default: the source url. May hold a password, so secret",
    )

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must be a postgresql:// URL (the direct connection)")
        return value


class SqlDatabaseSource(Strict):
    """A relational CRM database read table by table on an ``updated_at`` cursor."""

    kind: Literal["sqlite", "postgres"]
    url: SecretStr = Field(description="SQLAlchemy-style URL; may hold a password, so secret")
    tables: dict[str, str] = Field(
        default_factory=lambda: dict(CRM_PRIMARY_KEYS),
        description="table name -> primary key column",
    )
    cursor_column: str = "updated_at"
    lookback_minutes: int = Field(default=120, ge=0)
    timezone: str = "Europe/London"
    batch_size: int = Field(default=500_000, gt=0)
    backend: Literal["auto", "copy", "adbc", "connectorx"] = Field(
        default="auto", description="auto: COPY for PostgreSQL, ADBC for SQLite (fastest)"
    )
    deletes: Literal["reconcile", "replication", "none"] = "reconcile"
    replication: ReplicationConfig = ReplicationConfig()
    schema_contract: SchemaContract = "quarantine"
    max_connections: int = Field(
        default=1,
        ge=1,
        description="connections the source holds at once (one table read per connection); "
        "keep it within the pooler's pool size",
    )
    row_level_security: Literal["refuse", "accept"] = Field(
        default="refuse",
        description="a table whose rows row level security hides from the source role: "
        "refuse the sync, or accept loading only the rows the role sees",
    )

    _tz = field_validator("timezone")(check_timezone)

    @field_validator("url")
    @classmethod
    def _url_has_scheme(cls, value: SecretStr) -> SecretStr:
        if "://" not in value.get_secret_value():
            raise ValueError("must be a URL such as sqlite:///data/source/crm.sqlite")
        return value

    def scheme(self) -> str:
        return self.url.get_secret_value().split("://", 1)[0].split("+", 1)[0]


class HelpdeskCsvSource(Strict):
    """A folder into which the helpdesk drops ticket exports (CSV), one or more files a day."""

    kind: Literal["helpdesk_csv"]
    feed_dir: Path
    pattern: str = "**/*.csv"
    timezone: str = "Europe/London"
    schema_contract: SchemaContract = "quarantine"

    _tz = field_validator("timezone")(check_timezone)


MOCK_SCHEME = "mock://"

MARKETING_ENDPOINTS = {
    "campaigns": ["campaign_id"],
    "ad_spend": ["campaign_id", "spend_date"],
    "leads": ["lead_id"],
}


class MarketingApiSource(Strict):
    """A marketing tool's REST API: campaigns, daily ad spend, leads (see docs/sources.md).

    ``base_url`` is the API root, or ``mock://<folder>`` to serve the demo's files from a local
    mock server started for the sync.
    """

    kind: Literal["marketing_api"]
    base_url: str
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

    _tz = field_validator("timezone")(check_timezone)

    @field_validator("base_url")
    @classmethod
    def _http_or_mock(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", MOCK_SCHEME)):
            raise ValueError("must be an http(s):// URL (or mock://<folder> for the demo)")
        return value

    @model_validator(mode="after")
    def _token_unless_mock(self) -> MarketingApiSource:
        if self.token is None and not self.is_mock:
            raise ValueError("token is required (set it in .secrets.toml or the environment)")
        return self

    @property
    def is_mock(self) -> bool:
        return self.base_url.startswith(MOCK_SCHEME)


SourceConfig = Annotated[
    SqlDatabaseSource | HelpdeskCsvSource | MarketingApiSource, Field(discriminator="kind")
]


class WarehouseConfig(Strict):
    target: Literal["duckdb", "postgres", "bigquery"] = "duckdb"
    duckdb_path: Path = Path("data/warehouse.duckdb")
    threads: int = Field(default=4, ge=1)
    memory_limit: str = Field(
        default="80%",
        pattern=r"^\d+(\.\d+)?\s*(%|[KMGT]i?B)$",
        description="DuckDB's memory_limit for dbt builds: a share of RAM ('50%') or a size "
        "('4GB'); beyond it DuckDB spills to disk. 80% is DuckDB's own default",
    )


class TransformConfig(Strict):
    project_dir: Path = Path("transform")
    fail_on_freshness: bool = True
    unit_tests: bool = Field(default=False, description="also run dbt unit tests in `run`")


class PowerBIConfig(Strict):
    """``[publish.powerbi]``: the Power BI project, web dashboard, screenshots, insights."""

    enabled: bool = True
    data_folder: str = Field(default="", description="DataFolder default; empty: export_dir")
    bigquery_project: str = Field(default="", description="for warehouse.target = bigquery")
    dashboard_dir: Path = Path("site/dashboard")
    dashboard_max_rows: int = Field(
        default=500_000,
        gt=0,
        description="the web dashboard embeds the row-grain facts for its filters; above this "
        "many rows it is skipped (the exports and the Power BI project are not)",
    )
    screenshots: bool = Field(default=True, description="when Chromium is installed")
    screenshots_dir: Path = Path("screenshots")
    chromium: Path = Path("/usr/bin/chromium")


class PublishConfig(Strict):
    export_dir: Path = Path("powerbi")
    docs_dir: Path = Path("site/dbt-docs")
    generate_docs: bool = True
    powerbi: PowerBIConfig = PowerBIConfig()


class DemoConfig(Strict):
    seed: int = 42
    scale: float = Field(default=1.0, gt=0)


class Settings(BaseSettings):
    """Everything the pipeline reads from its configuration."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
    )

    data_dir: Path = Path("data")
    source_timezone: str = "Europe/London"
    warehouse: WarehouseConfig = WarehouseConfig()
    transform: TransformConfig = TransformConfig()
    publish: PublishConfig = PublishConfig()
    demo: DemoConfig = DemoConfig()
    monitor: MonitorConfig = MonitorConfig()
    quality: QualityConfig = QualityConfig()
    sources: dict[str, SourceConfig] = Field(default_factory=dict)

    # Set by load_settings, not read from any file.
    config_path: Path | None = Field(default=None, exclude=True)

    _tz = field_validator("source_timezone")(check_timezone)

    @field_validator("sources")
    @classmethod
    def _names_are_identifiers(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"source name {name!r} must be lowercase letters, digits, '_'")
        return value

    @property
    def root(self) -> Path:
        return self.config_path.parent if self.config_path else Path.cwd()

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.root / path).resolve()

    @property
    def data_path(self) -> Path:
        return self.resolve(self.data_dir)

    @property
    def duckdb_path(self) -> Path:
        return self.resolve(self.warehouse.duckdb_path)

    @property
    def dbt_project_path(self) -> Path:
        """The dbt project; a relative path that does not exist beside the config falls back
        to the project shipped with this checkout (``<repo>/transform``)."""
        path = self.resolve(self.transform.project_dir)
        if not path.exists() and not self.transform.project_dir.is_absolute():
            shipped = Path(__file__).resolve().parents[2] / self.transform.project_dir
            if (shipped / "dbt_project.yml").exists():
                return shipped
        return path

    @property
    def export_path(self) -> Path:
        return self.resolve(self.publish.export_dir)

    @property
    def docs_path(self) -> Path:
        return self.resolve(self.publish.docs_dir)

    def sources_of_kind(self, *kinds: str) -> dict[str, SourceConfig]:
        return {name: src for name, src in self.sources.items() if src.kind in kinds}


def _find_config(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    if env := os.environ.get(CONFIG_ENV_VAR):
        return Path(env)
    candidate = Path.cwd() / CONFIG_FILE_NAME
    return candidate if candidate.exists() else None


def load_settings(config_path: Path | None = None) -> Settings:
    """Read and validate the configuration; raise ConfigError with a one-line reason."""
    path = _find_config(config_path)
    if path is not None and not path.exists():
        raise ConfigError(
            f"config file {path} does not exist",
            fix=f"create it (see {CONFIG_FILE_NAME} in the repository) or pass --config",
        )
    path = path.resolve() if path else None
    toml_files = [p for p in (path, path.parent / SECRETS_FILE_NAME) if p] if path else []

    class _FileSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            files = [TomlConfigSettingsSource(settings_cls, toml_file=p) for p in toml_files]
            return (init_settings, env_settings, *reversed(files))

    try:
        settings = _FileSettings(config_path=path)
    except ValidationError as exc:
        raise ConfigError(
            _describe_validation_error(exc),
            where=str(path or "environment"),
            fix="correct the value (see crm-warehouse.toml and README)",
        ) from None
    except (OSError, ValueError) as exc:  # TOML syntax errors are ValueErrors
        raise ConfigError(
            f"cannot read configuration: {exc}".splitlines()[0],
            where=str(path),
            fix="check the TOML syntax",
        ) from None
    return Settings.model_validate(settings.model_dump() | {"config_path": path})


def _describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"invalid setting {location}: {first['msg']}{more}"
