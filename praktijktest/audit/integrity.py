"""What keeps the audit log append-only below the application, on PostgreSQL.

Row triggers refuse UPDATE and DELETE, a statement trigger refuses
TRUNCATE (migration security_audit_truncate). But a table's owner can
disable triggers, or drop them, so in production the app should not serve
as the owner: migrations run as an owner role (MIGRATION_DATABASE_URL) and
the app serves as another role (DATABASE_URL) that `grant_serving_role`
gives ordinary rights on every table but only SELECT and INSERT on the
audit log. That role cannot alter, truncate or disable anything. See
docs/deployment.md, "Database roles".

SQLite has no roles: whoever can write the file can drop the triggers.
"""
from __future__ import annotations

import re

from sqlalchemy.engine import Connection

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_statements(role: str) -> list[str]:
    """The GRANT/REVOKE statements that make `role` a serving role (to be run by the owner)."""
    if not _ROLE_NAME.match(role):
        raise ValueError(f"not a plain PostgreSQL role name: {role!r}")
    quoted = f'"{role}"'
    return [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        # History is written and read, never changed.
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_event FROM {quoted}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {quoted}",
    ]


def grant_serving_role(connection: Connection, role: str) -> None:
    """Give `role` the serving rights (PostgreSQL only; run after every upgrade, as the owner)."""
    if connection.dialect.name != "postgresql":
        raise ValueError("database roles exist on PostgreSQL only")
    for statement in grant_statements(role):
        connection.exec_driver_sql(statement)
