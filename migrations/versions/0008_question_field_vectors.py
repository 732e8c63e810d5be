"""question vectors per field: the subject alone and the answer, beside the whole question

Revision ID: 0008
Revises: 0007

Existing rows get their new vectors through the queue: one embed job per stored vector.
"""
from alembic import op
import sqlalchemy as sa
import pgvector.sqlalchemy

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('question_embeddings', sa.Column('subject_embedding', pgvector.sqlalchemy.Vector(), nullable=True))
    op.add_column('question_embeddings', sa.Column('answer_embedding', pgvector.sqlalchemy.Vector(), nullable=True))
    op.create_check_constraint(
        op.f('ck_question_embeddings_subject_dim_matches'), 'question_embeddings',
        'subject_embedding IS NULL OR vector_dims(subject_embedding) = dim',
    )
    op.create_check_constraint(
        op.f('ck_question_embeddings_answer_dim_matches'), 'question_embeddings',
        'answer_embedding IS NULL OR vector_dims(answer_embedding) = dim',
    )
    op.execute(
        "INSERT INTO jobs (kind, payload, dedupe_key) "
        "SELECT 'embed_question', jsonb_build_object('question_id', question_id, 'model', model), "
        "       'embed:' || left(md5(model), 12) || ':' || question_id FROM question_embeddings "
        "ON CONFLICT (dedupe_key) WHERE status = 'queued' DO NOTHING"
    )


def downgrade() -> None:
    op.drop_constraint(op.f('ck_question_embeddings_answer_dim_matches'), 'question_embeddings', type_='check')
    op.drop_constraint(op.f('ck_question_embeddings_subject_dim_matches'), 'question_embeddings', type_='check')
    op.drop_column('question_embeddings', 'answer_embedding')
    op.drop_column('question_embeddings', 'subject_embedding')
