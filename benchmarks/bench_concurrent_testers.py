"""Fieldwork reliability: 20 concurrent testers record responses with evidence through gunicorn on PostgreSQL.

A throw-away PostgreSQL database (created and dropped here, on the server of
BENCH_DATABASE_URL, by default postgresql+psycopg://postgres@127.0.0.1:5432)
holds one housing round in fieldwork: every tester has their own tests, all
applications sent. The real app runs under gunicorn (benchmarks/pages_server.py,
5 workers: `2 * cores + 1`, as docs/deployment.md advises for PostgreSQL).
TESTERS client threads log in through the login form and, for SECONDS, each
opens one of their tests, reads the CSRF token and the response's `version`
from the page, and posts the response form with a fresh evidence file
(an .eml whose subject names the write): a new response, or, one time in
three, a change to one they saved before. A save counts as acknowledged when
the page it redirects to shows the success message.

Afterwards the database is checked against what the clients know they had
acknowledged: a lost write is an acknowledged save whose values, version or
evidence file is not in the database; a duplicated write is a response,
evidence row or audit event the database holds more often than it was
acknowledged (or holds without an acknowledgement). Any 5xx, and any
connection the server dropped, is a server error. The figure has no baseline
ratio: what it measures is correctness under load, with the throughput beside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.cookiejar
import io
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from benchmarks.bench_pages import _free_port, _wait_for

ROOT = Path(__file__).resolve().parents[1]
TESTERS = int(os.environ.get("BENCH_TESTERS", 20))
SECONDS = float(os.environ.get("BENCH_SECONDS", 30))
TESTS_PER_TESTER = 400  # more than a tester can answer in the run: every write finds fresh work
WORKERS = 5
PASSWORD = "Correct-horse-battery-9"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BRUSSELS = ZoneInfo("Europe/Brussels")
FAST_HASH = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_KIB": "64", "PASSWORD_HASH_PARALLELISM": "1"}


def run() -> str:
    admin = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_SERVER
    name = f"bench_testers_{os.getpid()}"
    try:
        _database(admin, name, create=True)
    except sa.exc.OperationalError as error:
        return f"fieldwork.concurrent_testers: skipped, no PostgreSQL at {admin} ({type(error).__name__})"
    url = sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as folder:
            return concurrent_testers(url, Path(folder), TESTERS, SECONDS).line()
    finally:
        _database(admin, name, create=False)


def _database(admin_url: str, name: str, *, create: bool) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()


@dataclass
class Result:
    requests: int
    lost: int
    duplicated: int
    server_errors: int
    seconds: float
    acknowledged: int = 0

    def line(self) -> str:
        return (
            f"fieldwork.concurrent_testers: {self.requests} requests, {self.lost} lost, "
            f"{self.duplicated} duplicated, {self.server_errors} server errors, "
            f"{self.requests / self.seconds:.1f} req/s"
        )


def concurrent_testers(url: str, folder: Path, testers: int, seconds: float, workers: int = WORKERS) -> Result:
    """Build the round in `url`, serve it with gunicorn, run the testers, check the database."""
    plan = _generate(url, folder, testers)
    environment = {
        **os.environ,
        **FAST_HASH,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-concurrent-testers",
        "EVIDENCE_DIR": str(folder / "evidence"),
        "PRAKTIJKTEST_ENV": "development",
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "PYTHONPATH": str(ROOT),
    }
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "benchmarks.pages_server:app",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base, server)
        clients = [Tester(base, email, tests, random.Random(number)) for number, (email, tests) in enumerate(plan)]
        for client in clients:
            client.log_in()
        deadline = time.monotonic() + seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=client.work_until, args=(deadline,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=60)
    if not any(client.saved for client in clients):
        raise RuntimeError("no save was acknowledged: the clients do not work against this app")
    lost, duplicated = check_database(url, clients)
    return Result(
        sum(c.requests for c in clients),
        lost,
        duplicated,
        sum(c.server_errors for c in clients),
        elapsed,
        sum(len(c.saved) for c in clients),
    )


def _generate(url: str, folder: Path, testers: int) -> list[tuple[str, dict[int, list[int]]]]:
    """The round, in bulk statements; returns each tester's e-mail and {test id: [application ids]}."""
    for key, value in FAST_HASH.items():
        os.environ.setdefault(key, value)
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from praktijktest import create_app
    from praktijktest.accounts.services import create_user
    from praktijktest.extensions import db
    from praktijktest.fieldwork.models import Application, Test
    from praktijktest.organisations.services import create_organisation
    from praktijktest.rounds.services import GroundSpec, create_round
    from praktijktest.targets.models import Target
    from praktijktest.timeutil import utcnow

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "EVIDENCE_DIR": str(folder / "evidence"),
            **{key: int(value) for key, value in FAST_HASH.items()},
        }
    )
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines: the figure is one line
            upgrade()
        organisation = create_organisation("Bench", "municipality", ("Benchdorp",))
        users = [
            create_user(f"t{i}@bench.example", f"Tester {i}", "tester", organisation, PASSWORD) for i in range(testers)
        ]
        round_ = create_round(
            organisation, "Concurrent", "housing", [GroundSpec("origin", "ref", ["other"])], status="fieldwork"
        )
        groups = [g.id for g in round_.groups]
        now = utcnow()
        total = testers * TESTS_PER_TESTER
        db.session.execute(
            insert(Target),
            [
                {
                    "organisation_id": organisation.id,
                    "code": f"C-{i:05d}",
                    "name": f"Verhuurder {i}",
                    "kind": "landlord",
                    "created_at": now,
                    "version": 1,
                }
                for i in range(total)
            ],
        )
        targets = list(db.session.scalars(select(Target.id).order_by(Target.id)))
        db.session.execute(
            insert(Test),
            [
                {
                    "round_id": round_.id,
                    "target_id": targets[i],
                    "external_id": f"C-{i:06d}",
                    "status": "in_progress",
                    "tester_id": users[i % testers].id,
                    "attributes": {},
                    "created_at": now,
                }
                for i in range(total)
            ],
        )
        tests = db.session.execute(select(Test.id, Test.tester_id).where(Test.round_id == round_.id)).all()
        sent = now - timedelta(days=3)  # inside the 14-day window, before every response the clients give
        db.session.execute(
            insert(Application),
            [
                {
                    "test_id": test_id,
                    "group_id": group,
                    "send_order": order,
                    "scheduled_at": sent,
                    "sent_at": sent,
                    "sent_channel": "email",
                    "attributes": {},
                }
                for test_id, _ in tests
                for order, group in enumerate(groups, start=1)
            ],
        )
        plan: dict[int, dict[int, list[int]]] = {u.id: {} for u in users}
        owner = dict(tests)
        for app_id, test_id in db.session.execute(select(Application.id, Application.test_id).order_by(Application.id)):
            plan[owner[test_id]].setdefault(test_id, []).append(app_id)
        emails = [(u.email, plan[u.id]) for u in users]
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        db.session.remove()
        db.engine.dispose()
    return emails


@dataclass
class Saved:
    """What a client knows it stored for one application: the last acknowledged values."""

    outcome: str
    notes: str
    saves: int = 0
    evidence: list[str] = field(default_factory=list)  # SHA-256 of each acknowledged upload


class Tester:
    """One tester's browser: a cookie jar, the tester's tests, and the ledger of acknowledged saves."""

    def __init__(self, base: str, email: str, tests: dict[int, list[int]], rng: random.Random):
        self.base, self.email, self.rng = base, email, rng
        self.fresh = [(test_id, app_id) for test_id, apps in tests.items() for app_id in apps]
        self.test_of = {app_id: test_id for test_id, apps in tests.items() for app_id in apps}
        self.saved: dict[int, Saved] = {}
        self.requests = self.server_errors = self.refused = 0
        self.opener = urllib.request.build_opener(
            _NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.writes = 0

    def log_in(self) -> None:
        page = self._request("/login")[1]
        body = urllib.parse.urlencode({"email": self.email, "password": PASSWORD, "csrf_token": _csrf(page)})
        status, _, _ = self._request("/login", body.encode(), "application/x-www-form-urlencoded")
        if status != 302:
            raise RuntimeError(f"login of {self.email} failed ({status})")

    def work_until(self, deadline: float) -> None:
        while time.monotonic() < deadline and (self.fresh or self.saved):
            try:
                self._one_write()
            except (OSError, urllib.error.URLError):
                self.server_errors += 1  # the server dropped or refused the connection

    def _one_write(self) -> None:
        if self.saved and (not self.fresh or self.rng.random() < 1 / 3):
            app_id = self.rng.choice(list(self.saved))
            test_id = self.test_of[app_id]
        else:
            test_id, app_id = self.fresh.pop()
        status, page, _ = self._request(f"/fieldwork/tests/{test_id}")
        if status != 200:
            return
        version = _version(page, app_id)
        self.writes += 1
        marker = f"{self.email} write {self.writes} {secrets.token_hex(4)}"
        outcome = self.rng.choice(("invitation", "rejection", "information_request"))
        evidence = _eml(marker)
        yesterday = (datetime.now(BRUSSELS) - timedelta(days=1)).date()  # noon yesterday, after the send
        prefix = f"response-{app_id}-"
        fields = {
            "csrf_token": _csrf(page),
            prefix + "version": version,
            prefix + "outcome": outcome,
            prefix + "received_on": yesterday.isoformat(),
            prefix + "received_time": "12:00",
            prefix + "channel": "email",
            prefix + "notes": marker,
        }
        body, content_type = _multipart(fields, (prefix + "evidence", "reply.eml", evidence))
        status, _, location = self._request(f"/fieldwork/applications/{app_id}/response", body, content_type)
        if status != 302 or not location:
            self.refused += 1
            return
        status, after, _ = self._request(location)
        if status == 200 and "flash-success" in after and "flash-error" not in after:
            record = self.saved.setdefault(app_id, Saved(outcome, marker))
            record.outcome, record.notes = outcome, marker
            record.saves += 1
            record.evidence.append(_sha256(evidence))
        else:
            self.refused += 1

    def _request(self, path: str, data: bytes | None = None, content_type: str | None = None):
        """(status, body, Location) of one request; a 5xx is counted."""
        request = urllib.request.Request(self.base + path if path.startswith("/") else path, data=data)
        if content_type:
            request.add_header("Content-Type", content_type)
        self.requests += 1
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read().decode("utf-8", "replace"), None
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                self.server_errors += 1
            location = error.headers.get("Location")
            return error.code, error.read().decode("utf-8", "replace"), location


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are read, not followed: a save's 302 is what tells it was handled."""

    def redirect_request(self, *args, **kwargs):
        return None


def check_database(url: str, clients: list[Tester]) -> tuple[int, int]:
    """(lost, duplicated): the database against every client's ledger of acknowledged saves."""
    engine = sa.create_engine(url)
    saved = {app_id: record for client in clients for app_id, record in client.saved.items()}
    mine = {app_id for client in clients for app_id in client.test_of}
    with engine.connect() as connection:
        responses = connection.execute(
            sa.text("SELECT application_id, id, outcome, notes, version FROM response")
        ).all()
        evidence = connection.execute(
            sa.text("SELECT r.application_id, e.sha256 FROM evidence_file e JOIN response r ON r.id = e.response_id")
        ).all()
        creates = Counter(
            row[0]
            for row in connection.execute(sa.text("SELECT object_id FROM audit_event WHERE action = 'response.create'"))
        )
        updates = Counter(
            row[0]
            for row in connection.execute(sa.text("SELECT object_id FROM audit_event WHERE action = 'response.update'"))
        )
    engine.dispose()
    lost = duplicated = 0
    per_application = Counter(row.application_id for row in responses)
    duplicated += sum(n - 1 for n in per_application.values() if n > 1)
    stored = {row.application_id: row for row in responses}
    files = Counter((app_id, sha) for app_id, sha in evidence)
    for app_id, record in saved.items():
        row = stored.get(app_id)
        if row is None:
            lost += record.saves
            continue
        # Every acknowledged save is one create or one update of the row (its notes always change).
        if (row.outcome, row.notes) != (record.outcome, record.notes) or row.version < record.saves:
            lost += max(record.saves - row.version, 1)
        duplicated += max(row.version - record.saves, 0)
        audited = creates[str(row.id)] + updates[str(row.id)]
        lost += max(record.saves - audited, 0)
        duplicated += max(audited - record.saves, 0)
        for sha in record.evidence:
            lost += files[(app_id, sha)] == 0
    acknowledged = Counter((app_id, sha) for app_id, record in saved.items() for sha in record.evidence)
    for key, n in files.items():
        duplicated += max(n - acknowledged[key], 0)
    # A response no client acknowledged (a save that answered with an error but was kept anyway).
    duplicated += sum(1 for app_id in stored if app_id in mine and app_id not in saved)
    return lost, duplicated


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def _version(page: str, app_id: int) -> str:
    tag = re.search(rf'<input[^>]*name="response-{app_id}-version"[^>]*>', page)
    found = re.search(r'value="([^"]*)"', tag.group(0)) if tag else None
    return found.group(1) if found else ""


def _eml(marker: str) -> bytes:
    return (
        f"From: Verhuurder <verhuur@bench.example>\r\nTo: kandidaat@bench.example\r\n"
        f"Date: Tue, 1 Dec 2026 10:00:00 +0100\r\nSubject: Uw kandidatuur ({marker})\r\n\r\n"
        f"Beste, graag nodigen wij u uit voor een bezoek.\r\n"
    ).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _multipart(fields: dict[str, str], upload: tuple[str, str, bytes]) -> tuple[bytes, str]:
    boundary = "----bench" + secrets.token_hex(12)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    name, filename, data = upload
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: message/rfc822\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
