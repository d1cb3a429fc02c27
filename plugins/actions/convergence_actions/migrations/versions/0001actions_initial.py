"""actions: campaigns, events and registrations, places and rooms, projects, federation
campaigns (the base of the plugin's own branch).

Revision ID: 0001actions
Revises:
Create Date: 2026-12-03 04:45:00

Tenant tables secured by ``secure_tenant_tables`` (composite keys, row-level security on
PostgreSQL); the federation campaigns are federation rows (topic ``actions.campaign``) with
row-level security repeating the ORM rule. Depends on the core's 0013texts (roster, shared
data opt-ins and every governance table it refers to).
"""

import sqlalchemy as sa
from alembic import op

from federation.tenancy.ddl import secure_tenant_tables, unsecure_tenant_tables
from federation.tenancy.federation_data import (
    secure_federation_tables,
    unsecure_federation_tables,
)

revision = "0001actions"
down_revision = None
branch_labels = ("actions",)
depends_on = "0013texts"

FEDERATION_TABLES = {"actions_federation_campaigns": "actions.campaign"}
TABLES = (
    "actions_registrations",
    "actions_bookings",
    "actions_supporters",
    "actions_pledges",
    "actions_events",
    "actions_campaign_concerns",
    "actions_project_steps",
    "actions_campaigns",
    "actions_rooms",
    "actions_projects",
    "actions_places",
    "actions_federation_campaigns",
)


def upgrade() -> None:
    op.create_table('actions_federation_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('origin_commune_id', sa.Integer(), nullable=True),
    sa.Column('federation_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['federation_id'], ['federations.id'], name=op.f('fk_actions_federation_campaigns_federation_id_federations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['origin_commune_id'], ['communes.id'], name=op.f('fk_actions_federation_campaigns_origin_commune_id_communes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_federation_campaigns')),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_federation_campaigns_federation_id'), 'actions_federation_campaigns', ['federation_id'], unique=False)
    op.create_table('actions_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('accessibility', sa.Text(), nullable=False),
    sa.Column('opening_hours', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_places_commune_id_communes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_places')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_places_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_places_commune_id'), 'actions_places', ['commune_id'], unique=False)
    op.create_table('actions_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['gov_bodies.id'], name=op.f('fk_actions_projects_body_id_gov_bodies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commune_id', 'body_id'], ['gov_bodies.commune_id', 'gov_bodies.id'], name='fkc_actions_projects_body_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id', 'place_id'], ['actions_places.commune_id', 'actions_places.id'], name='fkc_actions_projects_place_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_projects_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['actions_places.id'], name=op.f('fk_actions_projects_place_id_actions_places'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_projects')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_projects_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_projects_commune_id'), 'actions_projects', ['commune_id'], unique=False)
    op.create_table('actions_rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('max_hours', sa.Integer(), nullable=False),
    sa.Column('min_notice_hours', sa.Integer(), nullable=False),
    sa.Column('members_only', sa.Boolean(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id', 'place_id'], ['actions_places.commune_id', 'actions_places.id'], name='fkc_actions_rooms_place_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_rooms_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['place_id'], ['actions_places.id'], name=op.f('fk_actions_rooms_place_id_actions_places'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_rooms')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_rooms_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_rooms_commune_id'), 'actions_rooms', ['commune_id'], unique=False)
    op.create_table('actions_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('demands', sa.Text(), nullable=False),
    sa.Column('means', sa.Text(), nullable=False),
    sa.Column('budget_line', sa.String(length=60), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report_meeting_id', sa.Integer(), nullable=True),
    sa.Column('federation_campaign_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['gov_bodies.id'], name=op.f('fk_actions_campaigns_body_id_gov_bodies'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commune_id', 'body_id'], ['gov_bodies.commune_id', 'gov_bodies.id'], name='fkc_actions_campaigns_body_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id', 'decision_id'], ['gov_decisions.commune_id', 'gov_decisions.id'], name='fkc_actions_campaigns_decision_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id', 'report_meeting_id'], ['gov_meetings.commune_id', 'gov_meetings.id'], name='fkc_actions_campaigns_report_meeting_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_campaigns_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_actions_campaigns_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decision_id'], ['gov_decisions.id'], name=op.f('fk_actions_campaigns_decision_id_gov_decisions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['federation_campaign_id'], ['actions_federation_campaigns.id'], name=op.f('fk_actions_campaigns_federation_campaign_id_actions_federation_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_meeting_id'], ['gov_meetings.id'], name=op.f('fk_actions_campaigns_report_meeting_id_gov_meetings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_campaigns')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_campaigns_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_campaigns_commune_id'), 'actions_campaigns', ['commune_id'], unique=False)
    op.create_index(op.f('ix_actions_campaigns_federation_campaign_id'), 'actions_campaigns', ['federation_campaign_id'], unique=False)
    op.create_table('actions_project_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id', 'decision_id'], ['gov_decisions.commune_id', 'gov_decisions.id'], name='fkc_actions_project_steps_decision_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id', 'project_id'], ['actions_projects.commune_id', 'actions_projects.id'], name='fkc_actions_project_steps_project_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_project_steps_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decision_id'], ['gov_decisions.id'], name=op.f('fk_actions_project_steps_decision_id_gov_decisions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['actions_projects.id'], name=op.f('fk_actions_project_steps_project_id_actions_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_project_steps')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_project_steps_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_project_steps_commune_id'), 'actions_project_steps', ['commune_id'], unique=False)
    op.create_table('actions_campaign_concerns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['actions_campaigns.id'], name=op.f('fk_actions_campaign_concerns_campaign_id_actions_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id', 'campaign_id'], ['actions_campaigns.commune_id', 'actions_campaigns.id'], name='fkc_actions_campaign_concerns_campaign_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id', 'concern_id'], ['gov_concerns.commune_id', 'gov_concerns.id'], name='fkc_actions_campaign_concerns_concern_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_campaign_concerns_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['concern_id'], ['gov_concerns.id'], name=op.f('fk_actions_campaign_concerns_concern_id_gov_concerns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_campaign_concerns')),
    sa.UniqueConstraint('commune_id', 'campaign_id', 'concern_id', name=op.f('uq_actions_campaign_concerns_commune_id_campaign_id_concern_id')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_campaign_concerns_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_campaign_concerns_commune_id'), 'actions_campaign_concerns', ['commune_id'], unique=False)
    op.create_table('actions_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('accessibility', sa.Text(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('waiting_list', sa.Boolean(), nullable=False),
    sa.Column('approval', sa.Boolean(), nullable=False),
    sa.Column('open_to_email', sa.Boolean(), nullable=False),
    sa.Column('private_list', sa.Boolean(), nullable=False),
    sa.Column('shift_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['actions_campaigns.id'], name=op.f('fk_actions_events_campaign_id_actions_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['commune_id', 'campaign_id'], ['actions_campaigns.commune_id', 'actions_campaigns.id'], name='fkc_actions_events_campaign_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id', 'place_id'], ['actions_places.commune_id', 'actions_places.id'], name='fkc_actions_events_place_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id', 'shift_id'], ['roster_shifts.commune_id', 'roster_shifts.id'], name='fkc_actions_events_shift_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_events_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_actions_events_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['place_id'], ['actions_places.id'], name=op.f('fk_actions_events_place_id_actions_places'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shift_id'], ['roster_shifts.id'], name=op.f('fk_actions_events_shift_id_roster_shifts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_events')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_events_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_events_campaign_id'), 'actions_events', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_actions_events_commune_id'), 'actions_events', ['commune_id'], unique=False)
    op.create_table('actions_pledges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_actions_pledges_amount_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['actions_campaigns.id'], name=op.f('fk_actions_pledges_campaign_id_actions_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id', 'campaign_id'], ['actions_campaigns.commune_id', 'actions_campaigns.id'], name='fkc_actions_pledges_campaign_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_pledges_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_actions_pledges_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_pledges')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_pledges_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_pledges_commune_id'), 'actions_pledges', ['commune_id'], unique=False)
    op.create_table('actions_supporters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['actions_campaigns.id'], name=op.f('fk_actions_supporters_campaign_id_actions_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id', 'campaign_id'], ['actions_campaigns.commune_id', 'actions_campaigns.id'], name='fkc_actions_supporters_campaign_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_supporters_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_actions_supporters_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_supporters')),
    sa.UniqueConstraint('commune_id', 'campaign_id', 'user_id', name=op.f('uq_actions_supporters_commune_id_campaign_id_user_id')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_supporters_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_supporters_commune_id'), 'actions_supporters', ['commune_id'], unique=False)
    op.create_table('actions_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commune_id', 'event_id'], ['actions_events.commune_id', 'actions_events.id'], name='fkc_actions_bookings_event_id', initially='DEFERRED', deferrable=True),
    sa.ForeignKeyConstraint(['commune_id', 'room_id'], ['actions_rooms.commune_id', 'actions_rooms.id'], name='fkc_actions_bookings_room_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_bookings_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['actions_events.id'], name=op.f('fk_actions_bookings_event_id_actions_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['room_id'], ['actions_rooms.id'], name=op.f('fk_actions_bookings_room_id_actions_rooms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_actions_bookings_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_bookings')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_bookings_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_bookings_commune_id'), 'actions_bookings', ['commune_id'], unique=False)
    op.create_index('ix_actions_bookings_room_span', 'actions_bookings', ['commune_id', 'room_id', 'starts_at'], unique=False)
    op.create_table('actions_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('public_name', sa.String(length=120), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id', 'event_id'], ['actions_events.commune_id', 'actions_events.id'], name='fkc_actions_registrations_event_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_actions_registrations_commune_id_communes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['actions_events.id'], name=op.f('fk_actions_registrations_event_id_actions_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_actions_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actions_registrations')),
    sa.UniqueConstraint('commune_id', 'code', name=op.f('uq_actions_registrations_commune_id_code')),
    sa.UniqueConstraint('commune_id', 'id', name='uq_actions_registrations_commune_id_id'),
    info={'plugin': 'actions'}
    )
    op.create_index(op.f('ix_actions_registrations_commune_id'), 'actions_registrations', ['commune_id'], unique=False)
    op.create_index('ix_actions_registrations_event', 'actions_registrations', ['commune_id', 'event_id', 'status'], unique=False)
    # UNIQUE (commune_id, id), composite keys, row-level security on PostgreSQL
    secure_tenant_tables(op, prefix="actions_")
    secure_federation_tables(op, FEDERATION_TABLES)


def downgrade() -> None:
    unsecure_federation_tables(op, FEDERATION_TABLES)
    unsecure_tenant_tables(op, prefix="actions_")
    for table in TABLES:
        op.drop_table(table)
