"""The audit log below the application: TRUNCATE, and a serving role that cannot rewrite history (issue 12, item 11)."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from praktijktest.audit.integrity import grant_serving_role, grant_statements
from praktijktest.audit.services import record

# Created inside the test's transaction, rolled back with it. Roles belong to the whole
# server, not one database: each pytest-xdist worker names its own, so workers never wait on each other.
SERVING_ROLE = f"pt_security_serving_test{os.environ.get('PYTEST_XDIST_WORKER', '')}"


@pytest.fixture
def postgresql(db):
    """The test's connection; TRUNCATE and roles exist on PostgreSQL only (the tests are `postgresql_only`)."""
    assert db.session.get_bind().dialect.name == "postgresql"
    return db.session.connection()


def _refused(connection, statement: str) -> str:
    savepoint = connection.begin_nested()
    with pytest.raises(sa.exc.DBAPIError) as error:
        connection.exec_driver_sql(statement)
    savepoint.rollback()
    return str(error.value.orig)


@pytest.mark.postgresql_only
def test_truncate_is_refused_even_for_the_owner(postgresql, db):
    record("test.event", summary="must survive")
    db.session.flush()
    assert "append-only" in _refused(postgresql, "TRUNCATE audit_event")
    assert postgresql.exec_driver_sql("SELECT count(*) FROM audit_event").scalar() >= 1


@pytest.mark.postgresql_only
def test_the_serving_role_may_only_read_and_append_the_log(postgresql, db):
    postgresql.exec_driver_sql(f'CREATE ROLE "{SERVING_ROLE}" NOLOGIN')
    grant_serving_role(postgresql, SERVING_ROLE)
    record("test.event", summary="before")
    db.session.flush()
    postgresql.exec_driver_sql(f'SET LOCAL ROLE "{SERVING_ROLE}"')
    postgresql.exec_driver_sql("INSERT INTO audit_event (created_at, actor, action, summary) "
                               "VALUES (now(), 'system', 'test.insert', '')")
    assert postgresql.exec_driver_sql("SELECT count(*) FROM audit_event").scalar() >= 2
    for statement in ("TRUNCATE audit_event", "UPDATE audit_event SET summary = 'x'", "DELETE FROM audit_event",
                      "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
                      "DROP TRIGGER audit_event_no_truncate ON audit_event"):
        message = _refused(postgresql, statement)
        assert "permission denied" in message or "must be owner" in message, (statement, message)
    postgresql.exec_driver_sql("UPDATE organisation SET name = name")  # other tables stay writable
    postgresql.exec_driver_sql("RESET ROLE")


def test_role_names_are_checked_before_they_reach_sql():
    with pytest.raises(ValueError):
        grant_statements('x"; DROP TABLE audit_event; --')
