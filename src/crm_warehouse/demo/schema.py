"""The CRM source tables the demo writes (the contract in docs/sources.md)."""

from __future__ import annotations

TIMESTAMP = "TIMESTAMP"
MONEY = "NUMERIC(12,2)"

# table -> [(column, declared type)]; the first column is the integer primary key.
TABLES: dict[str, list[tuple[str, str]]] = {
    "customers": [
        ("customer_id", "INTEGER PRIMARY KEY"),
        ("full_name", "TEXT NOT NULL"),
        ("email", "TEXT NOT NULL"),
        ("age", "INTEGER"),
        ("gender", "TEXT"),
        ("location", "TEXT"),
        ("income_bracket", "TEXT"),
        ("signup_date", "DATE NOT NULL"),
        ("created_at", f"{TIMESTAMP} NOT NULL"),
        ("updated_at", f"{TIMESTAMP} NOT NULL"),
    ],
    "products": [
        ("product_id", "INTEGER PRIMARY KEY"),
        ("product_name", "TEXT NOT NULL UNIQUE"),
        ("brand", "TEXT"),
        ("category", "TEXT"),
        ("list_price", f"{MONEY} NOT NULL"),
        ("created_at", f"{TIMESTAMP} NOT NULL"),
        ("updated_at", f"{TIMESTAMP} NOT NULL"),
    ],
    "orders": [
        ("order_id", "INTEGER PRIMARY KEY"),
        ("customer_id", "INTEGER NOT NULL"),
        ("status", "TEXT NOT NULL"),
        ("ordered_at", f"{TIMESTAMP} NOT NULL"),
        ("currency", "TEXT NOT NULL"),
        ("created_at", f"{TIMESTAMP} NOT NULL"),
        ("updated_at", f"{TIMESTAMP} NOT NULL"),
    ],
    "order_items": [
        ("order_item_id", "INTEGER PRIMARY KEY"),
        ("order_id", "INTEGER NOT NULL"),
        ("product_id", "INTEGER NOT NULL"),
        ("quantity", "INTEGER NOT NULL"),
        ("unit_price", f"{MONEY} NOT NULL"),
        ("created_at", f"{TIMESTAMP} NOT NULL"),
        ("updated_at", f"{TIMESTAMP} NOT NULL"),
    ],
}

# Extra indexes beyond the primary keys: the extraction cursor on every table, plus the join
# keys the demo's own ``advance`` needs.
INDEXES: tuple[tuple[str, str], ...] = (
    *((table, "updated_at") for table in TABLES),
    ("orders", "customer_id"),
    ("order_items", "order_id"),
)

ORDER_STATUSES = ("placed", "shipped", "delivered", "cancelled", "returned")
NON_REVENUE_STATUSES = ("cancelled", "returned")


def columns(table: str) -> list[str]:
    return [name for name, _ in TABLES[table]]


def create_table_sql(table: str) -> str:
    cols = ",\n  ".join(f"{name} {decl}" for name, decl in TABLES[table])
    return f"CREATE TABLE {table} (\n  {cols}\n)"


def create_index_sql() -> list[str]:
    return [f"CREATE INDEX ix_{table}_{column} ON {table} ({column})" for table, column in INDEXES]
