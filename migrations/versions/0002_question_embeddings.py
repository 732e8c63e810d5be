"""question embeddings, embedding models, and a wake-up notification for the job queue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 17:10:00.000000

The packaged all-MiniLM-L6-v2 starts as the active model with its own HNSW index. Indexes of
later models are created by `forum embed --model NAME` (forum/embeddings/repository.py names
them the same way: ix_question_embeddings_hnsw_ + the first 10 hex digits of sha1(model name)).
"""
from alembic import op
import sqlalchemy as sa
import pgvector.sqlalchemy

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

DEFAULT_MODEL = 'sentence-transformers/all-MiniLM-L6-v2'
DEFAULT_DIM = 384
DEFAULT_INDEX = 'ix_question_embeddings_hnsw_d46f770182'


def upgrade() -> None:
    op.create_table('embedding_models',
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('dim > 0', name=op.f('ck_embedding_models_dim_positive')),
    sa.CheckConstraint("status IN ('pending', 'active', 'retired')", name=op.f('ck_embedding_models_status')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_embedding_models'))
    )
    op.create_index('uq_embedding_models_one_active', 'embedding_models', ['status'], unique=True, postgresql_where=sa.text("status = 'active'"))
    op.create_table('question_embeddings',
    sa.Column('question_id', sa.BigInteger(), nullable=False),
    sa.Column('model', sa.String(length=300), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('source_version', sa.Integer(), nullable=False),
    sa.Column('embedding', pgvector.sqlalchemy.Vector(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('vector_dims(embedding) = dim', name=op.f('ck_question_embeddings_dim_matches')),
    sa.ForeignKeyConstraint(['model'], ['embedding_models.name'], name=op.f('fk_question_embeddings_model_embedding_models'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_question_embeddings_question_id_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'model', name=op.f('pk_question_embeddings'))
    )
    op.execute(
        f"INSERT INTO embedding_models (name, dim, status, activated_at) VALUES ('{DEFAULT_MODEL}', {DEFAULT_DIM}, 'active', now())"
    )
    op.execute(
        f"CREATE INDEX {DEFAULT_INDEX} ON question_embeddings USING hnsw ((embedding::vector({DEFAULT_DIM})) vector_cosine_ops) "
        f"WHERE model = '{DEFAULT_MODEL}'"
    )
    # Workers LISTEN on 'jobs' and wake at once instead of waiting for their next poll. One
    # notification per inserting statement, sent at commit, so a backfill of 100k jobs sends one.
    op.execute(
        """
        CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('jobs', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute("CREATE TRIGGER jobs_notify AFTER INSERT ON jobs FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS jobs_notify ON jobs")
    op.execute("DROP FUNCTION IF EXISTS jobs_notify()")
    op.drop_table('question_embeddings')
    op.drop_index('uq_embedding_models_one_active', table_name='embedding_models', postgresql_where=sa.text("status = 'active'"))
    op.drop_table('embedding_models')
