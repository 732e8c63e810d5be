"""docs gaps: detection runs, gaps with their members, GitHub issues; the first scheduled detection

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import pgvector.sqlalchemy
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('docs_gap_runs',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('model', sa.String(length=300), nullable=False),
    sa.Column('method', sa.String(length=30), nullable=False),
    sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('evidence', sa.Integer(), server_default='0', nullable=False),
    sa.Column('clustered', sa.Integer(), server_default='0', nullable=False),
    sa.Column('gaps', sa.Integer(), server_default='0', nullable=False),
    sa.Column('new_gaps', sa.Integer(), server_default='0', nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_docs_gap_runs'))
    )
    op.create_table('docs_gaps',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('model', sa.String(length=300), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('centroid', pgvector.sqlalchemy.vector.VECTOR(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('score_parts', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('terms', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('central_question_id', sa.BigInteger(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('area', sa.Text(), nullable=True),
    sa.Column('placement', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('docs_baseline_similarity', sa.Float(), nullable=True),
    sa.Column('possibly_addressed', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('addressed_by', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('addressed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_run_id', sa.BigInteger(), nullable=True),
    sa.Column('dismissed_reason', sa.Text(), nullable=True),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('filed_url', sa.Text(), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'filed', 'dismissed', 'vanished')", name=op.f('ck_docs_gaps_status')),
    sa.CheckConstraint('vector_dims(centroid) = dim', name=op.f('ck_docs_gaps_dim_matches')),
    sa.ForeignKeyConstraint(['central_question_id'], ['questions.id'], name=op.f('fk_docs_gaps_central_question_id_questions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['last_run_id'], ['docs_gap_runs.id'], name=op.f('fk_docs_gaps_last_run_id_docs_gap_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['profiles.id'], name=op.f('fk_docs_gaps_dismissed_by_id_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['filed_by_id'], ['profiles.id'], name=op.f('fk_docs_gaps_filed_by_id_profiles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_docs_gaps'))
    )
    op.create_index('ix_docs_gaps_status_score', 'docs_gaps', ['status', sa.text('score DESC')], unique=False)
    op.create_table('docs_gap_members',
    sa.Column('gap_id', sa.BigInteger(), nullable=False),
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('signals', postgresql.ARRAY(sa.String(length=30)), server_default='{}', nullable=False),
    sa.Column('escalated', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['gap_id'], ['docs_gaps.id'], name=op.f('fk_docs_gap_members_gap_id_docs_gaps'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_docs_gap_members_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('gap_id', 'question_id', name=op.f('pk_docs_gap_members'))
    )
    op.create_index('ix_docs_gap_members_question', 'docs_gap_members', ['question_id'], unique=False)
    op.create_table('docs_gap_issues',
    sa.Column('gap_id', sa.BigInteger(), nullable=False),
    sa.Column('repo', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'posted', 'failed')", name=op.f('ck_docs_gap_issues_status')),
    sa.ForeignKeyConstraint(['gap_id'], ['docs_gaps.id'], name=op.f('fk_docs_gap_issues_gap_id_docs_gaps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('gap_id', 'repo', name=op.f('pk_docs_gap_issues'))
    )
    # The scheduled detection re-queues itself after every run (forum/gaps/jobs.py); this is the
    # first one. An hour out, so a fresh install has time to index its docs and embed its questions.
    op.execute(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts) "
        "VALUES ('gaps_detect', '{\"scheduled\": true}', now() + interval '1 hour', 3)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM jobs WHERE kind IN ('gaps_detect', 'gaps_github_issue') AND status = 'queued'")
    op.drop_table('docs_gap_issues')
    op.drop_index('ix_docs_gap_members_question', table_name='docs_gap_members')
    op.drop_table('docs_gap_members')
    op.drop_index('ix_docs_gaps_status_score', table_name='docs_gaps')
    op.drop_table('docs_gaps')
    op.drop_table('docs_gap_runs')
