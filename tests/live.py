"""What tests that run a real server share: a database of their own, and a quiet request log."""
from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from werkzeug.serving import WSGIRequestHandler


class QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass  # one line per request would drown the test output


def own_database(tmp_dir: Path, name: str) -> tuple[str, str | None, str | None]:
    """(URL for the app, admin URL, schema): a SQLite file, or a PostgreSQL schema of our own."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_dir / (name + '.sqlite')}", None, None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    schema = f"{name}_{worker}" if worker else name
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), base, schema


def recreate_schema(admin_url: str, schema: str, *, create: bool = True) -> None:
    engine = sa.create_engine(admin_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        if create:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
