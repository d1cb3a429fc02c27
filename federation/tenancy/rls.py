"""PostgreSQL row-level security: the second barrier under the ORM scoping (R6, issue 11).

Every tenant table has ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` and four policies,
created by :func:`federation.tenancy.ddl.secure_tenant_tables` in the migrations:

* ``tenant_read`` (SELECT): rows of the communes bound in ``app.commune_ids`` (one commune,
  or a federation's member communes as a comma-separated set);
* ``tenant_insert``, ``tenant_update``, ``tenant_delete``: rows of the one commune bound in
  ``app.commune_id`` (a federation scope binds none: it is read-only in the database too).

``app.unscoped = 'on'`` opens both, for the explicit ``unscoped()`` context (CLI, platform
admin). With nothing bound, a tenant table shows 0 rows and refuses every write.

The session binds its scope **per transaction** with ``set_config(…, true)`` (never a
session-level ``SET``, which would outlive the transaction on a pooled connection or
behind PgBouncer): when a transaction begins, and again before a statement or a flush
when the scope changed inside the transaction (``scoped()``). Code that goes around the
session (``engine.connect()``) binds nothing and sees nothing.

The barrier only holds if the application connects as a role that is neither the owner of
the tables, nor superuser, nor ``BYPASSRLS``: set ``DATABASE_URL`` to that role and
``MIGRATION_DATABASE_URL`` to the owner; ``convergence db upgrade`` migrates as the owner
and grants the application role what it needs (:func:`grant_app_role`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, column, event, func, inspect, select, table
from sqlalchemy.engine import Connection

from federation.tenancy.scoping import SCOPE_KEY, Scope, TenantSession

READ_SETTING = "app.commune_ids"
WRITE_SETTING = "app.commune_id"
UNSCOPED_SETTING = "app.unscoped"
BOUND_KEY = "convergence.rls_bound"

# Each setting is read once per statement (an InitPlan: the scalar subqueries), not once
# per row: with the bare current_setting() calls the policy cost 10x on a 1,000-row scan.
_UNSCOPED = f"(SELECT current_setting('{UNSCOPED_SETTING}', true) = 'on')"
READ_CONDITION = (
    f"({_UNSCOPED} OR commune_id = ANY ((SELECT string_to_array("
    f"NULLIF(current_setting('{READ_SETTING}', true), ''), ',')::integer[])::integer[]))"
)
WRITE_CONDITION = (
    f"({_UNSCOPED} OR commune_id = "
    f"(SELECT NULLIF(current_setting('{WRITE_SETTING}', true), '')::integer))"
)
POLICIES = ("tenant_read", "tenant_insert", "tenant_update", "tenant_delete")
_FORMER_POLICIES = ("tenant_write",)


# -- DDL (called from the migration helpers) --------------------------------------------


def enable_row_security(op: Any, table: str) -> None:
    """ENABLE + FORCE row-level security and (re)create the policies (idempotent)."""
    quoted = f'"{table}"'
    op.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY")
    for policy in (*POLICIES, *_FORMER_POLICIES):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {quoted}")
    op.execute(f"CREATE POLICY tenant_read ON {quoted} FOR SELECT USING {READ_CONDITION}")
    op.execute(f"CREATE POLICY tenant_insert ON {quoted} FOR INSERT WITH CHECK {WRITE_CONDITION}")
    op.execute(
        f"CREATE POLICY tenant_update ON {quoted} FOR UPDATE "
        f"USING {WRITE_CONDITION} WITH CHECK {WRITE_CONDITION}"
    )
    op.execute(f"CREATE POLICY tenant_delete ON {quoted} FOR DELETE USING {WRITE_CONDITION}")


def disable_row_security(op: Any, table: str) -> None:
    quoted = f'"{table}"'
    for policy in (*POLICIES, *_FORMER_POLICIES):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {quoted}")
    op.execute(f"ALTER TABLE {quoted} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {quoted} DISABLE ROW LEVEL SECURITY")


def grant_app_role(connection: Connection, role: str) -> None:
    """What the application role may do: DML on the tables, the sequences, nothing else.

    Not on ``alembic_version`` (the migrations' business), and no TRUNCATE, DDL or
    ownership anywhere.
    """
    preparer = connection.dialect.identifier_preparer
    quoted = preparer.quote(role)
    tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
    connection.execute(DDL(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    for name in tables:
        connection.execute(
            DDL(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {preparer.quote(name)} TO {quoted}")
        )
    connection.execute(DDL(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))


_CLASS = table(
    "pg_class",
    column("oid"),
    column("relname"),
    column("relkind"),
    column("relnamespace"),
    column("relowner"),
    column("relrowsecurity"),
    column("relforcerowsecurity"),
)
_NAMESPACE = table("pg_namespace", column("oid"), column("nspname"))
_POLICY = table("pg_policy", column("polrelid"), column("polname"))
_ROLES = table("pg_roles", column("rolname"), column("rolsuper"), column("rolbypassrls"))


def _schema_tables() -> Any:
    return _CLASS.join(_NAMESPACE, _NAMESPACE.c.oid == _CLASS.c.relnamespace)


def unsafe_tables(connection: Connection, tables: list[str]) -> list[str]:
    """Tenant tables without ENABLE + FORCE row-level security and all its policies."""
    policies = (
        select(func.count())
        .select_from(_POLICY)
        .where(_POLICY.c.polrelid == _CLASS.c.oid, _POLICY.c.polname.in_(POLICIES))
        .scalar_subquery()
    )
    query = (
        select(_CLASS.c.relname)
        .select_from(_schema_tables())
        .where(
            _NAMESPACE.c.nspname == func.current_schema(),
            _CLASS.c.relkind == "r",
            _CLASS.c.relrowsecurity,
            _CLASS.c.relforcerowsecurity,
            policies == len(POLICIES),
        )
    )
    safe = set(connection.execute(query).scalars())
    return sorted(set(tables) - safe)


def role_problems(connection: Connection, role: str, tables: list[str]) -> list[str]:
    """Why ``role`` would not be subject to row-level security (empty when it is)."""
    row = connection.execute(
        select(_ROLES.c.rolsuper, _ROLES.c.rolbypassrls).where(_ROLES.c.rolname == role)
    ).first()
    if row is None:
        return [f"role {role} does not exist"]
    problems = []
    if row[0]:
        problems.append(f"{role} is a superuser")
    if row[1]:
        problems.append(f"{role} has BYPASSRLS")
    owned = connection.execute(
        select(_CLASS.c.relname)
        .select_from(_schema_tables())
        .where(
            _NAMESPACE.c.nspname == func.current_schema(),
            func.pg_has_role(role, _CLASS.c.relowner, "USAGE"),
        )
    ).scalars()
    problems += [f"{role} owns {name}" for name in owned if name in tables]
    return problems


# -- binding the scope per transaction ----------------------------------------------------


def settings_for(scope: Scope | None) -> tuple[str, str, str]:
    """(read set, write commune, unscoped flag) for a scope; nothing bound without one."""
    if scope is None:
        return "", "", "off"
    if scope.unscoped:
        return "", "", "on"
    ids = ",".join(str(i) for i in sorted(scope.commune_ids))
    write = str(scope.commune_id) if scope.kind == "commune" else ""
    return ids, write, "off"


def bind(connection: Connection, scope: Scope | None) -> None:
    """Bind ``scope`` for the current transaction of ``connection`` (PostgreSQL only)."""
    if connection.dialect.name != "postgresql":
        return
    ids, write, unscoped = settings_for(scope)
    connection.execute(
        select(
            func.set_config(READ_SETTING, ids, True),
            func.set_config(WRITE_SETTING, write, True),
            func.set_config(UNSCOPED_SETTING, unscoped, True),
        )
    )


@event.listens_for(TenantSession, "after_begin")
def _bind_on_begin(session: TenantSession, _transaction: Any, connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    scope = session.info.get(SCOPE_KEY)
    bind(connection, scope)
    session.info[BOUND_KEY] = scope


def _rebind_if_changed(session: TenantSession) -> None:
    scope = session.info.get(SCOPE_KEY)
    if BOUND_KEY not in session.info or session.info[BOUND_KEY] == scope:
        return
    if not session.in_transaction():
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    bind(connection, scope)
    session.info[BOUND_KEY] = scope


@event.listens_for(TenantSession, "after_transaction_end")
def _forget(session: TenantSession, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(BOUND_KEY, None)


@event.listens_for(TenantSession, "do_orm_execute")
def _rebind_before_execute(state: Any) -> None:
    _rebind_if_changed(state.session)


@event.listens_for(TenantSession, "before_flush")
def _rebind_before_flush(session: TenantSession, _context: Any, _instances: Any) -> None:
    _rebind_if_changed(session)
