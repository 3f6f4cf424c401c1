"""Public contracts of a target with the municipality (procurement contractors, issue 11).

Revision ID: fucases_contracts
Revises: dataprot_requests
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "fucases_contracts"
down_revision = "dataprot_account_retention"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "target_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("contracting_authority", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("has_clause", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_target_contract_organisation_id_organisation")),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name=op.f("fk_target_contract_target_id_target")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_contract")),
        sa.UniqueConstraint("organisation_id", "reference", name="uq_target_contract_reference"),
    )
    with op.batch_alter_table("target_contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_contract_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_target_contract_target_id"), ["target_id"], unique=False)


def downgrade():
    with op.batch_alter_table("target_contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_contract_target_id"))
        batch_op.drop_index(batch_op.f("ix_target_contract_organisation_id"))
    op.drop_table("target_contract")
