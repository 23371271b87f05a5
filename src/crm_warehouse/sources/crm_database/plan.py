"""What a sync of the CRM database needs to know before it extracts, read from the warehouse
and the pipeline's state: the primary keys alive in raw (to find deletes), whether the last
committed sync read a replication slot and up to which position, and the slot to read."""

from __future__ import annotations

import logging
from typing import Any

import pyarrow as pa

from crm_warehouse.errors import PipelineError, SourceError
from crm_warehouse.sources.crm_database.config import SqlDatabaseSource
from crm_warehouse.sources.crm_database.deletes import DeletePlan
from crm_warehouse.sources.crm_database.extract import Database, database_url
from crm_warehouse.sources.crm_database.replication import DeleteStream
from crm_warehouse.sources.metadata import DELETES_SUFFIX, EXTRACTED_AT, has_raw_table
from crm_warehouse.sources.plugin import SourceJob

log = logging.getLogger(__name__)


def delete_plan(job: SourceJob, db: Database, url: str) -> DeletePlan:
    config: SqlDatabaseSource = job.config
    plan = DeletePlan(mode=config.deletes)
    if config.deletes != "none":
        plan.live_keys, plan.deletes_tables = live_keys(job.pipeline, job.name, config.tables)
    plan.slot_in_use, plan.confirmed_lsn = slot_position(job.pipeline)
    if db.is_postgres:
        slot = config.replication.slot_name or f"crm_warehouse_{job.name}"
        direct = config.replication.url  # the slot's direct connection when url is a pooler
        plan.stream = DeleteStream(
            database_url(direct.get_secret_value(), root=job.root) if direct else url,
            list(config.tables),
            slot=slot,
            publication=config.replication.publication or slot,
            where=job.where,
            max_lag_mb=config.replication.max_lag_mb,
        )
    elif config.deletes == "replication":
        raise SourceError(
            "logical replication needs a PostgreSQL source",
            where=job.where,
            fix="set deletes = 'reconcile' for this source",
        )
    return plan


def slot_position(pipeline: Any) -> tuple[bool, str | None]:
    """Whether the last committed sync read a replication slot, and up to which position its
    load holds the slot's deletes (resource state)."""
    resources = pipeline.state.get("sources", {}).get("crm_database", {}).get("resources", {})
    states = [s for s in resources.values() if s.get("replication_slot")]
    positions = [s["replication_lsn"] for s in states if s.get("replication_lsn")]
    return bool(states), min(positions, key=lsn_number) if positions else None


def lsn_number(text: str) -> int:
    """A PostgreSQL WAL position (``16/B374D848``) as a number, for ordering."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def live_keys(
    pipeline: Any, source: str, tables: dict[str, str]
) -> tuple[dict[str, pa.Array], set[str]]:
    """Per source table, the primary keys whose newest version in raw is newer than their
    newest recorded delete; and the tables whose ``_deletes`` table exists."""
    found: dict[str, pa.Array] = {}
    with_deletes: set[str] = set()
    try:
        with pipeline.sql_client() as client:
            if not client.has_dataset():
                return found, with_deletes
            for table, key in tables.items():
                raw_table = f"{source}_{table}"
                if not has_raw_table(client, raw_table):
                    continue
                has_deletes = has_raw_table(client, raw_table + DELETES_SUFFIX)
                if has_deletes:
                    with_deletes.add(table)
                found[table] = _live(client, raw_table, key, has_deletes)
    except PipelineError:
        raise
    except Exception as exc:
        log.debug("no live keys for %s: %s", source, exc)
    return found, with_deletes


def _live(client: Any, raw_table: str, key: str, has_deletes: bool) -> pa.Array:
    versions = client.make_qualified_table_name(raw_table)
    sql = f"select {key}, max({EXTRACTED_AT}) as seen_at from {versions} group by {key}"
    if has_deletes:
        deletes = client.make_qualified_table_name(raw_table + DELETES_SUFFIX)
        sql = (
            f"select kept.{key} from ({sql}) as kept left join (select {key}, "
            f"max({EXTRACTED_AT}) as deleted_seen_at from {deletes} group by {key}) as gone "
            f"on gone.{key} = kept.{key} "
            f"where gone.deleted_seen_at is null or gone.deleted_seen_at < kept.seen_at"
        )
    rows = client.execute_sql(sql) or []
    return pa.array([row[0] for row in rows], pa.int64())
