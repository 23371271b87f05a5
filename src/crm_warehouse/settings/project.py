"""Typed configuration: one TOML file, a git-ignored secrets file, and environment variables.

Precedence (highest first): environment (``CRM_WAREHOUSE_<SECTION>__<KEY>``), the secrets file
(``.secrets.toml`` beside the config file), the config file (``crm-warehouse.toml``), defaults.
Relative paths are resolved against the config file's folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, create_model, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from crm_warehouse.errors import ConfigError
from crm_warehouse.settings.base import check_timezone
from crm_warehouse.settings.demo import DemoConfig
from crm_warehouse.settings.monitor import MonitorConfig
from crm_warehouse.settings.publish import PublishConfig
from crm_warehouse.settings.quality import QualityConfig
from crm_warehouse.settings.sources import SourceKinds, SourceSettings, source_type
from crm_warehouse.settings.transform import TransformConfig
from crm_warehouse.settings.warehouse import WarehouseConfig

CONFIG_FILE_NAME = "crm-warehouse.toml"
SECRETS_FILE_NAME = ".secrets.toml"
ENV_PREFIX = "CRM_WAREHOUSE_"
CONFIG_ENV_VAR = "CRM_WAREHOUSE_CONFIG"


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
    # Each section validated by its plug-in's model (load_settings).
    sources: dict[str, SourceSettings] = Field(default_factory=dict)

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

    @model_validator(mode="after")
    def _mock_serves_a_source(self) -> Settings:
        mock = self.demo.marketing_mock
        if mock is not None and mock.source not in self.sources:
            raise ValueError(
                f"demo.marketing_mock.source names {mock.source!r}, which is not a configured "
                "source"
            )
        return self

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

    def sources_of_kind(self, *kinds: str) -> dict[str, SourceSettings]:
        return {name: src for name, src in self.sources.items() if src.kind in kinds}


def _find_config(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    if env := os.environ.get(CONFIG_ENV_VAR):
        return Path(env)
    candidate = Path.cwd() / CONFIG_FILE_NAME
    return candidate if candidate.exists() else None


def settings_model(source_kinds: SourceKinds) -> type[Settings]:
    """``Settings`` whose ``[sources.<name>]`` sections are validated by the models of the
    source plug-ins, chosen by ``kind``."""
    if not source_kinds:
        return Settings
    return create_model(
        "Settings",
        __base__=Settings,
        sources=(dict[str, source_type(source_kinds)], Field(default_factory=dict)),
    )


def load_settings(config_path: Path | None = None, *, source_kinds: SourceKinds) -> Settings:
    """Read and validate the configuration; raise ConfigError with a one-line reason.
    ``source_kinds`` maps each source kind to its plug-in's model (the CLI passes
    ``crm_warehouse.ingest.registry.source_kinds()``)."""
    path = _find_config(config_path)
    if path is not None and not path.exists():
        raise ConfigError(
            f"config file {path} does not exist",
            fix=f"create it (see {CONFIG_FILE_NAME} in the repository) or pass --config",
        )
    path = path.resolve() if path else None
    toml_files = [p for p in (path, path.parent / SECRETS_FILE_NAME) if p] if path else []

    model = settings_model(source_kinds)

    class _FileSettings(model):  # type: ignore[valid-type,misc]
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
    return model.model_validate(settings.model_dump() | {"config_path": path})


def _describe_validation_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"invalid setting {location}: {first['msg']}{more}"
