"""Analysis snapshots: one stored run of the statistics engine per row.

Revision ID: results_analysis_snapshot
Revises: fieldwork_fieldwork
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

revision = "results_analysis_snapshot"
down_revision = "fieldwork_fieldwork"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "analysis_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("input_sha256", sa.String(length=64), nullable=False),
        sa.Column("protocol_sha256", sa.String(length=64), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("deviations", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("software_version", sa.String(length=100), nullable=False),
        sa.Column("applications", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_analysis_snapshot_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_analysis_snapshot_organisation_id_organisation")),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_analysis_snapshot_round_id_round"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_snapshot")),
    )
    with op.batch_alter_table("analysis_snapshot", schema=None) as batch_op:
        batch_op.create_index("ix_analysis_snapshot_round_created", ["round_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_analysis_snapshot_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_analysis_snapshot_sha256"), ["sha256"], unique=False)


def downgrade():
    with op.batch_alter_table("analysis_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_snapshot_sha256"))
        batch_op.drop_index(batch_op.f("ix_analysis_snapshot_organisation_id"))
        batch_op.drop_index("ix_analysis_snapshot_round_created")
    op.drop_table("analysis_snapshot")
