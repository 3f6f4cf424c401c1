"""The target registry and the listings (ads) of targets.

Revision ID: 0005_targets
Revises: 0004_rounds
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_targets"
down_revision = "0004_rounds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("enterprise_number", sa.String(length=10), nullable=True),
        sa.Column("nace_code", sa.String(length=10), nullable=True),
        sa.Column("sector", sa.String(length=200), nullable=True),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
        sa.Column("municipality_name", sa.String(length=200), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("is_contractor", sa.Boolean(), nullable=False),
        sa.Column("contract_reference", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('employer', 'landlord', 'agency')", name=op.f("ck_target_kind_valid")),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipality.id"], name=op.f("fk_target_municipality_id_municipality")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_target_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target")),
        sa.UniqueConstraint("organisation_id", "code", name=op.f("uq_target_organisation_id_code")),
    )
    with op.batch_alter_table("target", schema=None) as batch_op:
        batch_op.create_index("ix_target_org_enterprise_number", ["organisation_id", "enterprise_number"], unique=False)
        batch_op.create_index("ix_target_org_name", ["organisation_id", "name"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_organisation_id"), ["organisation_id"], unique=False)
    op.create_table(
        "listing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("seen_on", sa.Date(), nullable=True),
        sa.Column("occupation", sa.String(length=200), nullable=True),
        sa.Column("monthly_rent", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("snapshot_path", sa.String(length=500), nullable=True),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name=op.f("fk_listing_target_id_target")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing")),
    )
    with op.batch_alter_table("listing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_listing_target_id"), ["target_id"], unique=False)


def downgrade():
    op.drop_table("listing")
    op.drop_table("target")
