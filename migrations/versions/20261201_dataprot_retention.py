"""Retention periods per organisation and kind of data.

Revision ID: dataprot_retention
Revises: followup_cases
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

revision = "dataprot_retention"
down_revision = "followup_cases"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retention_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_retention_period_organisation_id_organisation")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"],
                                name=op.f("fk_retention_period_updated_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_period")),
        sa.UniqueConstraint("organisation_id", "kind", name=op.f("uq_retention_period_organisation_id_kind")),
    )
    op.create_index(op.f("ix_retention_period_organisation_id"), "retention_period", ["organisation_id"])


def downgrade():
    op.drop_index(op.f("ix_retention_period_organisation_id"), table_name="retention_period")
    op.drop_table("retention_period")
