"""Tester accounts under retention: when their active flag last changed, and when they were anonymised.

Revision ID: dataprot_account_retention
Revises: dataprot_requests
Create Date: 2026-12-02

A table of its own rather than columns on user_account: a batch alter of
user_account on SQLite would recreate the table that fifteen others point at.
"""

import sqlalchemy as sa
from alembic import op

revision = "dataprot_account_retention"
down_revision = "fieldwork_page_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account_retention",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("active_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_account_retention_user_id_user_account")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_account_retention")),
    )


def downgrade():
    op.drop_table("account_retention")
