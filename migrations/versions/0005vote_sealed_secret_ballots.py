"""sealed secret ballots (issue 10 item 3): pending secret ballots, kept apart from the
ballots table until their vote closes

Revision ID: 0005vote
Revises: 0004inter
Create Date: 2026-12-02 09:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005vote'
down_revision = '0004inter'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gov_sealed_ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_gov_sealed_ballots_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vote_id'], ['gov_votes.id'], name=op.f('fk_gov_sealed_ballots_vote_id_gov_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gov_sealed_ballots')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('gov_sealed_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gov_sealed_ballots_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index('ix_gov_sealed_ballots_commune_vote', ['commune_id', 'vote_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('gov_sealed_ballots', schema=None) as batch_op:
        batch_op.drop_index('ix_gov_sealed_ballots_commune_vote')
        batch_op.drop_index(batch_op.f('ix_gov_sealed_ballots_commune_id'))
    op.drop_table('gov_sealed_ballots')
