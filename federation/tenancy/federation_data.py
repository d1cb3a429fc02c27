"""Federation-scoped plugin data: rows that the communes of a federation share when they
opt in (a food solidarity pot shared by a food territory, a pooled tool library…).

A tenant row belongs to one commune. A **federation row** belongs to one federation and a
*topic*; it may be read and moved only by the members of the communes of that federation
which opted in to the topic (and are still members of the federation). Every plugin can
reuse it:

* a model inherits :class:`FederationDataMixin` and names its topic::

      class SharedPot(FederationDataMixin, db.Model):
          __tablename__ = "food_shared_pots"
          __federation_topic__ = "food.pot"

* a commune opts in or out with :func:`opt_in` / :func:`opt_out` (in its own scope; the
  caller checks who may decide and commits);
* the access rule is **automatic**, like the tenant scoping: an ORM hook adds
  ``federation_id IN (federations whose topic the scope's communes opted in to)`` to every
  SELECT, UPDATE and DELETE of a federation model (one subquery, no extra round trip);
  a flush refuses a new or changed row of a federation outside that set; a federation
  scope reads (the opted-in federations of its communes) and never writes; no scope, no
  rows (fail closed); ``unscoped()`` sees everything;
* on PostgreSQL, :func:`secure_federation_tables` (from a migration) gives the tables
  ENABLE + FORCE row-level security with the same rule, read from the ``app.commune_ids``
  / ``app.commune_id`` settings the session binds per transaction
  (:mod:`federation.tenancy.rls`).

Opt-ins are tenant rows (``shared_data_optins``): a commune's decision, under the tenant
scoping and RLS like any other; reading another commune's opt-in needs a federation scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)

from federation.db import TimestampMixin, db
from federation.tenancy.models import FederationMember
from federation.tenancy.scoping import (
    SCOPE_KEY,
    VISIBILITY_CHECKS,
    CrossCommuneWrite,
    Scope,
    TenantMixin,
    TenantScopeError,
    TenantSession,
)

OPTIN_TABLE = "shared_data_optins"
MAX_TOPIC = 60


class FederationDataMixin:
    """Gives a model its ``federation_id`` and puts it under the federation access rule.

    Subclasses set ``__federation_topic__`` (``"<plugin>.<what>"``)."""

    __federation_topic__: str = ""

    @declared_attr
    def federation_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("federations.id", ondelete="CASCADE"), nullable=False, index=True
        )


def is_federation_class(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, FederationDataMixin)


class SharedDataOptIn(TenantMixin, TimestampMixin, db.Model):
    """A commune shares a topic's federation rows with the other communes of a federation
    that opted in too (the commune's own decision: a tenant row)."""

    __tablename__ = OPTIN_TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    federation_id: Mapped[int] = mapped_column(
        ForeignKey("federations.id", ondelete="CASCADE"), nullable=False
    )
    topic: Mapped[str] = mapped_column(String(MAX_TOPIC), nullable=False)
    since: Mapped[date] = mapped_column(default=date.today, nullable=False)

    __table_args__ = (
        UniqueConstraint("commune_id", "federation_id", "topic"),
        Index("ix_shared_data_optins_federation_topic", "federation_id", "topic"),
    )


# --- the rule ------------------------------------------------------------------------------


def allowed_federations(topic: str, commune_ids: Iterable[int]) -> Any:
    """SELECT of the federations whose ``topic`` rows ``commune_ids`` may reach: each
    commune opted in and is still a member (a subquery, for criteria and checks)."""
    ids = sorted({int(i) for i in commune_ids})
    return (
        select(SharedDataOptIn.federation_id)
        .join(
            FederationMember,
            and_(
                FederationMember.federation_id == SharedDataOptIn.federation_id,
                FederationMember.commune_id == SharedDataOptIn.commune_id,
                FederationMember.left_on.is_(None),
            ),
        )
        .where(SharedDataOptIn.topic == topic, SharedDataOptIn.commune_id.in_(ids))
    )


def _may_see(session: Any, obj: Any) -> bool:
    """``session.get`` of a federation row: the current scope must reach its federation
    (fail closed without a scope), as the criteria require of every query."""
    if not isinstance(obj, FederationDataMixin):
        return True
    scope: Scope | None = session.info.get(SCOPE_KEY)
    if scope is None:
        raise TenantScopeError(
            f"{type(obj).__name__} is federation data and no commune scope is set"
        )
    if scope.unscoped:
        return True
    allowed = allowed_federations(obj.__federation_topic__, scope.commune_ids)
    return obj.federation_id in set(session.scalars(allowed))


VISIBILITY_CHECKS.append(_may_see)


def _federation_mappers(state: ORMExecuteState) -> list[Any]:
    return [m for m in state.all_mappers if is_federation_class(m.class_)]


@event.listens_for(TenantSession, "do_orm_execute")
def _federation_criteria(state: ORMExecuteState) -> None:
    """Every ORM statement on a federation model gets the access rule of the scope."""
    if not state.is_orm_statement or not (state.is_select or state.is_update or state.is_delete):
        if state.is_insert and _federation_mappers(state):
            scope = _scope(state.session, "insert")
            if not scope.unscoped:
                raise CrossCommuneWrite(
                    "federation rows are inserted through the unit of work (session.add), "
                    "which checks the federation"
                )
        return
    mappers = _federation_mappers(state)
    if not mappers:
        return
    scope = _scope(state.session, "update" if state.is_update else "read")
    if (state.is_update or state.is_delete) and not scope.writable:
        raise CrossCommuneWrite(f"a {scope.kind} scope cannot write federation rows")
    if scope.unscoped:
        return
    ids = sorted(scope.commune_ids)
    options = [
        with_loader_criteria(
            mapper.class_,
            mapper.class_.federation_id.in_(
                allowed_federations(mapper.class_.__federation_topic__, ids).scalar_subquery()
            ),
            include_aliases=True,
        )
        for mapper in {m.class_: m for m in mappers}.values()
    ]
    state.statement = state.statement.options(*options)


def _scope(session: Any, verb: str) -> Scope:
    scope: Scope | None = session.info.get(SCOPE_KEY)
    if scope is None:
        raise TenantScopeError(f"cannot {verb} federation rows without a scope")
    return scope


@event.listens_for(TenantSession, "before_flush")
def _check_federation_writes(session: Any, _context: Any, _instances: Any) -> None:
    """A new, changed or deleted federation row must belong to a federation whose topic the
    (one) commune of the scope opted in to."""
    rows = [
        o
        for o in (*session.new, *session.dirty, *session.deleted)
        if isinstance(o, FederationDataMixin)
    ]
    if not rows:
        return
    scope = _scope(session, "write")
    if scope.unscoped:
        return
    if not scope.writable:
        raise CrossCommuneWrite(f"a {scope.kind} scope cannot write federation rows")
    for row in rows:
        history = inspect(row).attrs.federation_id.history
        targets = {row.federation_id, *(history.deleted or ())} - {None}
        topic = type(row).__federation_topic__
        allowed = set(session.scalars(allowed_federations(topic, scope.commune_ids)))
        if not targets or not targets <= allowed:
            raise CrossCommuneWrite(
                f"cannot write {type(row).__name__} of federation {sorted(targets)}: commune "
                f"{scope.commune_id} has not opted in to {topic!r} there"
            )


# --- services ------------------------------------------------------------------------------


def _current_commune_id() -> int:
    scope: Scope | None = db.session.info.get(SCOPE_KEY)
    if scope is None or scope.commune_id is None:
        raise RuntimeError("opting in is a commune's act: run it in the commune's scope")
    return scope.commune_id


def opted_in(topic: str, commune_id: int | None = None) -> list[int]:
    """The federations whose ``topic`` rows the commune reaches (opted in and member)."""
    cid = commune_id or _current_commune_id()
    return sorted(set(db.session.scalars(allowed_federations(topic, [cid]))))


def opt_in(federation_id: int, topic: str) -> SharedDataOptIn:
    """The current commune shares ``topic`` with the federation (it must be a member)."""
    from federation.errors import Conflict, ValidationFailed

    cid = _current_commune_id()
    if not topic or len(topic) > MAX_TOPIC:
        raise ValidationFailed("topic", field="topic")
    member = db.session.scalar(
        select(FederationMember.id).where(
            FederationMember.federation_id == federation_id,
            FederationMember.commune_id == cid,
            FederationMember.left_on.is_(None),
        )
    )
    if member is None:
        from flask_babel import gettext as _

        raise ValidationFailed(
            _("La commune n'est pas membre de cette fédération."), field="federation_id"
        )
    existing = db.session.scalar(
        select(SharedDataOptIn).where(
            SharedDataOptIn.federation_id == federation_id, SharedDataOptIn.topic == topic
        )
    )
    if existing is not None:
        from flask_babel import gettext as _

        raise Conflict(_("La commune participe déjà."), field="federation_id")
    row = SharedDataOptIn(federation_id=federation_id, topic=topic)
    db.session.add(row)
    db.session.flush()
    return row


def opt_out(federation_id: int, topic: str) -> bool:
    """The current commune stops sharing ``topic`` with the federation (its rows stay the
    federation's; the commune no longer reaches them)."""
    _current_commune_id()
    row = db.session.scalar(
        select(SharedDataOptIn).where(
            SharedDataOptIn.federation_id == federation_id, SharedDataOptIn.topic == topic
        )
    )
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def participants(federation_id: int, topic: str) -> list[int]:
    """The member communes sharing ``topic`` in a federation (read through a federation
    scope of its members: opt-ins are public facts of each commune)."""
    from federation.tenancy.context import federation_scope
    from federation.tenancy.services import member_commune_ids

    members = member_commune_ids(federation_id)
    if not members:
        return []
    with federation_scope(members):
        return sorted(
            set(
                db.session.scalars(
                    select(SharedDataOptIn.commune_id).where(
                        SharedDataOptIn.federation_id == federation_id,
                        SharedDataOptIn.topic == topic,
                    )
                )
            )
        )


# --- row-level security (PostgreSQL) -------------------------------------------------------

POLICIES = ("federation_read", "federation_insert", "federation_update", "federation_delete")


def _condition(topic: str, setting: str, many: bool) -> str:
    from federation.tenancy.rls import UNSCOPED_SETTING

    if not re.fullmatch(r"[a-z0-9_.]{1,60}", topic):
        raise ValueError(f"topic {topic!r}: lowercase letters, digits, '_' and '.' only")
    if many:
        communes = (
            f"o.commune_id = ANY ((SELECT string_to_array(NULLIF(current_setting('{setting}', "
            "true), ''), ',')::integer[])::integer[])"
        )
    else:
        communes = (
            f"o.commune_id = (SELECT NULLIF(current_setting('{setting}', true), '')::integer)"
        )
    # constants, and a topic checked above
    return (
        f"((SELECT current_setting('{UNSCOPED_SETTING}', true) = 'on') OR federation_id IN ("  # noqa: S608
        f"SELECT o.federation_id FROM {OPTIN_TABLE} o JOIN federation_members m "
        "ON m.federation_id = o.federation_id AND m.commune_id = o.commune_id "
        f"AND m.left_on IS NULL WHERE o.topic = '{topic}' AND {communes}))"
    )


def secure_federation_tables(op: Any, tables: dict[str, str]) -> None:
    """ENABLE + FORCE row-level security on federation tables (``{table: topic}``), with
    policies repeating the ORM rule: read by the bound communes (``app.commune_ids``) that
    opted in, write by the one bound commune (``app.commune_id``) that opted in. PostgreSQL
    only (a no-op elsewhere); idempotent."""
    from federation.tenancy.rls import READ_SETTING, WRITE_SETTING

    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    present = set(inspect(connection).get_table_names())
    if OPTIN_TABLE not in present:
        return  # the core's 0012food, when it runs later, secures them (see below)
    for table, topic in tables.items():
        if table not in present:
            continue
        quoted = f'"{table}"'
        read = _condition(topic, READ_SETTING, True)
        write = _condition(topic, WRITE_SETTING, False)
        op.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {quoted} FORCE ROW LEVEL SECURITY")
        for policy in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {quoted}")
        op.execute(f"CREATE POLICY federation_read ON {quoted} FOR SELECT USING {read}")
        op.execute(f"CREATE POLICY federation_insert ON {quoted} FOR INSERT WITH CHECK {write}")
        op.execute(
            f"CREATE POLICY federation_update ON {quoted} FOR UPDATE USING {write} "
            f"WITH CHECK {write}"
        )
        op.execute(f"CREATE POLICY federation_delete ON {quoted} FOR DELETE USING {write}")


def secure_registered_federation_tables(op: Any) -> None:
    """Secure every federation table of the loaded models that exists in the database (the
    core migration that creates the opt-ins calls it: a plugin migrated before it could not
    create its policies yet)."""
    tables = {
        m.local_table.name: m.class_.__federation_topic__
        for m in db.Model.registry.mappers
        if is_federation_class(m.class_)
    }
    secure_federation_tables(op, tables)


def drop_registered_federation_policies(op: Any) -> None:
    """Before the opt-ins table goes (downgrade of the core's 0012food): drop the policies
    that read it on every federation table still present. Row-level security stays enabled
    and forced on them, so with no policy left the application role reads and writes none
    of their rows until the opt-ins come back (upgrade secures them again)."""
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    present = set(inspect(connection).get_table_names())
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table.name
        if is_federation_class(mapper.class_) and table in present:
            for policy in POLICIES:
                op.execute(f'DROP POLICY IF EXISTS {policy} ON "{table}"')


def unsecure_federation_tables(op: Any, tables: Iterable[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        quoted = f'"{table}"'
        for policy in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {quoted}")
        op.execute(f"ALTER TABLE {quoted} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {quoted} DISABLE ROW LEVEL SECURITY")
