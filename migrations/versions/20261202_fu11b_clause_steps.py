"""Steps of a contractor's non-discrimination clause recorded on its follow-up case (issue 11).

Revision ID: fu11b_clause_steps
Revises: furetest_sequential_stop
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "fu11b_clause_steps"
down_revision = "furetest_sequential_stop"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "followup_clause_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["followup_case.id"], name=op.f("fk_followup_clause_step_case_id_followup_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_followup_clause_step_recorded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_clause_step")),
        sa.UniqueConstraint("case_id", "step", name="uq_followup_clause_step_case_step"),
    )
    op.create_index(op.f("ix_followup_clause_step_case_id"), "followup_clause_step", ["case_id"])


def downgrade():
    op.drop_index(op.f("ix_followup_clause_step_case_id"), table_name="followup_clause_step")
    op.drop_table("followup_clause_step")
