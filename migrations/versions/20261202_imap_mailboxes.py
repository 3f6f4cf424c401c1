"""Profile mailboxes (IMAP), the messages fetched from them, their candidate applications,
and the senders known for a target.

Revision ID: imap_mailboxes
Revises: dataprot_requests
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "imap_mailboxes"
down_revision = "fudocs_letters"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "round_mail",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("after_fetch", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("after_fetch IN ('keep', 'seen', 'delete')", name=op.f("ck_round_mail_after_fetch_valid")),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_round_mail_round_id_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_mail")),
    )
    op.create_table(
        "profile_mailbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("tls_mode", sa.String(length=10), nullable=False),
        sa.Column("username", sa.String(length=254), nullable=False),
        sa.Column("secret_name", sa.String(length=100), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("last_fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("tls_mode IN ('tls', 'starttls')", name=op.f("ck_profile_mailbox_tls_mode_valid")),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["profile.id"], name=op.f("fk_profile_mailbox_profile_id_profile"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_mailbox")),
        sa.UniqueConstraint("profile_id", name=op.f("uq_profile_mailbox_profile_id")),
    )
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("from_address", sa.String(length=320), nullable=False),
        sa.Column("reply_to", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("date_header", sa.String(length=200), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=True),
        sa.Column("reply_to_ids", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("match_reasons", sa.JSON(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('proposed', 'ambiguous', 'unmatched', 'confirmed', 'dismissed')",
            name=op.f("ck_mail_message_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_mail_message_application_id_application"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"], name=op.f("fk_mail_message_decided_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["profile.id"], name=op.f("fk_mail_message_profile_id_profile"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_mail_message_response_id_response"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_mail_message_round_id_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_message")),
        sa.UniqueConstraint("profile_id", "sha256", name=op.f("uq_mail_message_profile_id_sha256")),
    )
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.create_index("ix_mail_message_profile_message_id", ["profile_id", "message_id"], unique=False)
        batch_op.create_index("ix_mail_message_round_status", ["round_id", "status"], unique=False)

    op.create_table(
        "mail_candidate",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_mail_candidate_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["mail_message.id"],
            name=op.f("fk_mail_candidate_message_id_mail_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "application_id", name=op.f("pk_mail_candidate")),
    )
    with op.batch_alter_table("mail_candidate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_candidate_application_id"), ["application_id"], unique=False)

    op.create_table(
        "target_mail_sender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("learned_from_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["learned_from_id"],
            ["mail_message.id"],
            name=op.f("fk_target_mail_sender_learned_from_id_mail_message"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["target.id"], name=op.f("fk_target_mail_sender_target_id_target"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_mail_sender")),
        sa.UniqueConstraint("target_id", "value", name=op.f("uq_target_mail_sender_target_id_value")),
    )
    with op.batch_alter_table("target_mail_sender", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_target_mail_sender_target_id"), ["target_id"], unique=False)


def downgrade():
    with op.batch_alter_table("target_mail_sender", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_target_mail_sender_target_id"))

    op.drop_table("target_mail_sender")
    with op.batch_alter_table("mail_candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_candidate_application_id"))

    op.drop_table("mail_candidate")
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_message_round_status")
        batch_op.drop_index("ix_mail_message_profile_message_id")

    op.drop_table("mail_message")
    op.drop_table("profile_mailbox")
    op.drop_table("round_mail")
