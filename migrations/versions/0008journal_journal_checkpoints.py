"""journal checkpoints (truncation is detected) and TRUNCATE refused on the journal

Revision ID: 0008journal
Revises: 0007inter2
Create Date: 2026-12-02 09:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008journal'
down_revision = '0007inter2'
branch_labels = None
depends_on = None

APPEND_ONLY = "journal_checkpoints is append-only"
NO_TRUNCATE = "the journal is append-only: TRUNCATE refused"


def upgrade() -> None:
    op.create_table('journal_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_checkpoints')),
    sa.UniqueConstraint('chain', 'seq', name=op.f('uq_journal_checkpoints_chain_seq'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION journal_checkpoints_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER journal_checkpoints_append_only BEFORE UPDATE OR DELETE "
            "ON journal_checkpoints FOR EACH ROW "
            "EXECUTE FUNCTION journal_checkpoints_append_only()"
        )
        # row triggers do not see TRUNCATE: a statement trigger refuses it (the test
        # harness, as the tables' owner, disables it around its reset)
        op.execute(
            "CREATE FUNCTION journal_no_truncate() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{NO_TRUNCATE}'; END $$"
        )
        for table in ("journal_entries", "journal_checkpoints"):
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION journal_no_truncate()"
            )
    else:  # SQLite has no TRUNCATE (DELETE without WHERE fires the delete trigger)
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER journal_checkpoints_no_{action.lower()} BEFORE {action} "
                f"ON journal_checkpoints BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("journal_entries", "journal_checkpoints"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS journal_no_truncate()")
        op.execute(
            "DROP TRIGGER IF EXISTS journal_checkpoints_append_only ON journal_checkpoints"
        )
        op.execute("DROP FUNCTION IF EXISTS journal_checkpoints_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS journal_checkpoints_no_update")
        op.execute("DROP TRIGGER IF EXISTS journal_checkpoints_no_delete")
    op.drop_table('journal_checkpoints')
