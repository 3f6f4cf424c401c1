"""Tests, their applications and the responses.

Revision ID: 0006_fieldwork
Revises: 0005_targets
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_fieldwork"
down_revision = "0005_targets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "test",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("tester_id", sa.Integer(), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'in_progress', 'completed', 'cancelled')", name=op.f("ck_test_status_valid")
        ),
        sa.ForeignKeyConstraint(["listing_id"], ["listing.id"], name=op.f("fk_test_listing_id_listing")),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipality.id"], name=op.f("fk_test_municipality_id_municipality")
        ),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_test_round_id_round"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name=op.f("fk_test_target_id_target")),
        sa.ForeignKeyConstraint(["tester_id"], ["user_account.id"], name=op.f("fk_test_tester_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test")),
        sa.UniqueConstraint("round_id", "external_id", name=op.f("uq_test_round_id_external_id")),
    )
    with op.batch_alter_table("test", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_test_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_test_target_id"), ["target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_test_tester_id"), ["tester_id"], unique=False)
    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("profile_label", sa.String(length=200), nullable=True),
        sa.Column("template_label", sa.String(length=100), nullable=True),
        sa.Column("send_order", sa.Integer(), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["round_group.id"], name=op.f("fk_application_group_id_round_group")),
        sa.ForeignKeyConstraint(["test_id"], ["test.id"], name=op.f("fk_application_test_id_test"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application")),
    )
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index("ix_application_test_group", ["test_id", "group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_application_test_id"), ["test_id"], unique=False)
    op.create_table(
        "response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('invitation', 'information_request', 'rejection', 'no_response')",
            name=op.f("ck_response_outcome_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_response_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_response_recorded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
        sa.UniqueConstraint("application_id", name=op.f("uq_response_application_id")),
    )


def downgrade():
    op.drop_table("response")
    op.drop_table("application")
    op.drop_table("test")
