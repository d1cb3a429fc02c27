"""governance: consent objections, one follow per target, mandates' election and recall
votes, roles that start on a given day

Revision ID: 0006gov2
Revises: 0005vote
Create Date: 2026-12-02 09:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006gov2'
down_revision = '0005vote'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gov_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_gov_objections_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_gov_objections_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_gov_objections_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vote_id'], ['gov_votes.id'], name=op.f('fk_gov_objections_vote_id_gov_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gov_objections')),
    sa.UniqueConstraint('commune_id', 'vote_id', 'author_id', name=op.f('uq_gov_objections_commune_id_vote_id_author_id'))
    )
    with op.batch_alter_table('gov_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gov_objections_commune_id'), ['commune_id'], unique=False)

    # follows: keep the oldest of each duplicate (GROUP BY puts NULLs together on both
    # SQLite and PostgreSQL), then one partial unique index per kind of target
    op.execute(
        'DELETE FROM gov_follows WHERE id NOT IN ('
        'SELECT MIN(id) FROM gov_follows GROUP BY commune_id, user_id, body_id, proposal_id)'
    )
    with op.batch_alter_table('gov_follows', schema=None) as batch_op:
        batch_op.drop_constraint('uq_gov_follows_commune_id_user_id_body_id_proposal_id', type_='unique')
    op.create_index('ux_gov_follows_body', 'gov_follows', ['commune_id', 'user_id', 'body_id'], unique=True, sqlite_where=sa.text('body_id IS NOT NULL'), postgresql_where=sa.text('body_id IS NOT NULL'))
    op.create_index('ux_gov_follows_proposal', 'gov_follows', ['commune_id', 'user_id', 'proposal_id'], unique=True, sqlite_where=sa.text('proposal_id IS NOT NULL'), postgresql_where=sa.text('proposal_id IS NOT NULL'))

    with op.batch_alter_table('gov_mandates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('election_vote_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recall_vote_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_gov_mandates_election_vote_id_gov_votes'), 'gov_votes', ['election_vote_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_gov_mandates_recall_vote_id_gov_votes'), 'gov_votes', ['recall_vote_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('membership_roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('federation_roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True))

    # composite tenant keys (issue 11) for the new table and references; idempotent, so it
    # holds whether this revision runs before or after 0009tenant
    from federation.tenancy.ddl import secure_tenant_tables

    secure_tenant_tables(op, tables=['gov_objections', 'gov_mandates'])


def downgrade() -> None:
    from federation.tenancy.ddl import unsecure_tenant_tables

    unsecure_tenant_tables(op, tables=['gov_objections'])
    composite = [
        fk['name']
        for fk in sa.inspect(op.get_bind()).get_foreign_keys('gov_mandates')
        if fk['name'] and fk['name'].startswith('fkc_')
        and set(fk['constrained_columns']) & {'election_vote_id', 'recall_vote_id'}
    ]
    if composite:
        with op.batch_alter_table('gov_mandates', schema=None) as batch_op:
            for name in composite:
                batch_op.drop_constraint(name, type_='foreignkey')
    with op.batch_alter_table('federation_roles', schema=None) as batch_op:
        batch_op.drop_column('starts_at')
    with op.batch_alter_table('membership_roles', schema=None) as batch_op:
        batch_op.drop_column('starts_at')
    with op.batch_alter_table('gov_mandates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_gov_mandates_recall_vote_id_gov_votes'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_gov_mandates_election_vote_id_gov_votes'), type_='foreignkey')
        batch_op.drop_column('recall_vote_id')
        batch_op.drop_column('election_vote_id')
    op.drop_index('ux_gov_follows_proposal', table_name='gov_follows')
    op.drop_index('ux_gov_follows_body', table_name='gov_follows')
    with op.batch_alter_table('gov_follows', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_gov_follows_commune_id_user_id_body_id_proposal_id', ['commune_id', 'user_id', 'body_id', 'proposal_id'])
    with op.batch_alter_table('gov_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gov_objections_commune_id'))
    op.drop_table('gov_objections')
