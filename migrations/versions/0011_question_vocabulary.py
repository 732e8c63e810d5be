"""question vocabulary: every lexeme of the visible questions and how many questions hold it, so
suggestions can read the word still being typed as the words it begins, weighted by how common
each is ("rep" -> replay, report, ...). A materialized view, refreshed by a job that queues its own
next run (forum/suggestions/jobs.py): counts a little out of date only weigh completions a little
differently, and the write path of questions pays nothing.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE MATERIALIZED VIEW question_vocabulary AS "
        "SELECT t.lexeme, count(*)::int AS questions "
        "FROM questions q CROSS JOIN LATERAL unnest(q.search_vector) t "
        "WHERE q.published AND NOT q.archived GROUP BY t.lexeme"
    )
    # Unique, for REFRESH ... CONCURRENTLY; text_pattern_ops, for the prefix ranges (~>=~, ~<~) of
    # the completions, whatever the database's collation.
    op.execute("CREATE UNIQUE INDEX ux_question_vocabulary_lexeme ON question_vocabulary (lexeme text_pattern_ops)")
    op.execute(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts) "
        "VALUES ('suggestions_vocabulary', '{\"scheduled\": true}', now(), 3)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM jobs WHERE kind = 'suggestions_vocabulary' AND status = 'queued'")
    op.execute("DROP MATERIALIZED VIEW question_vocabulary")
