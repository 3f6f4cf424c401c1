"""Concurrent clients against a real server: pages that write an audit event never fail.

The server is werkzeug's threaded server, in this process, against a
database of its own with the demo committed (a SQLite file, or a PostgreSQL
schema of its own). Each request thread has its own database connection,
exactly like two gunicorn workers: on SQLite a read-then-write transaction
that began with a plain BEGIN is refused ("database is locked",
SQLITE_BUSY_SNAPSHOT) when another connection wrote in between.
"""
from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from praktijktest.demo import DEMO_PASSWORD, load_demo
from praktijktest.extensions import db
from tests.conftest import make_test_app
from tests.live import QuietRequestHandler, own_database, recreate_schema

CLIENTS = 8
pytestmark = pytest.mark.slow
ROUNDS_PER_CLIENT = 2




@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("concurrency")
    url, admin_url, schema = own_database(tmp_dir, "concurrency")
    if admin_url:
        recreate_schema(admin_url, schema)
    app = make_test_app(url, tmp_dir, PROPAGATE_TEST_ERRORS=False)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        paths = _writing_pages()
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=httpd.serve_forever, name="concurrency-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", paths
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin_url:
            recreate_schema(admin_url, schema, create=False)


def _writing_pages() -> list[str]:
    """Pages whose GET writes an audit event: registry list and search, target detail, exports."""
    from praktijktest.fieldwork.models import Test
    from praktijktest.targets.models import Target

    target = db.session.scalars(sa.select(Target).order_by(Target.id)).first()
    round_id = db.session.scalars(sa.select(Test.round_id).order_by(Test.id)).first()
    query = urllib.parse.urlencode({"q": target.name[:3]})
    return [
        "/targets/",
        f"/targets/?{query}",
        f"/targets/{target.id}",
        f"/datasets/rounds/{round_id}/export?format=csv",
        f"/datasets/rounds/{round_id}/export?format=xlsx",
    ]


def _status(opener, url: str, data: bytes | None = None) -> int:
    try:
        with opener.open(url, data=data, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _one_client(base: str, paths: list[str], start: threading.Barrier) -> Counter:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login = urllib.parse.urlencode({"email": "coordinator@demo.example", "password": DEMO_PASSWORD}).encode()
    statuses = Counter({("/login", _status(opener, base + "/login", login)): 1})
    start.wait(timeout=60)  # every client has logged in: the page requests overlap as much as they can
    for _ in range(ROUNDS_PER_CLIENT):
        for path in paths:
            statuses[(path, _status(opener, base + path))] += 1
    return statuses


def test_concurrent_clients_get_no_server_error_on_pages_that_write(server):
    base, paths = server
    start = threading.Barrier(CLIENTS)
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda _: _one_client(base, paths, start), range(CLIENTS)))
    statuses = sum(results, Counter())
    assert sum(statuses.values()) == CLIENTS * (1 + ROUNDS_PER_CLIENT * len(paths))
    failures = {key: n for key, n in statuses.items() if key[1] != 200}
    assert failures == {}
