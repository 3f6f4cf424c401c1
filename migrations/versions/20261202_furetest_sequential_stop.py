"""Stops of an adaptive retest's sequential rule, per round and target (issue 11).

Revision ID: furetest_sequential_stop
Revises: dataprot_requests
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "furetest_sequential_stop"
down_revision = "fucases_contracts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sequential_stop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("at_discordant", sa.Integer(), nullable=False),
        sa.Column("reference", sa.Integer(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_sequential_stop_round_id_round"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name=op.f("fk_sequential_stop_target_id_target")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequential_stop")),
        sa.UniqueConstraint("round_id", "target_id", name="uq_sequential_stop_round_target"),
    )
    op.create_index(op.f("ix_sequential_stop_round_id"), "sequential_stop", ["round_id"])


def downgrade():
    op.drop_index(op.f("ix_sequential_stop_round_id"), table_name="sequential_stop")
    op.drop_table("sequential_stop")
