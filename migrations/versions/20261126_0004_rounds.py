"""Rounds, the grounds they test and their groups.

Revision ID: 0004_rounds
Revises: 0003_audit_log
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_rounds"
down_revision = "0003_audit_log"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("market", sa.String(length=20), nullable=False),
        sa.Column("test_type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("positive_outcomes", sa.JSON(), nullable=False),
        sa.Column("response_window_days", sa.Integer(), nullable=False),
        sa.Column("fdr_level", sa.Float(), nullable=False),
        sa.Column("planned_tests_per_target", sa.Integer(), nullable=True),
        sa.Column("protocol", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_filename", sa.String(length=255), nullable=True),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("protocol_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("market IN ('labour', 'housing')", name=op.f("ck_round_market_valid")),
        sa.CheckConstraint(
            "status IN ('draft', 'ready', 'fieldwork', 'analysed', 'reported', 'archived', 'cancelled')",
            name=op.f("ck_round_status_valid"),
        ),
        sa.CheckConstraint("test_type IN ('correspondence', 'mystery_call')", name=op.f("ck_round_test_type_valid")),
        sa.CheckConstraint("fdr_level > 0 AND fdr_level < 1", name=op.f("ck_round_fdr_level_valid")),
        sa.ForeignKeyConstraint(["copied_from_id"], ["round.id"], name=op.f("fk_round_copied_from_id_round")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_round_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_round_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round")),
    )
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "round_ground",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("ground", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_round_ground_round_id_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_ground")),
        sa.UniqueConstraint("round_id", "ground", name=op.f("uq_round_ground_round_id_ground")),
    )
    with op.batch_alter_table("round_ground", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_ground_round_id"), ["round_id"], unique=False)
    op.create_table(
        "round_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("ground_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("is_reference", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ground_id"], ["round_ground.id"], name=op.f("fk_round_group_ground_id_round_ground"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_round_group_round_id_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_group")),
        sa.UniqueConstraint("round_id", "label", name=op.f("uq_round_group_round_id_label")),
    )
    with op.batch_alter_table("round_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_group_ground_id"), ["ground_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_round_group_round_id"), ["round_id"], unique=False)
    op.create_table(
        "round_municipality",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipality.id"], name=op.f("fk_round_municipality_municipality_id_municipality")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_round_municipality_round_id_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("round_id", "municipality_id", name=op.f("pk_round_municipality")),
    )


def downgrade():
    op.drop_table("round_municipality")
    op.drop_table("round_group")
    op.drop_table("round_ground")
    op.drop_table("round")
