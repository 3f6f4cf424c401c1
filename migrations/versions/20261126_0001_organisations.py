"""Organisations and the municipalities they cover.

Revision ID: 0001_organisations
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_organisations"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('municipality', 'partnership')", name=op.f("ck_organisation_kind_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
    )
    op.create_table(
        "municipality",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_municipality_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipality")),
        sa.UniqueConstraint("organisation_id", "name", name=op.f("uq_municipality_organisation_id_name")),
    )
    op.create_index(op.f("ix_municipality_organisation_id"), "municipality", ["organisation_id"])


def downgrade():
    op.drop_index(op.f("ix_municipality_organisation_id"), table_name="municipality")
    op.drop_table("municipality")
    op.drop_table("organisation")
