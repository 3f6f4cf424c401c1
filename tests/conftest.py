"""Fixtures: the app once per session, each test in a transaction rolled back.

The suite runs on SQLite by default and on PostgreSQL when
TEST_DATABASE_URL is set (`make test` does both when it is). The schema is
built by the migrations, exactly as in production.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession

from praktijktest import create_app
from praktijktest.extensions import db as _db

TEST_PASSWORD = "Correct-horse-battery-9"
FAST_HASHING = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 64, "PASSWORD_HASH_PARALLELISM": 1}


def worker_database_url(base: str, worker: str) -> str:
    """The database of one pytest-xdist worker: the configured one's name with the worker id (`test_gw0`)."""
    url = sa.make_url(base)
    return url.set(database=f"{url.database}_{worker}").render_as_string(hide_password=False)


def _maintenance(base: str, statement: str) -> None:
    """CREATE/DROP DATABASE cannot run in a transaction: autocommit, on the configured database."""
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


# A mutant whose loop no longer ends can grow an array without bound: under a
# mutation run, 6 GiB of data per process makes that a MemoryError (the mutant's
# tests fail: killed) instead of a call on the kernel's out-of-memory killer, which
# records the mutant as killed by the system (-9) and may pick another process.
MUTANT_MEMORY_LIMIT = 6 * 2**30


def _limit_mutant_memory() -> None:
    if os.environ.get("MUTANT_UNDER_TEST"):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if soft == resource.RLIM_INFINITY or soft > MUTANT_MEMORY_LIMIT:
            resource.setrlimit(resource.RLIMIT_DATA, (MUTANT_MEMORY_LIMIT, hard))


def pytest_configure(config) -> None:
    """With `pytest -n`, each worker on PostgreSQL gets a database of its own.

    The fixtures below drop and rebuild the schema of TEST_DATABASE_URL, and the
    server fixtures add schemas beside it: two workers on one database would
    tear down each other's tables. Each worker makes `<name>_<worker>` (the
    migrations add the extensions they need, such as pg_trgm), points
    TEST_DATABASE_URL at it for everything it runs, and drops it at the end.
    """
    _limit_mutant_memory()
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = os.environ.get("TEST_DATABASE_URL")
    if not (worker and base and base.startswith("postgresql")):
        return
    url = worker_database_url(base, worker)
    name = sa.make_url(url).database
    _maintenance(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _maintenance(base, f'CREATE DATABASE "{name}"')
    os.environ["TEST_DATABASE_URL"] = url
    config.stash[_WORKER_DATABASE] = (base, name)


def pytest_unconfigure(config) -> None:
    if _WORKER_DATABASE in config.stash:
        base, name = config.stash[_WORKER_DATABASE]
        os.environ["TEST_DATABASE_URL"] = base
        _maintenance(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_WORKER_DATABASE = pytest.StashKey[tuple]()


def pytest_collection_modifyitems(config, items) -> None:
    _deselect_other_database(config, items)
    _fastest_first_under_mutation(items)


def _deselect_other_database(config, items) -> None:
    """Tests of one database's own behaviour run in that database's pass only.

    `make test` runs the suite on SQLite and again on PostgreSQL: a test marked
    `postgresql_only` (roles, TRUNCATE) is deselected in the SQLite pass and one
    marked `sqlite_only` (SQLite's locking) in the PostgreSQL pass. Deselected,
    not skipped: a skip is reserved for what should have run and could not.
    """
    other = "sqlite_only" if os.environ.get("TEST_DATABASE_URL") else "postgresql_only"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


def _fastest_first_under_mutation(items) -> None:
    """Under a mutation run (`make mutation`), a mutant's tests run fastest first.

    mutmut runs, for each mutant, every test that reaches the changed function,
    with -x: the first failure ends the run. In the order mutmut gives, a mutant
    that a 5 ms unit test kills could first wait seconds for the KRW validation
    tests. mutmut's own timings of the clean run (mutmut-stats.json, in the
    directory it runs the tests from) give the order; without them nothing changes.
    """
    if not os.environ.get("MUTANT_UNDER_TEST"):
        return
    stats = Path("mutmut-stats.json")
    if not stats.exists():
        return
    import json

    durations = json.loads(stats.read_text()).get("duration_by_test", {})
    items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))


def test_database_url(tmp_dir: Path, name: str = "test") -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, else a fresh SQLite file."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / (name + '.sqlite')}"


def reset_database(url: str) -> None:
    """Drop everything in the test database, so the migrations start from nothing."""
    if not url.startswith("postgresql"):
        return
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def make_test_app(database_url: str, tmp_dir: Path, **overrides) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        # The limiter stays on (one Flask-Limiter serves every app in the
        # process); tests other than the rate-limit test never reach this.
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "EVIDENCE_DIR": str(tmp_dir / "evidence"),
        "EVIDENCE_KEY_FILE": str(tmp_dir / "evidence-keys"),
        **FAST_HASHING,
        **overrides,
    }
    return create_app(config)


class ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's Session picks its engine itself and would ignore
    `bind`; in tests every session must use the test's one connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


class RequestIsolatingClient(FlaskClient):
    """Each request gets its own app context, as in production, even while the
    test holds one: otherwise `g` (the logged-in user, the locale) would leak
    from one request into the next."""

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    tmp_dir = tmp_path_factory.mktemp("app")
    url = test_database_url(tmp_dir)
    reset_database(url)
    application = make_test_app(url, tmp_dir)
    application.test_client_class = RequestIsolatingClient
    with application.app_context():
        upgrade()
        _db.engine.dispose()
    yield application
    with application.app_context():
        _db.engine.dispose()  # close pooled connections before the interpreter does


@pytest.fixture
def db(app: Flask) -> Iterator:
    """The database, inside a transaction that is rolled back after the test.

    Sessions join the outer transaction through SAVEPOINTs, so that the
    app's own commits stay inside it (SQLAlchemy docs, "Joining a Session
    into an External Transaction").
    """
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original_session = _db.session
        _db.session = _db._make_scoped_session(
            {
                "class_": ConnectionBoundSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "expire_on_commit": False,
            }
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original_session
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, db) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db):
    return app.test_cli_runner()


_sequence = count(1)


@pytest.fixture
def make_org(db) -> Callable:
    """Factory: an organisation (a municipality unless members are given)."""
    from praktijktest.organisations.services import create_organisation

    def make(name: str | None = None, members: tuple[str, ...] = ()):
        name = name or f"Gemeente {next(_sequence)}"
        kind = "partnership" if members else "municipality"
        return create_organisation(name, kind, members)

    return make


@pytest.fixture
def org(make_org):
    return make_org("Regio Test", members=("Testdorp", "Teststad"))


@pytest.fixture
def other_org(make_org):
    return make_org("Andere Gemeente")


@pytest.fixture
def make_user(db, org) -> Callable:
    """Factory: an active account with TEST_PASSWORD."""
    from praktijktest.accounts.services import create_user

    def make(role: str = "coordinator", organisation=None, email: str | None = None, **kwargs):
        email = email or f"{role}{next(_sequence)}@tests.example"
        return create_user(email, f"Test {role.title()}", role, organisation or org, TEST_PASSWORD, **kwargs)

    return make


def log_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def login_as(client, make_user) -> Callable:
    """Log the test client in as a new user with `role`; returns the user."""

    def login(role: str, organisation=None, **kwargs):
        user = make_user(role, organisation, **kwargs)
        response = log_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


def make_round_objects(organisation) -> dict[str, int]:
    """A round of `organisation` with one of everything a route can name."""
    from datetime import UTC, datetime

    from praktijktest.extensions import db
    from praktijktest.fieldwork.models import Application, EvidenceFile, MysteryCall, Response, Test
    from praktijktest.followup.models import FollowUpCase
    from praktijktest.results.models import AnalysisSnapshot
    from praktijktest.rounds.models import Profile, RoundTarget, Template
    from praktijktest.rounds.services import GroundSpec, create_round
    from praktijktest.targets.models import Listing
    from praktijktest.targets.services import create_target

    round_ = create_round(organisation, "Ronde", "labour", [GroundSpec("origin", "ref", ["other"])])
    target = create_target(organisation.id, "Werkgever BV")
    listing = Listing(target=target, title="Vacature")
    profile = Profile(round_id=round_.id, group_id=round_.groups[0].id, name=f"Profiel {organisation.id}")
    template = Template(round_id=round_.id, name="A", body="Beste")
    test = Test(round=round_, target=target, listing=listing, external_id="t1")
    application = Application(test=test, group=round_.groups[0], profile=profile, template=template)
    response = Response(application=application, outcome="invitation")
    evidence = EvidenceFile(response=response, sha256="0" * 64, path="evidence/00/missing.pdf", size=1, kind="pdf",
                            media_type="application/pdf")
    call = MysteryCall(application=application, question="Liever niet?", answer="refused",
                       called_at=datetime(2026, 11, 2, 10, 0, tzinfo=UTC), recording_path="calls/00/missing.wav",
                       recording_sha256="0" * 64)
    db.session.add_all([listing, profile, template, test, application, response, evidence, call])
    db.session.add(RoundTarget(round_id=round_.id, target_id=target.id))
    snapshot = AnalysisSnapshot(
        round_id=round_.id, organisation_id=organisation.id, sha256=f"{organisation.id:064d}", input_sha256="0" * 64,
        parameters={}, deviations=[], software_version="test", applications=1,
        result={"groups": [{"group": "ref", "applications": 1, "positives": 1, "rate": 1.0, "ci95": [0.2, 1.0]}]})
    db.session.add(snapshot)
    db.session.flush()
    case = FollowUpCase(organisation_id=organisation.id, round_id=round_.id, snapshot_id=snapshot.id,
                        target_id=target.id)
    db.session.add(case)
    db.session.flush()
    from datetime import date

    from praktijktest.retention.models import DataRequest

    # A retest round (follow-up): the retest pages serve only rounds made as a retest.
    retest = create_round(organisation, "Herhaling", "labour", [GroundSpec("origin", "ref", ["other"])])
    retest.planning = {"retest": {"source_round_id": round_.id, "source_protocol_sha256": None, "case_ids": [],
                                  "target_codes": []}}

    data_request = DataRequest(organisation_id=organisation.id, target_id=target.id, kind="access",
                               received_on=date(2026, 11, 2), due_on=date(2026, 12, 2))
    db.session.add(data_request)
    from praktijktest.mailboxes.models import MailCandidate, MailMessage

    mail = MailMessage(round_id=round_.id, profile_id=profile.id, sha256="1" * 64, path="evidence/11/missing.eml",
                       size=1, status="proposed", candidates=[MailCandidate(application_id=application.id)])
    db.session.add(mail)
    from praktijktest.followup.contracts import TargetContract

    contract = TargetContract(organisation_id=organisation.id, target_id=target.id, contracting_authority="Stad",
                              reference=f"C-{organisation.id}", starts_on=date(2026, 1, 1), has_clause=True)
    db.session.add(contract)
    db.session.flush()
    return {
        "mail_id": mail.id,
        "case_id": case.id,
        "contract_id": contract.id,
        "retest_id": retest.id,
        "request_id": data_request.id,
        "snapshot_id": snapshot.id,
        "chart": "rates",
        "organisation_id": organisation.id,
        "round_id": round_.id,
        "target_id": target.id,
        "listing_id": listing.id,
        "profile_id": profile.id,
        "template_id": template.id,
        "test_id": test.id,
        "application_id": application.id,
        "response_id": response.id,
        "evidence_id": evidence.id,
        "call_id": call.id,
    }


@pytest.fixture
def objects(db, org, other_org, make_user):
    """One object of each kind a route can name, in the user's own organisation
    and in another one. A route with an argument not listed here fails
    `build_url`: add the object here."""
    own_user = make_user("viewer", org)
    foreign_user = make_user("viewer", other_org)
    return {
        "own": {"user_id": own_user.id, **make_round_objects(org)},
        "foreign": {"user_id": foreign_user.id, **make_round_objects(other_org)},
    }


VALIDATION_DIR = Path(__file__).resolve().parent / "data" / "validation"


def validation_file(name: str) -> Path:
    """A file of tests/data/validation (published data sets, see its README): a missing file fails."""
    path = VALIDATION_DIR / name
    if not path.exists():
        pytest.fail(f"validation data missing: {path} (it is part of the repository)")
    return path


def visible_text(html: str) -> str:
    """The text of a page, tags removed and white space folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
