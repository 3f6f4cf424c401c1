"""Round planning: profiles, templates, the sample of targets, seeds.

Revision ID: 0007_round_planning
Revises: 0006_fieldwork
Create Date: 2026-11-26

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_round_planning"
down_revision = "0006_fieldwork"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "round_target",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("stratum", sa.String(length=300), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_round_target_round_id_round"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["target_id"], ["target.id"], name=op.f("fk_round_target_target_id_target")),
        sa.PrimaryKeyConstraint("round_id", "target_id", name=op.f("pk_round_target")),
    )
    with op.batch_alter_table("round_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_target_target_id"), ["target_id"], unique=False)

    op.create_table(
        "template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_template_round_id_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template")),
        sa.UniqueConstraint("round_id", "name", name=op.f("uq_template_round_id_name")),
    )
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_template_round_id"), ["round_id"], unique=False)

    op.create_table(
        "profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["round_group.id"], name=op.f("fk_profile_group_id_round_group"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"], name=op.f("fk_profile_round_id_round"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile")),
        sa.UniqueConstraint("round_id", "name", name=op.f("uq_profile_round_id_name")),
    )
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_profile_round_id"), ["round_id"], unique=False)

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("template_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_application_profile_id_profile"), "profile", ["profile_id"], ["id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_application_template_id_template"), "template", ["template_id"], ["id"]
        )

    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preregistration_path", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("sampling_seed", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("schedule_seed", sa.Integer(), nullable=True))
        # Server defaults fill the rows that exist already.
        batch_op.add_column(sa.Column("planning", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column("is_awareness_only", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_column("is_awareness_only")
        batch_op.drop_column("planning")
        batch_op.drop_column("schedule_seed")
        batch_op.drop_column("sampling_seed")
        batch_op.drop_column("preregistration_path")

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_application_template_id_template"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_application_profile_id_profile"), type_="foreignkey")
        batch_op.drop_column("template_id")
        batch_op.drop_column("profile_id")

    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_round_id"))
        batch_op.drop_index(batch_op.f("ix_profile_group_id"))

    op.drop_table("profile")
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_round_id"))

    op.drop_table("template")
    with op.batch_alter_table("round_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_target_target_id"))

    op.drop_table("round_target")
