"""Fieldwork: sends, response channels, verification, declines, cancelled tests,
evidence files and the closed-fieldwork record.

Revision ID: fieldwork_fieldwork
Revises: security_hardening
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "fieldwork_fieldwork"
down_revision = "security_hardening"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("test", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_channel", sa.String(length=20), nullable=True))
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("verified_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decline_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("decline_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("second_outcome", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("second_entry_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("second_entry_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_response_verified_by_id_user_account"), "user_account", ["verified_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_response_second_entry_by_id_user_account"), "user_account", ["second_entry_by_id"], ["id"]
        )
    op.create_table(
        "evidence_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('eml', 'msg', 'pdf', 'png', 'jpeg', 'audio')", name=op.f("ck_evidence_file_kind_valid")
        ),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"], name=op.f("fk_evidence_file_response_id_response")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user_account.id"], name=op.f("fk_evidence_file_uploaded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_file")),
    )
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_file_response_id"), ["response_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_file_sha256"), ["sha256"], unique=False)
    op.create_table(
        "round_fieldwork",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("decline_texts", sa.JSON(), nullable=False),
        sa.Column("second_entry", sa.String(length=20), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_open_items", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["user_account.id"], name=op.f("fk_round_fieldwork_closed_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_round_fieldwork_round_id_round"), ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "second_entry IN ('coordinator', 'tester')", name=op.f("ck_round_fieldwork_second_entry_valid")
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_fieldwork")),
    )


    op.create_table(
        "mystery_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recording_path", sa.String(length=500), nullable=True),
        sa.Column("recording_sha256", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("answer IN ('agreed', 'refused', 'evasive')", name=op.f("ck_mystery_call_answer_valid")),
        sa.ForeignKeyConstraint(
            ["application_id"], ["application.id"], name=op.f("fk_mystery_call_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user_account.id"], name=op.f("fk_mystery_call_recorded_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mystery_call")),
        sa.UniqueConstraint("application_id", name=op.f("uq_mystery_call_application_id")),
    )


def downgrade():
    op.drop_table("mystery_call")
    op.drop_table("round_fieldwork")
    with op.batch_alter_table("evidence_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_file_sha256"))
        batch_op.drop_index(batch_op.f("ix_evidence_file_response_id"))
    op.drop_table("evidence_file")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_response_second_entry_by_id_user_account"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_response_verified_by_id_user_account"), type_="foreignkey")
        for column in ("second_entry_at", "second_entry_by_id", "second_outcome", "decline_sent_at", "decline_due_at",
                       "verified_by_id", "verified_at", "channel"):
            batch_op.drop_column(column)
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("sent_channel")
    with op.batch_alter_table("test", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("cancel_reason")
