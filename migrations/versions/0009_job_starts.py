"""job starts: runs of a job that have not finished, so a job that kills its worker is counted

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_starts',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('job_id', sa.BigInteger(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_starts'))
    )
    op.create_index('ix_job_starts_job', 'job_starts', ['job_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_job_starts_job', table_name='job_starts')
    op.drop_table('job_starts')
