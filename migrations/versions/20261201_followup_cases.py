"""Follow-up cases per flagged target and their dated, attributed steps (issue 11).

Revision ID: followup_cases
Revises: scale_page_costs
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "followup_cases"
down_revision = "scale_page_costs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "followup_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("retest_round_id", sa.Integer(), nullable=True),
        sa.Column("referral_body", sa.String(length=30), nullable=True),
        sa.Column("referral_date", sa.Date(), nullable=True),
        sa.Column("referral_reference", sa.String(length=100), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["opened_by_id"], ["user_account.id"],
                                name=op.f("fk_followup_case_opened_by_id_user_account")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_followup_case_organisation_id_organisation")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_followup_case_round_id_round")),
        sa.ForeignKeyConstraint(["retest_round_id"], ["round.id"], name=op.f("fk_followup_case_retest_round_id_round")),
        sa.ForeignKeyConstraint(["snapshot_id"], ["analysis_snapshot.id"],
                                name=op.f("fk_followup_case_snapshot_id_analysis_snapshot")),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name=op.f("fk_followup_case_target_id_target")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_case")),
        sa.UniqueConstraint("round_id", "target_id", name="uq_followup_case_round_target"),
    )
    with op.batch_alter_table("followup_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_case_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_case_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_case_target_id"), ["target_id"], unique=False)
    op.create_table(
        "followup_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["followup_case.id"], name=op.f("fk_followup_step_case_id_followup_case"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_followup_step_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_step")),
    )
    with op.batch_alter_table("followup_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_step_case_id"), ["case_id"], unique=False)


def downgrade():
    with op.batch_alter_table("followup_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_step_case_id"))
    op.drop_table("followup_step")
    with op.batch_alter_table("followup_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_case_target_id"))
        batch_op.drop_index(batch_op.f("ix_followup_case_state"))
        batch_op.drop_index(batch_op.f("ix_followup_case_organisation_id"))
    op.drop_table("followup_case")
