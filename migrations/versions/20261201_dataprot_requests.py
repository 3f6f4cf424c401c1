"""Requests from tested persons (access, rectification, erasure, objection).

Revision ID: dataprot_requests
Revises: dataprot_retention
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

revision = "dataprot_requests"
down_revision = "dataprot_retention"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_data_request_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_data_request_organisation_id_organisation")),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name=op.f("fk_data_request_target_id_target")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request")),
    )
    op.create_index(op.f("ix_data_request_organisation_id"), "data_request", ["organisation_id"])
    op.create_index(op.f("ix_data_request_target_id"), "data_request", ["target_id"])


def downgrade():
    op.drop_index(op.f("ix_data_request_target_id"), table_name="data_request")
    op.drop_index(op.f("ix_data_request_organisation_id"), table_name="data_request")
    op.drop_table("data_request")
