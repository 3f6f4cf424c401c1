"""A large organisation for the page benchmark, generated in seconds with bulk inserts.

The size is the one the scale issue measured: 5,000 targets, 11 rounds,
220,000 applications and 100,000 audit events (times `scale`). The few
objects with rules (organisation, accounts, rounds with their groups) go
through the services; the mass (targets, samples, tests, applications,
responses, audit events) goes in as plain multi-row inserts. Seeded: the
same seed gives the same organisation.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

TARGETS = 5_000
ROUNDS = 11
APPLICATIONS = 220_000
AUDIT_EVENTS = 100_000
PER_TEST = 4  # two groups, two applications each
PASSWORD = "Correct-horse-staple-2026"
COORDINATOR = "coordinator@bench.example"
SEED = 20261201
OUTCOMES = ["invitation", "information_request", "rejection", "no_response"]
ACTIONS = ["target.identity_view", "round.update", "response.update", "round.export", "user.login",
           "schedule.generate", "sample.draw", "target.update", "round.status", "evidence.download"]
WORDS = ["Bakkerij", "Garage", "Logistiek", "Zorg", "Bouw", "Horeca", "Immo", "Schoonmaak", "Techniek", "Retail"]


@dataclass(frozen=True)
class Generated:
    """What the benchmark needs to name pages."""

    round_ids: list[int]
    planned_round_id: int
    largest_round_id: int
    target_id: int
    search: str


def generate(scale: float = 1.0, seed: int = SEED) -> Generated:
    """Fill the (empty, migrated) database of the current app; commits."""
    from praktijktest.accounts.services import create_user
    from praktijktest.extensions import db
    from praktijktest.organisations.services import create_organisation

    rng = random.Random(seed)
    organisation = create_organisation("Regio Benchmark", "partnership", ("Noorddorp", "Zuidstad"))
    coordinator = create_user(COORDINATOR, "Bench Coordinator", "coordinator", organisation, PASSWORD)
    rounds = [_round(organisation, number, coordinator) for number in range(ROUNDS)]
    db.session.commit()
    connection = db.session.connection()
    target_ids = _targets(connection, organisation.id, max(int(TARGETS * scale), 100), rng)
    per_round = max(int(APPLICATIONS * scale) // ROUNDS // PER_TEST, 10)
    for number, round_ in enumerate(rounds):
        _fieldwork(connection, round_, target_ids, per_round, rng, with_responses=number < ROUNDS - 2)
    _audit(connection, organisation.id, coordinator, int(AUDIT_EVENTS * scale), rng)
    db.session.commit()
    target = db.session.get(_target_model(), target_ids[len(target_ids) // 2])
    return Generated([r.id for r in rounds], rounds[0].id, rounds[1].id, target.id, target.name.split()[0][:4])


def _target_model():
    from praktijktest.targets.models import Target

    return Target


def _round(organisation, number: int, coordinator):
    """Rounds 0, 2, 4, ... are planned (profiles, templates); the others imported."""
    from praktijktest.extensions import db
    from praktijktest.rounds.models import Profile, Template
    from praktijktest.rounds.services import GroundSpec, create_round

    planned = number % 2 == 0
    round_ = create_round(organisation, f"Ronde {number + 1}", "labour" if number % 3 else "housing",
                          [GroundSpec("origin", "Belgisch", ["Maghrebijns"])], created_by=coordinator)
    if not planned:
        round_.source = "imported"
        return round_
    for group in round_.groups:
        for index in range(2):
            db.session.add(Profile(round_id=round_.id, group_id=group.id, name=f"{group.label} {index + 1}"))
    for name in ("A", "B"):
        db.session.add(Template(round_id=round_.id, name=name, subject="Sollicitatie", body="Beste"))
    db.session.flush()
    return round_


def _targets(connection, organisation_id: int, count: int, rng: random.Random) -> list[int]:
    from praktijktest.targets.models import Target

    created = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [{"organisation_id": organisation_id, "code": f"T{n:06d}", "version": 1,
             "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n} BV", "kind": "employer",
             "sector": rng.choice(WORDS), "municipality_name": rng.choice(["Gent", "Aalst", "Lokeren"]),
             "is_contractor": n % 20 == 0, "created_at": created} for n in range(count)]
    _bulk(connection, Target, rows)
    return list(connection.scalars(select(Target.id).where(Target.organisation_id == organisation_id)
                                   .order_by(Target.id)))


def _fieldwork(connection, round_, target_ids: list[int], tests: int, rng: random.Random, *, with_responses: bool):
    """`tests` tests of four applications, over a sample of a fifth of the targets."""
    from praktijktest.fieldwork.models import Application, Response, Test
    from praktijktest.rounds.models import Profile, RoundTarget, Template

    sample = rng.sample(target_ids, max(len(target_ids) // 5, 1))
    drawn = datetime(2026, 2, 1, tzinfo=UTC)
    _bulk(connection, RoundTarget, [{"round_id": round_.id, "target_id": t, "stratum": "", "drawn_at": drawn}
                                    for t in sample])
    first_test = _next_id(connection, Test)
    _bulk(connection, Test, [{"id": first_test + n, "round_id": round_.id, "target_id": sample[n % len(sample)],
                              "external_id": f"T-{n:06d}", "status": "completed", "attributes": {},
                              "created_at": drawn + timedelta(minutes=n)} for n in range(tests)])
    groups = [g.id for g in round_.groups]
    profiles = {g: list(connection.scalars(select(Profile.id).where(Profile.group_id == g))) for g in groups}
    templates = list(connection.scalars(select(Template.id).where(Template.round_id == round_.id)))
    first_app = _next_id(connection, Application)
    applications, responses = [], []
    for n in range(tests * PER_TEST):
        group = groups[(n // 2) % 2]
        applications.append({
            "id": first_app + n, "test_id": first_test + n // PER_TEST, "group_id": group,
            "profile_id": profiles[group][n % 2] if profiles[group] else None,
            "template_id": templates[n % 2] if templates else None, "send_order": n % PER_TEST + 1,
            "profile_label": None if profiles[group] else f"profiel {n % 2}", "attributes": {},
        })
        if with_responses:
            responses.append({"application_id": first_app + n, "outcome": rng.choices(OUTCOMES, [2, 1, 3, 6])[0],
                              "notes": "", "recorded_at": drawn, "version": 1})
    _bulk(connection, Application, applications)
    _bulk(connection, Response, responses)


def _audit(connection, organisation_id: int, user, count: int, rng: random.Random) -> None:
    from praktijktest.audit.models import AuditEvent

    start = datetime(2026, 1, 1, tzinfo=UTC)
    _bulk(connection, AuditEvent, [{
        "created_at": start + timedelta(seconds=30 * n), "user_id": user.id, "actor": user.email,
        "organisation_id": organisation_id, "action": rng.choices(ACTIONS, [20, 2, 4, 1, 3, 1, 1, 2, 1, 1])[0],
        "object_type": "Target", "object_id": str(n % 5000), "summary": f"T{n % 5000:06d}",
        "changes": {"view": "detail"},
    } for n in range(count)])


def _next_id(connection, model) -> int:
    from sqlalchemy import func

    return (connection.scalar(select(func.max(model.id))) or 0) + 1


def _bulk(connection, model, rows: list[dict], chunk: int = 20_000) -> None:
    """COPY on PostgreSQL, multi-row inserts on SQLite; ids given explicitly move the sequence afterwards."""
    if not rows:
        return
    table = model.__table__.name
    if connection.dialect.name == "postgresql":
        columns = list(rows[0])
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row.values()])
        if "id" in columns:
            connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))")
        return
    for start in range(0, len(rows), chunk):
        connection.execute(insert(model), rows[start:start + chunk])
