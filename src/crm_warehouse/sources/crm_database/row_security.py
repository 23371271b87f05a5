"""Row level security between the source's role and its tables.

PostgreSQL filters a table with row level security on for any role that neither owns it nor
has ``BYPASSRLS`` (Supabase turns it on for tables exposed to its API). A loader reading
through such a role gets the rows its policies allow - often none - without any error, and a
sync would publish that as the whole table. ``hidden_rows`` finds the tables where this can
happen before anything is read: row level security active for the role
(``row_security_active``), and no policy for it that shows every row (a permissive
``using (true)`` for select, with no restrictive policy beside it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crm_warehouse.errors import SourceError
from crm_warehouse.sources.crm_database.connection import url_setting
from crm_warehouse.sources.crm_database.extract import Database

_HIDING = """
with applying as (
    select p.polrelid, p.polpermissive, pg_get_expr(p.polqual, p.polrelid) as qual
    from pg_policy p
    where p.polcmd in ('r', '*') and exists (
        select 1 from unnest(p.polroles) as r(role)
        where r.role = 0 or pg_has_role(current_user, r.role, 'member')
    )
)
select c.relname, current_user
from pg_class c
where c.relnamespace = current_schema()::regnamespace
    and c.relname = any(%s)
    and row_security_active(c.oid)
    and not (
        exists (
            select 1 from applying a
            where a.polrelid = c.oid and a.polpermissive and a.qual = 'true'
        )
        and not exists (
            select 1 from applying a
            where a.polrelid = c.oid and not a.polpermissive and a.qual is distinct from 'true'
        )
    )
order by c.relname
"""


@dataclass(frozen=True)
class HiddenRows:
    """Tables whose rows row level security may hide from ``role``."""

    role: str
    tables: list[str]

    def error(self, where: str) -> SourceError:
        return SourceError(
            f"row level security hides rows of {', '.join(self.tables)} from role "
            f"{self.role!r}, so a sync would load only the rows it may see",
            where=where,
            fix=f"read with a role that has BYPASSRLS (alter role {self.role} bypassrls) or "
            f"owns the tables, or give {self.role} a policy that shows every row (create "
            f"policy ... for select to {self.role} using (true)); or set "
            f"{url_setting(where, 'row_level_security')} = 'accept' to load what it sees",
        )

    def warning(self) -> str:
        return (
            f"row level security hides rows of {', '.join(self.tables)} from role "
            f"{self.role!r}: loaded only the rows it may see (row_level_security = 'accept')"
        )


def hidden_rows(db: Database, tables: Iterable[str]) -> HiddenRows | None:
    """The tables (of ``tables``) whose rows the source's role may not all see, or None."""
    if not db.is_postgres:
        return None
    found = db.fetch(_HIDING, (list(tables),))
    if not found:
        return None
    return HiddenRows(role=found[0][1], tables=[name for name, _ in found])
