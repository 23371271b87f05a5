"""Configuration: file, secrets file and environment, validated, secrets never shown."""

from __future__ import annotations

import pytest

from crm_warehouse.cli import load_config
from crm_warehouse.errors import ConfigError
from tests.conftest import write_config


def test_repository_config_is_valid(tmp_path):
    settings = load_config(write_config(tmp_path))
    assert settings.warehouse.target == "duckdb"
    assert settings.duckdb_path == tmp_path / "data" / "warehouse.duckdb"
    assert set(settings.sources) == {"crm", "helpdesk", "marketing"}
    assert settings.sources["crm"].tables["order_items"] == "order_item_id"


def test_secrets_file_overrides_config_and_environment_overrides_both(tmp_path, monkeypatch):
    path = write_config(tmp_path)
    (tmp_path / ".secrets.toml").write_text(
        '[sources.crm]\nkind = "postgres"\nurl = "postgresql://u:from-file@db:5432/crm"\n'
    )
    settings = load_config(path)
    assert settings.sources["crm"].kind == "postgres"
    assert settings.sources["crm"].url.get_secret_value().endswith("from-file@db:5432/crm")
    assert settings.sources["crm"].lookback_minutes == 120  # merged, not replaced
    monkeypatch.setenv("CRM_WAREHOUSE_SOURCES__CRM__URL", "postgresql://u:from-env@db/crm")
    assert "from-env" in load_config(path).sources["crm"].url.get_secret_value()


def test_secret_url_is_masked_in_repr_and_dump(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_WAREHOUSE_SOURCES__CRM__URL", "postgresql://u:hunter2@db/crm")
    monkeypatch.setenv("CRM_WAREHOUSE_SOURCES__CRM__KIND", "postgres")
    settings = load_config(write_config(tmp_path))
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in settings.model_dump_json()


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        ("CRM_WAREHOUSE_WAREHOUSE__TARGET", "oracle", "warehouse.target"),
        ("CRM_WAREHOUSE_SOURCE_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("CRM_WAREHOUSE_SOURCES__CRM__LOOKBACK_MINUTES", "-1", "lookback_minutes"),
        ("CRM_WAREHOUSE_SOURCES__CRM__URL", "not-a-url", "must be a URL"),
        ("CRM_WAREHOUSE_WAREHOUSE__MEMORY_LIMIT", "lots", "warehouse.memory_limit"),
    ],
)
def test_invalid_values_raise_one_line_config_errors(tmp_path, monkeypatch, env, value, expected):
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path))
    line = err.value.one_line()
    assert expected in line and "fix:" in line and "\n" not in line


def test_unknown_key_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match="warehuose"):
        load_config(write_config(tmp_path, "\n[warehuose]\ntarget = 'duckdb'\n"))


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
