"""one open report per reporter and post: a second click on "report" (or a script) no longer floods the
moderators' queue with copies. Earlier copies of an open report are dropped, keeping the first.

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM spam_reports r USING spam_reports first "
        "WHERE r.resolved_at IS NULL AND first.resolved_at IS NULL AND r.reporter_id = first.reporter_id "
        "AND r.question_id IS NOT DISTINCT FROM first.question_id AND r.reply_id IS NOT DISTINCT FROM first.reply_id "
        "AND r.id > first.id"
    )
    op.execute(
        "CREATE UNIQUE INDEX ux_spam_reports_open_question ON spam_reports (reporter_id, question_id) "
        "WHERE resolved_at IS NULL AND question_id IS NOT NULL"
    )
    op.execute(
        "CREATE UNIQUE INDEX ux_spam_reports_open_reply ON spam_reports (reporter_id, reply_id) "
        "WHERE resolved_at IS NULL AND reply_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ux_spam_reports_open_reply")
    op.execute("DROP INDEX ux_spam_reports_open_question")
