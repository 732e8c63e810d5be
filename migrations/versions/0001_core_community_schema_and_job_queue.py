"""core community schema and job queue

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 15:45:18.877810
"""
from alembic import op
import sqlalchemy as sa
import pgvector.sqlalchemy
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table('jobs',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('status', sa.String(length=10), server_default='queued', nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('max_attempts', sa.Integer(), server_default='8', nullable=False),
    sa.Column('run_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'done', 'dead')", name=op.f('ck_jobs_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_index('ix_jobs_ready', 'jobs', ['run_at'], unique=False, postgresql_where=sa.text("status = 'queued'"))
    op.create_index('uq_jobs_pending_dedupe', 'jobs', ['dedupe_key'], unique=True, postgresql_where=sa.text("status = 'queued'"))
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('plan', sa.String(length=40), server_default='free', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations'))
    )
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_teams_slug'))
    )
    op.create_table('topic_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_groups')),
    sa.UniqueConstraint('slug', name=op.f('uq_topic_groups_slug'))
    )
    op.create_table('profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('avatar_url', sa.String(length=500), nullable=True),
    sa.Column('bio', sa.String(length=2000), nullable=True),
    sa.Column('role', sa.String(length=20), server_default='member', nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('reputation', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('member', 'moderator', 'support', 'admin')", name=op.f('ck_profiles_role')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_profiles_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_profiles_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profiles'))
    )
    op.create_index('uq_profiles_email_lower', 'profiles', [sa.literal_column('lower(email)')], unique=True)
    op.create_table('topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['topic_groups.id'], name=op.f('fk_topics_group_id_topic_groups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_topics_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topics')),
    sa.UniqueConstraint('slug', name=op.f('uq_topics_slug'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_api_tokens_profile_id_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_profile_id'), 'api_tokens', ['profile_id'], unique=False)
    op.create_table('questions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('permalink', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=140), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('resolved_by_id', sa.BigInteger(), nullable=True),
    sa.Column('archived', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('locked', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('published', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('page_slugs', postgresql.ARRAY(sa.String(length=300)), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('active_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reply_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('upvote_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('view_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('search_vector', postgresql.TSVECTOR(), sa.Computed("setweight(to_tsvector('english', coalesce(subject, '')), 'A') || setweight(to_tsvector('english', coalesce(body, '')), 'B')", persisted=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'answered', 'resolved')", name=op.f('ck_questions_status')),
    sa.CheckConstraint('char_length(subject) BETWEEN 1 AND 140', name=op.f('ck_questions_subject_length')),
    sa.ForeignKeyConstraint(['author_id'], ['profiles.id'], name=op.f('fk_questions_author_id_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    sa.UniqueConstraint('permalink', name=op.f('uq_questions_permalink'))
    )
    op.create_index('ix_questions_author', 'questions', ['author_id', sa.literal_column('created_at DESC')], unique=False)
    op.create_index('ix_questions_page_slugs', 'questions', ['page_slugs'], unique=False, postgresql_using='gin')
    op.create_index('ix_questions_search', 'questions', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index('ix_questions_visible_active', 'questions', [sa.literal_column('active_at DESC')], unique=False, postgresql_where=sa.text('published AND NOT archived'))
    op.create_index('ix_questions_visible_created', 'questions', [sa.literal_column('created_at DESC')], unique=False, postgresql_where=sa.text('published AND NOT archived'))
    op.create_table('question_topics',
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('pinned', sa.Boolean(), server_default='false', nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_topics_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_question_topics_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'topic_id', name=op.f('pk_question_topics'))
    )
    op.create_index('ix_question_topics_topic', 'question_topics', ['topic_id', 'question_id'], unique=False)
    op.create_table('question_votes',
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_question_votes_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_votes_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'profile_id', name=op.f('pk_question_votes'))
    )
    op.create_table('replies',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('upvotes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('downvotes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['profiles.id'], name=op.f('fk_replies_author_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_replies_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replies'))
    )
    op.create_index('ix_replies_question', 'replies', ['question_id', 'created_at'], unique=False)
    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.BigInteger(), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('(question_id IS NULL) <> (topic_id IS NULL)', name=op.f('ck_subscriptions_one_target')),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_subscriptions_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_subscriptions_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_subscriptions_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('profile_id', 'question_id', name='uq_subscriptions_profile_question'),
    sa.UniqueConstraint('profile_id', 'topic_id', name='uq_subscriptions_profile_topic')
    )
    op.create_table('reply_votes',
    sa.Column('reply_id', sa.BigInteger(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('value IN (-1, 1)', name=op.f('ck_reply_votes_value')),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_reply_votes_profile_id_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_reply_votes_reply_id_replies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reply_id', 'profile_id', name=op.f('pk_reply_votes'))
    )
    op.create_table('spam_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('question_id', sa.BigInteger(), nullable=True),
    sa.Column('reply_id', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(question_id IS NULL) <> (reply_id IS NULL)', name=op.f('ck_spam_reports_one_target')),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_spam_reports_question_id_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_spam_reports_reply_id_replies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['profiles.id'], name=op.f('fk_spam_reports_reporter_id_profiles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spam_reports'))
    )
    op.create_index('ix_spam_reports_open', 'spam_reports', ['created_at'], unique=False, postgresql_where=sa.text('resolved_at IS NULL'))
    # questions and replies point at each other, so this key is added once both exist.
    op.create_foreign_key(op.f('fk_questions_resolved_by_id_replies'), 'questions', 'replies', ['resolved_by_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    op.drop_constraint(op.f('fk_questions_resolved_by_id_replies'), 'questions', type_='foreignkey')
    op.drop_index('ix_spam_reports_open', table_name='spam_reports', postgresql_where=sa.text('resolved_at IS NULL'))
    op.drop_table('spam_reports')
    op.drop_table('reply_votes')
    op.drop_table('subscriptions')
    op.drop_index('ix_replies_question', table_name='replies')
    op.drop_table('replies')
    op.drop_table('question_votes')
    op.drop_index('ix_question_topics_topic', table_name='question_topics')
    op.drop_table('question_topics')
    op.drop_index('ix_questions_visible_created', table_name='questions', postgresql_where=sa.text('published AND NOT archived'))
    op.drop_index('ix_questions_visible_active', table_name='questions', postgresql_where=sa.text('published AND NOT archived'))
    op.drop_index('ix_questions_search', table_name='questions', postgresql_using='gin')
    op.drop_index('ix_questions_page_slugs', table_name='questions', postgresql_using='gin')
    op.drop_index('ix_questions_author', table_name='questions')
    op.drop_table('questions')
    op.drop_index(op.f('ix_api_tokens_profile_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('topics')
    op.drop_index('uq_profiles_email_lower', table_name='profiles')
    op.drop_table('profiles')
    op.drop_table('topic_groups')
    op.drop_table('teams')
    op.drop_table('organisations')
    op.drop_index('uq_jobs_pending_dedupe', table_name='jobs', postgresql_where=sa.text("status = 'queued'"))
    op.drop_index('ix_jobs_ready', table_name='jobs', postgresql_where=sa.text("status = 'queued'"))
    op.drop_table('jobs')
