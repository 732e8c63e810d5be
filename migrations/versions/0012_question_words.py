"""question words: every word of the visible questions as written (lower-cased, not stemmed) and how
many questions hold it. A draft's unfinished word is completed to its likeliest word before the
draft is embedded ("how do I bootstr" -> "how do I bootstrap"): the embedding model needs a word,
and a stem such as "replai" (question_vocabulary) is not one. Counted again with question_vocabulary
by the same scheduled job.

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE MATERIALIZED VIEW question_words AS "
        "SELECT t.lexeme AS word, count(*)::int AS questions "
        "FROM questions q CROSS JOIN LATERAL unnest(to_tsvector('simple', q.subject || ' ' || q.body)) t "
        "WHERE q.published AND NOT q.archived GROUP BY t.lexeme "
        # The empty word, which every question holds: the count the others are shares of.
        "UNION ALL SELECT '', count(*)::int FROM questions WHERE published AND NOT archived"
    )
    # As question_vocabulary's: unique for REFRESH ... CONCURRENTLY, text_pattern_ops for prefix ranges.
    op.execute("CREATE UNIQUE INDEX ux_question_words_word ON question_words (word text_pattern_ops)")


def downgrade() -> None:
    op.execute("DROP MATERIALIZED VIEW question_words")
