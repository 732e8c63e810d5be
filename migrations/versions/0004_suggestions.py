"""suggestion impressions (deflection, docs-gap evidence) and the related-questions cache

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suggestion_impressions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('draft_id', sa.String(length=64), nullable=True),
    sa.Column('profile_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('shown_question_ids', postgresql.ARRAY(sa.BigInteger()), server_default='{}', nullable=False),
    sa.Column('shown_docs_urls', postgresql.ARRAY(sa.String(length=500)), server_default='{}', nullable=False),
    sa.Column('best_question_similarity', sa.Float(), nullable=True),
    sa.Column('best_docs_similarity', sa.Float(), nullable=True),
    sa.Column('shown_count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('question_id', sa.BigInteger(), nullable=True),
    sa.Column('helpful', sa.Boolean(), nullable=True),
    sa.Column('clicked', postgresql.ARRAY(sa.String(length=500)), server_default='{}', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['profiles.id'], name=op.f('fk_suggestion_impressions_profile_id_profiles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_suggestion_impressions_question_id_questions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_impressions'))
    )
    op.create_index('uq_suggestion_impressions_draft', 'suggestion_impressions', ['draft_id'], unique=True, postgresql_where=sa.text('draft_id IS NOT NULL'))
    op.create_index('ix_suggestion_impressions_created', 'suggestion_impressions', ['created_at'], unique=False)
    op.create_index('ix_suggestion_impressions_question', 'suggestion_impressions', ['question_id'], unique=False, postgresql_where=sa.text('question_id IS NOT NULL'))
    op.create_table('related_cache',
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('question_version', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=300), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_related_cache_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_related_cache'))
    )


def downgrade() -> None:
    op.drop_table('related_cache')
    op.drop_index('uq_suggestion_impressions_draft', table_name='suggestion_impressions')
    op.drop_index('ix_suggestion_impressions_created', table_name='suggestion_impressions')
    op.drop_index('ix_suggestion_impressions_question', table_name='suggestion_impressions')
    op.drop_table('suggestion_impressions')
