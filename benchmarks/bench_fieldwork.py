"""Fieldwork pages at 100,000 applications: tester's queue and coordinator's progress, p95 beside a bare page.

Measured on SQLite and, when BENCH_DATABASE_URL names a PostgreSQL server,
in a throw-away database created and dropped on it.

A scratch SQLite database built by the migrations holds one round of
50,000 tests (100,000 applications) shared by 20 testers: a quarter of
the applications sent, half of those answered, a few positive answers
with declines open. Each page is requested REQUESTS times through the
app's WSGI stack (Flask test client, logged in, commit per request); the
baseline is a bare `@public` page returning "ok" on the same app, timed
the same way in the same run. The number of SQL statements per page is
printed too: it must not grow with the data (tests/fieldwork/test_query_counts.py).
"""
from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from benchmarks.bench_concurrent_testers import _database
from benchmarks.harness import FAST_PASSWORDS, Figure, scratch_app

TESTS = 50_000
TESTERS = 20
REQUESTS = 60
PASSWORD = "Correct-horse-battery-9"


def _app(folder: Path, url: str | None = None):
    from praktijktest.permissions import public

    app = scratch_app(folder, url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False, **FAST_PASSWORDS)
    app.add_url_rule("/bench-bare", "bench_bare", public(lambda: "ok"))
    return app


def _data() -> tuple[int, str, str]:
    """The round, in bulk statements; returns (round id, a tester's e-mail, the coordinator's e-mail)."""
    from sqlalchemy import insert, select

    from praktijktest.accounts.services import create_user
    from praktijktest.extensions import db
    from praktijktest.fieldwork.models import Application, Response, Test
    from praktijktest.organisations.services import create_organisation
    from praktijktest.rounds.services import GroundSpec, create_round
    from praktijktest.targets.models import Target
    from praktijktest.timeutil import utcnow

    rng = random.Random(20261201)
    organisation = create_organisation("Bench", "partnership", ("Benchdorp", "Benchstad"))
    testers = [create_user(f"t{i}@bench.example", f"Tester {i}", "tester", organisation, PASSWORD)
               for i in range(TESTERS)]
    create_user("c@bench.example", "Coordinator", "coordinator", organisation, PASSWORD)
    round_ = create_round(organisation, "Bench", "housing", [GroundSpec("origin", "ref", ["other"])],
                          status="fieldwork")
    groups = [g.id for g in round_.groups]
    now = utcnow()
    db.session.execute(insert(Target), [{"organisation_id": organisation.id, "code": f"B-{i:05d}", "name": f"T {i}",
                                         "kind": "landlord", "created_at": now, "version": 1}
                                        for i in range(TESTS // 10)])
    targets = list(db.session.scalars(select(Target.id).order_by(Target.id)))
    municipalities = [m.id for m in organisation.municipalities]
    db.session.execute(insert(Test), [
        {"round_id": round_.id, "target_id": targets[i // 10], "external_id": f"T-{i:06d}", "status": "planned",
         "tester_id": testers[i % TESTERS].id, "municipality_id": municipalities[i % 2], "attributes": {},
         "created_at": now} for i in range(TESTS)])
    test_ids = list(db.session.scalars(select(Test.id).where(Test.round_id == round_.id).order_by(Test.id)))
    apps = []
    for number, test_id in enumerate(test_ids):
        day = now + timedelta(days=number * 30 // TESTS - 7)
        for order, group in enumerate(groups, start=1):
            sent = day if rng.random() < 0.25 and day < now else None
            apps.append({"test_id": test_id, "group_id": group, "send_order": order, "scheduled_at": day,
                         "sent_at": sent, "attributes": {}})
    db.session.execute(insert(Application), apps)
    sent = db.session.execute(select(Application.id, Application.sent_at).join(Test)
                              .where(Test.round_id == round_.id, Application.sent_at.is_not(None))).all()
    db.session.execute(insert(Response), [
        {"application_id": app_id, "outcome": "invitation" if rng.random() < 0.2 else "rejection", "notes": "",
         "responded_at": at + timedelta(days=1), "recorded_at": at + timedelta(days=1), "version": 1}
        for app_id, at in sent if rng.random() < 0.5])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does shortly after any bulk load in production.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return round_.id, testers[0].email, "c@bench.example"


def _p95(client, url: str) -> tuple[float, int]:
    from sqlalchemy import event

    from praktijktest.extensions import db

    times, statements = [], []
    with client.application.app_context():
        engine = db.engine

    def count(*_args) -> None:
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(REQUESTS):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statistics.quantiles(times, n=20)[18], len(statements) // REQUESTS


def run() -> list[Figure]:
    """SQLite on a scratch file; then PostgreSQL in a throw-away database (as bench_concurrent_testers)."""
    figures = _backend("SQLite", None)
    admin = os.environ.get("BENCH_DATABASE_URL")
    if not admin:
        # Opt-in, like bench_pages: loading 100,000 applications row by row through the count
        # triggers takes tens of minutes on PostgreSQL on the shared machine.
        return figures
    name = f"bench_fieldwork_{os.getpid()}"
    try:
        _database(admin, name, create=True)
    except sa.exc.OperationalError:
        return figures  # no PostgreSQL here: the SQLite figures alone
    try:
        figures += _backend("PostgreSQL", sa.make_url(admin).set(database=name).render_as_string(hide_password=False))
    finally:
        _database(admin, name, create=False)
    return figures


def _backend(label: str, url: str | None) -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp), url)
        with app.app_context():
            round_id, tester, coordinator = _data()
        pages = ((tester, "/fieldwork/", "fieldwork.queue p95 (100,000 apps)"),
                 (coordinator, f"/rounds/{round_id}/fieldwork", "fieldwork.progress p95 (100,000 apps)"))
        for email, url, name in pages:
            client = app.test_client()
            assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
            page, statements = _p95(client, url)
            bare, _ = _p95(client, "/bench-bare")
            note = f"p95 {page * 1000:.1f} ms (goal <= 100 ms), {statements} SQL statements per request"
            figures.append(Figure(f"{name}, {label}", page, "bare Flask page p95", bare, note))
        with app.app_context():
            from praktijktest.extensions import db

            db.engine.dispose()
    return figures
