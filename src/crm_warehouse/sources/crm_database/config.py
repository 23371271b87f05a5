"""``[sources.<name>]`` of kind ``sqlite`` or ``postgres``: the CRM database."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator

from crm_warehouse.settings.base import SchemaContract, Strict, check_url_scheme
from crm_warehouse.settings.sources import SourceSettings

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


class SqlDatabaseSource(SourceSettings):
    """A relational CRM database read table by table on an ``updated_at`` cursor."""

    kind: Literal["sqlite", "postgres"]
    url: SecretStr = Field(description="SQLAlchemy-style URL; may hold a password, so secret")
    tables: dict[str, str] = Field(
        default_factory=lambda: dict(CRM_PRIMARY_KEYS),
        description="table name -> primary key column",
    )
    cursor_column: str = "updated_at"
    lookback_minutes: int = Field(default=120, ge=0)
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

    @field_validator("url")
    @classmethod
    def _url_has_scheme(cls, value: SecretStr) -> SecretStr:
        return check_url_scheme(value, "sqlite:///data/source/crm.sqlite")

    def scheme(self) -> str:
        return self.url.get_secret_value().split("://", 1)[0].split("+", 1)[0]

    def raw_cursor_column(self) -> str | None:
        return self.cursor_column
