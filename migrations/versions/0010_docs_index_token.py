"""docs index token: a value that changes with every write to the docs index, so each process
knows when its in-memory copy (docs_index/snapshot.py) is out of date

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

DOCS_TABLES = ('docs_pages', 'docs_chunks', 'docs_chunk_embeddings')


def upgrade() -> None:
    op.create_table('docs_index_state',
    sa.Column('id', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('token', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('id', name=op.f('ck_docs_index_state_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_docs_index_state'))
    )
    op.execute("INSERT INTO docs_index_state DEFAULT VALUES")
    # A random token rather than a counter: a transaction rolled back after its write (the tests do
    # that all the time) must never leave behind a value that a later, different write repeats.
    op.execute(
        "CREATE FUNCTION docs_index_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN UPDATE docs_index_state SET token = gen_random_uuid(), changed_at = now(); RETURN NULL; END $$"
    )
    for table in DOCS_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION docs_index_changed()"
        )


def downgrade() -> None:
    for table in DOCS_TABLES:
        op.execute(f"DROP TRIGGER {table}_changed ON {table}")
    op.execute("DROP FUNCTION docs_index_changed()")
    op.drop_table('docs_index_state')
