"""Security hardening: server-side login sessions; the audit log refuses TRUNCATE (PostgreSQL).

One revision for both, so that this branch has a single head (two
revisions from 0007_round_planning would be two heads until the merge).

- login_session: one row per logged-in browser (accounts/sessions.py).
- The row triggers of 0003_audit_log do not fire for TRUNCATE, which
  empties the table at once; a statement trigger does. SQLite has no
  TRUNCATE (its DELETE without WHERE fires the row trigger). Keeping the
  owner from disabling triggers is a matter of roles: see
  praktijktest/audit/integrity.py.

Revision ID: security_hardening
Revises: 0007_round_planning
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "security_hardening"
down_revision = "0007_round_planning"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_login_session_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_session_user_id"), ["user_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_login_session_expires_at"))
    op.drop_table("login_session")
