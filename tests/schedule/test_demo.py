"""The demo: two synthetic rounds through the services, idempotent, refused in production,
and the statistics flag the strong discriminators only."""
from __future__ import annotations

from sqlalchemy import func, select

from praktijktest.datasets.adapter import analyse
from praktijktest.demo_rounds import HOUSING_TITLE, LABOUR_TITLE
from praktijktest.fieldwork.models import Application, Response, Test
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Listing, Target

MODELS = (Round, Target, Listing, Test, Application, Response)


def counts(db) -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in MODELS}


def test_demo_builds_two_synthetic_rounds_once_and_flags_a_few(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "coordinator@demo.example" in first.output and "Arbeidsmarkttest 2025" in first.output
    after_first = counts(db)
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert counts(db) == after_first

    # By title: the follow-up demo adds a targeted labour round and its retest (tests/followup/test_demo_followup.py).
    rounds = {r.title: r for r in db.session.scalars(select(Round).where(Round.is_synthetic))}
    labour, housing = rounds[LABOUR_TITLE], rounds[HOUSING_TITLE]
    assert "(synthetische gegevens)" in labour.title and "(synthetische gegevens)" in housing.title
    assert (labour.status, housing.status) == ("analysed", "fieldwork")
    assert labour.protocol_sha256 and labour.schedule_seed is not None

    def per_round(model, round_):
        query = select(func.count()).select_from(Test).where(Test.round_id == round_.id)
        if model is not Test:
            query = query.join(Application, Application.test_id == Test.id)
        if model is Response:
            query = query.join(Response, Response.application_id == Application.id)
        return db.session.scalar(query)

    assert [per_round(m, labour) for m in (Test, Application, Response)] == [1200, 2400, 2400]
    tests, applications, responses = (per_round(m, housing) for m in (Test, Application, Response))
    assert (tests, applications) == (60, 120) and 0 < responses < applications / 2  # most pending

    result = analyse(labour, pseudonymise=True)
    flagged = [t for t in result.targets if t.flagged]
    print(f"\nDemo labour round: {len(flagged)} of {len(result.targets)} employers flagged:")
    for t in flagged:
        print(f"  {t.target}: {t.reference_favoured} tests favour the reference, {t.group_favoured} the other group, "
              f"p = {t.p_value:.5f}, q = {t.q_value:.4f}")
    assert len(flagged) == 6
    assert all(t.reference_favoured >= 9 and t.group_favoured == 0 for t in flagged)
    assert all(b.p_value == 1.0 for b in result.balance)  # the schedule is exactly balanced


def test_demo_refused_in_production(app, runner, db, monkeypatch):
    monkeypatch.setitem(app.config, "PRAKTIJKTEST_ENV", "production")
    before = counts(db)
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "production" in result.output
    assert counts(db) == before
