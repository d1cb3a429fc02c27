"""actions: one table of places — the plugin's places move into the core's ``places``

Revision ID: 0003actions
Revises: 0002actions
Create Date: 2026-12-03 07:50:00

Before, the plugin kept its own ``actions_places`` beside the core's ``places`` (the
calendar's and the map's, 0014search): two lists of a commune's places. Now a place is the
core's; the plugin keeps what it adds in ``actions_place_details`` (accessibility, opening
hours), and rooms, events and projects refer to ``places``. Each plugin place becomes the
core place of the same name in its commune (any case), created if there is none; the rows
that referred to it follow. Tenant keys and row-level security by ``secure_tenant_tables``.
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables

revision = "0003actions"
down_revision = "0002actions"
branch_labels = None
depends_on = "0014search"

DETAILS = "actions_place_details"
#: table → ondelete of its place_id
REFERRING = {"actions_rooms": "CASCADE", "actions_events": "SET NULL", "actions_projects": "SET NULL"}


_COMMON = ("id", "commune_id", "name", "address", "description", "created_at")
#: the plugin's former places, and the core's
_OLD = sa.table(
    "actions_places",
    *(sa.column(c) for c in _COMMON),
    sa.column("accessibility"),
    sa.column("opening_hours", sa.JSON()),
)
_CORE = sa.table("places", *(sa.column(c) for c in _COMMON))


def _create_details() -> None:
    op.create_table(
        DETAILS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_actions_place_details_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_actions_place_details_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions_place_details")),
        sa.UniqueConstraint(
            "commune_id", "place_id", name=op.f("uq_actions_place_details_commune_id_place_id")
        ),
        info={"plugin": "actions"},
    )
    with op.batch_alter_table(DETAILS) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_place_details_commune_id"), ["commune_id"])


def _repoint(source: str, target: str, *, composite: bool) -> None:
    """Each referring table's place_id keys: from ``source`` to ``target`` (``composite``:
    its tenant key too, when nothing dropped it before)."""
    for name, ondelete in REFERRING.items():
        with op.batch_alter_table(name) as batch_op:
            if composite:
                batch_op.drop_constraint(f"fkc_{name}_place_id", type_="foreignkey")
            batch_op.drop_constraint(f"fk_{name}_place_id_{source}", type_="foreignkey")
            batch_op.create_foreign_key(
                f"fk_{name}_place_id_{target}", target, ["place_id"], ["id"], ondelete=ondelete
            )


def _remap(conn, mapping: dict[int, int]) -> None:
    for name in REFERRING:
        t = sa.table(name, sa.column("id"), sa.column("place_id"))
        for row_id, old in conn.execute(sa.select(t.c.id, t.c.place_id)).all():
            if old is not None and mapping.get(old) != old:
                conn.execute(t.update().where(t.c.id == row_id).values(place_id=mapping.get(old)))


def upgrade() -> None:
    conn = op.get_bind()
    _create_details()
    details = sa.table(
        DETAILS,
        sa.column("place_id"),
        sa.column("commune_id"),
        sa.column("accessibility"),
        sa.column("opening_hours", sa.JSON()),
    )
    mapping: dict[int, int] = {}
    for row in conn.execute(sa.select(_OLD).order_by(_OLD.c.id)).all():
        found = conn.execute(
            sa.select(_CORE.c.id).where(
                _CORE.c.commune_id == row.commune_id,
                sa.or_(
                    _CORE.c.name == row.name,
                    sa.func.lower(_CORE.c.name) == row.name.lower(),
                ),
            )
        ).scalar()
        if found is None:
            found = conn.execute(
                _CORE.insert()
                .values(
                    commune_id=row.commune_id,
                    name=row.name,
                    address=row.address,
                    description=row.description,
                    created_at=row.created_at,
                )
                .returning(_CORE.c.id)
            ).scalar()
        if found not in mapping.values():
            conn.execute(
                details.insert().values(
                    place_id=found,
                    commune_id=row.commune_id,
                    accessibility=row.accessibility,
                    opening_hours=row.opening_hours or {},
                )
            )
        mapping[row.id] = found
    # the tenant keys pointing to actions_places (and its row security) go first
    unsecure_tenant_tables(op, tables=["actions_places"])
    _repoint("actions_places", "places", composite=False)
    _remap(conn, mapping)
    op.drop_table("actions_places")
    secure_tenant_tables(op, tables=[DETAILS, *REFERRING])


def downgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        "actions_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_actions_places_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions_places")),
        info={"plugin": "actions"},
    )
    with op.batch_alter_table("actions_places") as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_places_commune_id"), ["commune_id"])
    # the plugin's places again, under their core ids: those with details or referred to
    used = set()
    for name in (DETAILS, *REFERRING):
        t = sa.table(name, sa.column("place_id"))
        used |= {i for (i,) in conn.execute(sa.select(t.c.place_id).distinct()) if i is not None}
    details = sa.table(
        DETAILS,
        sa.column("place_id"),
        sa.column("accessibility"),
        sa.column("opening_hours", sa.JSON()),
    )
    extra = {
        r.place_id: r for r in conn.execute(sa.select(details)).all()
    }
    for row in conn.execute(sa.select(_CORE).where(_CORE.c.id.in_(sorted(used) or [0]))).all():
        more = extra.get(row.id)
        conn.execute(
            _OLD.insert().values(
                id=row.id,
                commune_id=row.commune_id,
                name=row.name,
                address=row.address,
                description=row.description,
                accessibility=more.accessibility if more else "",
                opening_hours=(more.opening_hours if more else None) or {},
                created_at=row.created_at,
            )
        )
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('actions_places', 'id'), "
                "COALESCE((SELECT MAX(id) FROM actions_places), 1))"
            )
        )
    _repoint("places", "actions_places", composite=True)
    unsecure_tenant_tables(op, tables=[DETAILS])
    op.drop_table(DETAILS)
    secure_tenant_tables(op, tables=["actions_places", *REFERRING])
