"""support workflow

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 20:58:46.074582
"""
from alembic import op
import sqlalchemy as sa
import pgvector.sqlalchemy
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('response_targets',
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('respond_within_minutes', sa.Integer(), nullable=True),
    sa.Column('responder', sa.String(length=20), nullable=False),
    sa.CheckConstraint("priority IN ('high', 'medium', 'low')", name=op.f('ck_response_targets_priority')),
    sa.CheckConstraint("responder IN ('customer_success', 'support_hero', 'automated')", name=op.f('ck_response_targets_responder')),
    sa.CheckConstraint("severity IN ('critical', 'high', 'medium', 'low')", name=op.f('ck_response_targets_severity')),
    sa.PrimaryKeyConstraint('severity', 'priority', name=op.f('pk_response_targets'))
    )
    op.create_table('support_rotations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_support_rotations_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_support_rotations_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_rotations')),
    sa.UniqueConstraint('team_id', 'week_start', name='uq_support_rotations_team_week')
    )
    op.create_table('support_cases',
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('escalation_score', sa.Float(), nullable=False),
    sa.Column('reasons', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('flagged', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('responder', sa.String(length=20), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('clock_stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('suggestions', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('docs_gap', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('auto_replied', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('assessed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("priority IN ('high', 'medium', 'low')", name=op.f('ck_support_cases_priority')),
    sa.CheckConstraint("severity IN ('critical', 'high', 'medium', 'low')", name=op.f('ck_support_cases_severity')),
    sa.CheckConstraint("state IN ('open', 'responded', 'converted', 'resolved')", name=op.f('ck_support_cases_state')),
    sa.ForeignKeyConstraint(['owner_id'], ['profiles.id'], name=op.f('fk_support_cases_owner_id_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_support_cases_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_support_cases_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_support_cases'))
    )
    op.create_index('ix_support_cases_queue', 'support_cases', ['due_at'], unique=False, postgresql_where=sa.text("state = 'open' AND flagged AND clock_stopped_at IS NULL"))
    op.create_table('support_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['profiles.id'], name=op.f('fk_support_events_actor_id_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_support_events_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_events'))
    )
    op.create_index('ix_support_events_question', 'support_events', ['question_id', 'created_at'], unique=False)
    op.create_table('tickets',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('zendesk_ticket_id', sa.BigInteger(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('context', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sent', 'linked', 'failed')", name=op.f('ck_tickets_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['profiles.id'], name=op.f('fk_tickets_created_by_id_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_tickets_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('external_id', name=op.f('uq_tickets_external_id')),
    sa.UniqueConstraint('question_id', name=op.f('uq_tickets_question_id'))
    )

    # The team's published promise (issue 4's table); admins change it with PUT /api/v1/support/targets.
    targets = sa.table(
        'response_targets',
        sa.column('severity', sa.String), sa.column('priority', sa.String),
        sa.column('respond_within_minutes', sa.Integer), sa.column('responder', sa.String),
    )
    hour, day = 60, 24 * 60
    op.bulk_insert(targets, [
        {'severity': 'critical', 'priority': 'high', 'respond_within_minutes': hour, 'responder': 'customer_success'},
        {'severity': 'critical', 'priority': 'medium', 'respond_within_minutes': hour, 'responder': 'customer_success'},
        {'severity': 'critical', 'priority': 'low', 'respond_within_minutes': day, 'responder': 'customer_success'},
        {'severity': 'high', 'priority': 'high', 'respond_within_minutes': hour, 'responder': 'customer_success'},
        {'severity': 'high', 'priority': 'medium', 'respond_within_minutes': day, 'responder': 'support_hero'},
        {'severity': 'high', 'priority': 'low', 'respond_within_minutes': day, 'responder': 'support_hero'},
        {'severity': 'medium', 'priority': 'high', 'respond_within_minutes': day, 'responder': 'support_hero'},
        {'severity': 'medium', 'priority': 'medium', 'respond_within_minutes': day, 'responder': 'support_hero'},
        {'severity': 'medium', 'priority': 'low', 'respond_within_minutes': 2 * day, 'responder': 'support_hero'},
        {'severity': 'low', 'priority': 'high', 'respond_within_minutes': day, 'responder': 'support_hero'},
        {'severity': 'low', 'priority': 'medium', 'respond_within_minutes': 2 * day, 'responder': 'support_hero'},
        {'severity': 'low', 'priority': 'low', 'respond_within_minutes': None, 'responder': 'automated'},
    ])


def downgrade() -> None:
    op.drop_table('tickets')
    op.drop_index('ix_support_events_question', table_name='support_events')
    op.drop_table('support_events')
    op.drop_index('ix_support_cases_queue', table_name='support_cases', postgresql_where=sa.text("state = 'open' AND flagged AND clock_stopped_at IS NULL"))
    op.drop_table('support_cases')
    op.drop_table('support_rotations')
    op.drop_table('response_targets')
