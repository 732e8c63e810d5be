"""docs index: pages, chunks with full-text search, and chunk vectors (text and heading) per embedding model

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 18:00:00.000000

Like question vectors (0002), each model's docs vectors get a partial HNSW index on
(embedding::vector(dim)) WHERE model = name. The packaged model's is created here; later models'
by docs_index/store.py, which names them the same way: ix_docs_chunk_embeddings_hnsw_ + the
first 10 hex digits of sha1(model name).
"""
from alembic import op
import sqlalchemy as sa
import pgvector.sqlalchemy
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

DEFAULT_MODEL = 'sentence-transformers/all-MiniLM-L6-v2'
DEFAULT_DIM = 384
DEFAULT_INDEX = 'ix_docs_chunk_embeddings_hnsw_d46f770182'


def upgrade() -> None:
    op.create_table('docs_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('warnings', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('indexed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_docs_pages')),
    sa.UniqueConstraint('path', name=op.f('uq_docs_pages_path'))
    )
    op.create_table('docs_chunks',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('heading_path', postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('anchor', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('has_code', sa.Boolean(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('heading_hash', sa.String(length=64), nullable=False),
    sa.Column('search_vector', postgresql.TSVECTOR(), nullable=False),
    sa.Column('indexed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['docs_pages.id'], name=op.f('fk_docs_chunks_page_id_docs_pages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_docs_chunks')),
    sa.UniqueConstraint('page_id', 'ordinal', name='uq_docs_chunks_page_ordinal', deferrable=True, initially='DEFERRED')
    )
    op.create_index('ix_docs_chunks_search', 'docs_chunks', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index('ix_docs_chunks_updated_at', 'docs_chunks', ['updated_at'], unique=False)
    op.create_table('docs_chunk_embeddings',
    sa.Column('chunk_id', sa.BigInteger(), nullable=False),
    sa.Column('model', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('embedding', pgvector.sqlalchemy.Vector(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('vector_dims(embedding) = dim', name=op.f('ck_docs_chunk_embeddings_dim_matches')),
    sa.CheckConstraint("kind IN ('body', 'heading')", name=op.f('ck_docs_chunk_embeddings_kind')),
    sa.ForeignKeyConstraint(['chunk_id'], ['docs_chunks.id'], name=op.f('fk_docs_chunk_embeddings_chunk_id_docs_chunks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model'], ['embedding_models.name'], name=op.f('fk_docs_chunk_embeddings_model_embedding_models'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chunk_id', 'model', 'kind', name=op.f('pk_docs_chunk_embeddings'))
    )
    op.execute(
        f"CREATE INDEX {DEFAULT_INDEX} ON docs_chunk_embeddings USING hnsw ((embedding::vector({DEFAULT_DIM})) vector_cosine_ops) "
        f"WHERE model = '{DEFAULT_MODEL}'"
    )


def downgrade() -> None:
    op.drop_table('docs_chunk_embeddings')
    op.drop_index('ix_docs_chunks_updated_at', table_name='docs_chunks')
    op.drop_index('ix_docs_chunks_search', table_name='docs_chunks', postgresql_using='gin')
    op.drop_table('docs_chunks')
    op.drop_table('docs_pages')
