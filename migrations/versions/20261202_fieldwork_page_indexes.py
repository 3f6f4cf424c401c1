"""Fieldwork pages at 100,000 applications: indexes for the tester's queue and the window closing.

- test(tester_id, round_id): the tester's queue closes expired response windows
  for "this tester's tests in these rounds"; with only single-column indexes
  SQLite walks every test of the round (50,000) instead of the tester's own.
- application(test_id, sent_at, scheduled_at): closing a round's windows and
  the progress scan read these two columns of every application of the round;
  from the index they need no lookup of the table row.

Indexes only (CREATE INDEX), so the count triggers of 20261201_scale_page_costs
on the `application` table stay as they are.

Revision ID: fieldwork_page_indexes
Revises: dataprot_requests
Create Date: 2026-12-02

"""

from alembic import op

revision = "fieldwork_page_indexes"
down_revision = "imap_mailboxes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_test_tester_round", "test", ["tester_id", "round_id"])
    op.create_index("ix_application_test_sent", "application", ["test_id", "sent_at", "scheduled_at"])


def downgrade():
    op.drop_index("ix_application_test_sent", table_name="application")
    op.drop_index("ix_test_tester_round", table_name="test")
