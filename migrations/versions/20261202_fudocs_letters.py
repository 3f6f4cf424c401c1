"""Follow-up letters: a round's editable letter templates and the letters recorded as sent (issue 11).

Revision ID: fudocs_letters
Revises: dataprot_requests
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "fudocs_letters"
down_revision = "dataprot_requests"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "followup_letter_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_followup_letter_template_round_id_round"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"],
                                name=op.f("fk_followup_letter_template_updated_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_letter_template")),
        sa.UniqueConstraint("round_id", "kind", "language", name="uq_followup_letter_template"),
    )
    with op.batch_alter_table("followup_letter_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_letter_template_round_id"), ["round_id"], unique=False)
    op.create_table(
        "followup_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["followup_case.id"],
                                name=op.f("fk_followup_letter_case_id_followup_case"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_followup_letter_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_followup_letter_organisation_id_organisation")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_followup_letter_round_id_round")),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name=op.f("fk_followup_letter_target_id_target")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_letter")),
    )
    with op.batch_alter_table("followup_letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_letter_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_letter_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_letter_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_letter_target_id"), ["target_id"], unique=False)


def downgrade():
    with op.batch_alter_table("followup_letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_letter_target_id"))
        batch_op.drop_index(batch_op.f("ix_followup_letter_round_id"))
        batch_op.drop_index(batch_op.f("ix_followup_letter_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_followup_letter_case_id"))
    op.drop_table("followup_letter")
    with op.batch_alter_table("followup_letter_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_letter_template_round_id"))
    op.drop_table("followup_letter_template")
