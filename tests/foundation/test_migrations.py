"""The migrations are the schema: up, down and up again, with no drift from the models."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from praktijktest.extensions import db
from tests.conftest import make_test_app

SCHEMA = "migration_test"


@pytest.fixture
def fresh_app(tmp_path):
    """An app on an empty database of its own: a SQLite file, or a separate
    PostgreSQL schema so the shared test schema is left alone."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{SCHEMA}"
    else:
        engine = None
        url = f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    app = make_test_app(url, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()
    if engine is not None:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        engine.dispose()


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(fresh_app):
    with fresh_app.app_context():
        upgrade()
        assert table_names() == set(db.metadata.tables)
        downgrade(revision="base")
        assert table_names() == set()
        upgrade()
        assert table_names() == set(db.metadata.tables)


def test_each_revision_downgrades_one_step(fresh_app):
    from alembic.script import ScriptDirectory

    with fresh_app.app_context():
        config = fresh_app.extensions["migrate"].migrate.get_config()
        revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
        for revision in revisions:
            upgrade(revision=revision.revision)
            downgrade(revision=revision.down_revision or "base")
            upgrade(revision=revision.revision)


def test_models_and_migrations_agree(fresh_app):
    with fresh_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []


def test_audit_triggers_survive_a_round_trip(fresh_app):
    with fresh_app.app_context():
        upgrade()
        downgrade(revision="0002_user_accounts")
        upgrade()
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO audit_event (created_at, actor, action, summary) "
                "VALUES (CURRENT_TIMESTAMP, 'x', 'test', '')"
            )
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM audit_event")
