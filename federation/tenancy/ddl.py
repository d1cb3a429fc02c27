"""Tenant keys and row-level security, in the models and in the migrations (issue 11, R1, R6).

Two barriers in the database itself, under the ORM scoping of :mod:`scoping`:

* **Same-commune references.** Every tenant table gets ``UNIQUE (commune_id, id)`` and every
  reference from a tenant table to another tenant table's ``id`` gets a companion composite
  foreign key ``(commune_id, x_id) → (target.commune_id, target.id)``: the database refuses a
  proposal of commune A that points to a body of commune B. The single-column foreign key is
  kept: it carries the ``ON DELETE`` action (``SET NULL`` cannot be expressed on a composite
  key without nulling ``commune_id`` too). The composite key cascades when the single one
  does, and is ``DEFERRABLE INITIALLY DEFERRED`` where the single one sets null, so that the
  order in which PostgreSQL fires the two actions never matters. Nulls are not checked
  (MATCH SIMPLE), as before.
* **Row-level security** (PostgreSQL only, see :mod:`federation.tenancy.rls`).

Model side, nothing to declare: :func:`apply_tenant_keys` adds the constraints to every
tenant table of the registry (core, plugins and any table added later) before mappers are
configured, before ``create_all`` and before Alembic compares models and database, and
gives relationships between tenant models ``foreign_keys=[x_id]`` so that they keep
joining and writing on ``x_id`` alone.

Migration side, one helper for the core and for plugins: :func:`secure_tenant_tables` (and
:func:`unsecure_tenant_tables` for downgrades) inspects the database, so one call covers
every tenant table that exists at that point, whoever created it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    DDL,
    ForeignKeyConstraint,
    MetaData,
    UniqueConstraint,
    event,
    inspect,
    select,
    table,
)
from sqlalchemy import column as sa_column
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.relationships import RelationshipProperty

from federation.tenancy.scoping import is_tenant_class

#: tables with a commune_id column that are not tenant tables (read across communes by
#: design, see tests/core/test_meta.py GLOBAL_TABLES); every ``federation_*`` table too
NON_TENANT_TABLES = frozenset(
    {"memberships", "membership_roles", "notifications", "journal_entries", "alembic_version"}
)
NON_TENANT_PREFIXES = ("federation_",)
MAX_NAME = 63  # PostgreSQL's identifier length


class CrossCommuneReferences(RuntimeError):
    """Existing rows reference another commune's row: the composite keys cannot be created."""


# -- names ---------------------------------------------------------------------------


def _short(name: str) -> str:
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}_{digest}"


def unique_key_name(table: str) -> str:
    return _short(f"uq_{table}_commune_id_id")


def composite_fk_name(table: str, column: str) -> str:
    return _short(f"fkc_{table}_{column}")


def _composite_options(ondelete: str | None) -> dict[str, Any]:
    action = (ondelete or "").upper()
    if action == "CASCADE":
        return {"ondelete": "CASCADE"}
    if action in ("SET NULL", "SET DEFAULT"):
        return {"deferrable": True, "initially": "DEFERRED"}
    return {}


# -- model side ----------------------------------------------------------------------


def _tenant_tables_of(registry: Any) -> dict[str, Any]:
    return {
        m.local_table.name: m.local_table
        for m in list(registry.mappers)
        if is_tenant_class(m.class_) and m.local_table is not None
    }


def _has_unique(table: Any, columns: set[str]) -> bool:
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and set(constraint.columns.keys()) == columns:
            return True
    return False


def apply_tenant_keys(registry: Any) -> None:
    """Add ``UNIQUE (commune_id, id)`` and the composite keys to every tenant table (idempotent)."""
    tenant = _tenant_tables_of(registry)
    for name, tenant_table in tenant.items():
        if "id" not in tenant_table.c:
            continue
        if not _has_unique(tenant_table, {"commune_id", "id"}):
            tenant_table.append_constraint(
                UniqueConstraint("commune_id", "id", name=unique_key_name(name))
            )
    for name, tenant_table in tenant.items():
        done = {c.name for c in tenant_table.constraints}
        for fk in sorted(tenant_table.foreign_keys, key=lambda f: f.parent.name):
            column = fk.parent.name
            if column == "commune_id" or len(fk.constraint.elements) != 1:
                continue
            if composite_fk_name(name, column) in done:
                continue
            target, _, target_column = fk.target_fullname.rpartition(".")
            if target not in tenant or target_column != "id" or "id" not in tenant[target].c:
                continue
            done.add(composite_fk_name(name, column))
            tenant_table.append_constraint(
                ForeignKeyConstraint(
                    ["commune_id", column],
                    [f"{target}.commune_id", f"{target}.id"],
                    name=composite_fk_name(name, column),
                    **_composite_options(fk.ondelete),
                )
            )


def _local_fk_columns(table: Any, target: Any) -> set[Any]:
    """Columns of ``table`` with a single-column foreign key to ``target.id``."""
    found = set()
    for fk in table.foreign_keys:
        if len(fk.constraint.elements) != 1 or fk.parent.name == "commune_id":
            continue
        if fk.target_fullname == f"{target.name}.id":
            found.add(fk.parent)
    return found


def _relationship_foreign_keys(mapper: Mapper[Any]) -> None:
    """Relationships between tenant models join and write on ``x_id`` only, not on
    ``commune_id`` (which the composite key would otherwise make a second foreign column)."""
    if not is_tenant_class(mapper.class_):
        return
    for prop in list(mapper._props.values()):  # private: before configuration
        if not isinstance(prop, RelationshipProperty):
            continue
        args = prop._init_args
        if args.primaryjoin.argument is not None or args.foreign_keys.argument is not None:
            continue
        if args.secondary.argument is not None:
            continue
        prop._setup_entity()  # resolves the target, configures nothing
        target_mapper = prop.entity.mapper
        if not is_tenant_class(target_mapper.class_):
            continue
        mine, theirs = mapper.local_table, target_mapper.local_table
        columns = _local_fk_columns(mine, theirs) | _local_fk_columns(theirs, mine)
        if len(columns) == 1:
            args.foreign_keys.argument = list(columns)


@event.listens_for(Mapper, "before_mapper_configured")
def _before_mapper_configured(mapper: Mapper[Any], _class: type) -> None:
    apply_tenant_keys(mapper.registry)
    _relationship_foreign_keys(mapper)


@event.listens_for(MetaData, "before_create")
def _before_create(metadata: MetaData, _connection: Any, **_kw: Any) -> None:
    from federation.db import Base

    if metadata is Base.metadata:
        apply_tenant_keys(Base.registry)


# -- migration side ------------------------------------------------------------------


def is_tenant_table_name(name: str, columns: Iterable[str]) -> bool:
    return (
        "commune_id" in columns
        and name not in NON_TENANT_TABLES
        and not name.startswith(NON_TENANT_PREFIXES)
    )


def database_tenant_tables(connection: Connection, prefix: str | None = None) -> list[str]:
    """Tenant tables present in the database (a ``commune_id`` column, not allowlisted)."""
    inspector = inspect(connection)
    names = []
    for name in inspector.get_table_names():
        if prefix and not name.startswith(prefix):
            continue
        columns = {c["name"] for c in inspector.get_columns(name)}
        if is_tenant_table_name(name, columns):
            names.append(name)
    return sorted(names)


def _operations(op_or_connection: Any) -> Any:
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    if isinstance(op_or_connection, Connection):
        return Operations(MigrationContext.configure(op_or_connection))
    return op_or_connection


def _plan(connection: Connection, tables: list[str], every_tenant: set[str]) -> dict[str, Any]:
    """What is missing per table: the unique key, and the composite keys to add."""
    inspector = inspect(connection)
    plan: dict[str, Any] = {}
    for name in tables:
        uniques = {frozenset(u["column_names"]) for u in inspector.get_unique_constraints(name)}
        has_id = "id" in {c["name"] for c in inspector.get_columns(name)}
        needs_unique = has_id and frozenset({"commune_id", "id"}) not in uniques
        fks = inspector.get_foreign_keys(name)
        composite = {
            tuple(fk["constrained_columns"]) for fk in fks if len(fk["constrained_columns"]) > 1
        }
        add = []
        for fk in fks:
            columns = fk["constrained_columns"]
            if len(columns) != 1 or columns[0] == "commune_id":
                continue
            target = fk["referred_table"]
            if target not in every_tenant or fk["referred_columns"] != ["id"]:
                continue
            if ("commune_id", columns[0]) in composite:
                continue
            add.append((columns[0], target, (fk.get("options") or {}).get("ondelete")))
        if needs_unique or add:
            plan[name] = {"unique": needs_unique, "fks": add}
    return plan


def _report_cross_commune_rows(op: Any, plan: dict[str, Any]) -> None:
    """Refuse with a readable list if existing rows already reference another commune."""
    connection = op.get_bind()
    problems = []
    for name, todo in plan.items():
        for column, target, _ondelete in todo["fks"]:
            child = table(name, sa_column("commune_id"), sa_column(column))
            parent = table(target, sa_column("id"), sa_column("commune_id")).alias("t")
            query = (
                select(child.c[column])
                .distinct()
                .select_from(child.join(parent, parent.c.id == child.c[column]))
                .where(parent.c.commune_id != child.c.commune_id)
                .order_by(child.c[column])
                .limit(6)
            )
            rows = connection.execute(query).fetchall()
            if rows:
                ids = ", ".join(str(r[0]) for r in rows[:5]) + (", …" if len(rows) > 5 else "")
                problems.append(
                    f"{name}.{column} → a {target} row of another commune ({column} {ids})"
                )
    if problems:
        raise CrossCommuneReferences(
            "rows reference another commune's rows; fix or delete them, then migrate again:\n  "
            + "\n  ".join(problems)
        )


def _sqlite_triggers(connection: Connection, name: str) -> list[str]:
    master = table("sqlite_master", sa_column("sql"), sa_column("type"), sa_column("tbl_name"))
    query = select(master.c.sql).where(master.c.type == "trigger", master.c.tbl_name == name)
    return [sql for (sql,) in connection.execute(query) if sql]


@contextmanager
def _altering(op: Any, table: str) -> Iterator[Any]:
    """``batch_alter_table``: in place on PostgreSQL; on SQLite the table is rebuilt
    (constraints cannot be added otherwise) and its triggers, dropped with it, restored."""
    connection = op.get_bind()
    sqlite = connection.dialect.name == "sqlite"
    triggers = _sqlite_triggers(connection, table) if sqlite else []
    with op.batch_alter_table(table, recreate="always" if sqlite else "never") as batch:
        yield batch
    for sql in triggers:
        connection.execute(DDL(sql))


def secure_tenant_tables(
    op: Any, tables: Iterable[str] | None = None, prefix: str | None = None
) -> list[str]:
    """Tenant keys (and, on PostgreSQL, row-level security) for tenant tables (idempotent).

    ``op`` is Alembic's ``op`` (or a Connection). Without ``tables``, every tenant table
    of the database is handled (only those starting with ``prefix`` if given): call it
    with ``prefix="<plugin>_"`` from a plugin's migration. Returns the tables handled.
    """
    from federation.tenancy import rls

    op = _operations(op)
    connection = op.get_bind()
    every_tenant = set(database_tenant_tables(connection))
    names = sorted(tables) if tables is not None else database_tenant_tables(connection, prefix)
    # the targets of the new keys need their unique key first, whoever owns them
    plan = _plan(connection, names, every_tenant)
    targets = {t for todo in plan.values() for _c, t, _o in todo["fks"]}
    target_plan = _plan(connection, sorted(targets - set(plan)), every_tenant)
    for name in target_plan:
        target_plan[name]["fks"] = []
    _report_cross_commune_rows(op, plan)
    steps = {**target_plan, **plan}
    if connection.dialect.name != "sqlite":
        # in place: every unique key first, as a key may point to a table met later
        for name, todo in steps.items():
            if todo["unique"]:
                op.create_unique_constraint(unique_key_name(name), name, ["commune_id", "id"])
                todo["unique"] = False
    for name, todo in steps.items():
        if not todo["unique"] and not todo["fks"]:
            continue
        with _altering(op, name) as batch:
            if todo["unique"]:
                batch.create_unique_constraint(unique_key_name(name), ["commune_id", "id"])
            for column, target, ondelete in todo["fks"]:
                batch.create_foreign_key(
                    composite_fk_name(name, column),
                    target,
                    ["commune_id", column],
                    ["commune_id", "id"],
                    **_composite_options(ondelete),
                )
    if connection.dialect.name == "postgresql":
        for name in rls.unsafe_tables(connection, names):
            rls.enable_row_security(op, name)
    return names


def unsecure_tenant_tables(
    op: Any, tables: Iterable[str] | None = None, prefix: str | None = None
) -> None:
    """Undo :func:`secure_tenant_tables` (downgrades): composite keys, unique keys, RLS."""
    from federation.tenancy import rls

    op = _operations(op)
    connection = op.get_bind()
    names = sorted(tables) if tables is not None else database_tenant_tables(connection, prefix)
    inspector = inspect(connection)
    if connection.dialect.name == "postgresql":
        for name in names:
            rls.disable_row_security(op, name)
    # composite keys everywhere that point to these tables first, then their unique keys
    every = database_tenant_tables(connection)
    drops: dict[str, list[str]] = {}
    for name in every:
        for fk in inspector.get_foreign_keys(name):
            if (
                fk["name"]
                and fk["name"].startswith("fkc_")
                and (name in names or fk["referred_table"] in names)
            ):
                drops.setdefault(name, []).append(fk["name"])
    uniques = {
        name: [
            u["name"]
            for u in inspector.get_unique_constraints(name)
            if u["name"] == unique_key_name(name)
        ]
        for name in names
    }
    for name, fk_names in sorted(drops.items()):
        with _altering(op, name) as batch:
            for fk_name in fk_names:
                batch.drop_constraint(fk_name, type_="foreignkey")
    for name, unique_names in sorted(uniques.items()):
        if unique_names:
            with _altering(op, name) as batch:
                for unique in unique_names:
                    batch.drop_constraint(unique, type_="unique")
