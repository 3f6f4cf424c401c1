"""`retention apply` for tester accounts: deactivated after their period, anonymised a month later."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from praktijktest.accounts.models import LoginSession
from praktijktest.accounts.services import authenticate, update_user
from praktijktest.audit.models import AuditEvent
from praktijktest.fieldwork.models import Test
from praktijktest.results.snapshots import run_analysis
from praktijktest.retention import accounts
from praktijktest.retention.deletion import add_months
from praktijktest.retention.periods import fingerprint, periods_for, save_periods
from praktijktest.timeutil import utcnow
from tests.conftest import TEST_PASSWORD


def _at(monkeypatch, moment):
    monkeypatch.setattr(accounts, "utcnow", lambda: moment)


def _run(runner, *args):
    result = runner.invoke(args=["retention", "apply", *args])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith(("organisation ", "  kept account"))]


def _tester(make_user, db, last_login_months_ago: int, **kwargs):
    tester = make_user("tester", **kwargs)
    tester.created_at = add_months(utcnow(), -40)
    tester.last_login_at = add_months(utcnow(), -last_login_months_ago)
    db.session.flush()
    return tester


def test_an_inactive_tester_is_deactivated_then_anonymised_a_month_later(db, make_user, runner, monkeypatch):
    idle = _tester(make_user, db, 13)
    recent = _tester(make_user, db, 10)
    coordinator = make_user("coordinator")
    coordinator.last_login_at = add_months(utcnow(), -30)
    db.session.add(LoginSession(id="a" * 64, user_id=idle.id, expires_at=utcnow() + timedelta(hours=1)))
    db.session.flush()
    name, email, version = idle.name, idle.email, idle.version
    now = utcnow()
    _at(monkeypatch, now)

    dry = _run(runner, "--dry-run")
    assert dry == [f"organisation {idle.organisation_id}\ttester_accounts.deactivate\t1\taccounts {idle.id}"]
    db.session.expire_all()
    assert idle.is_active and idle.version == version  # the dry run changed nothing
    assert _run(runner) == dry
    db.session.expire_all()
    assert not idle.is_active and idle.name == name  # deactivated, not yet anonymised
    assert recent.is_active and coordinator.is_active  # within the period; not a tester
    assert db.session.scalars(select(LoginSession).where(LoginSession.user_id == idle.id)).all() == []
    assert authenticate(email, TEST_PASSWORD) is None
    assert _run(runner, "--dry-run") == []  # the same night: nothing more

    _at(monkeypatch, add_months(now, 1) - timedelta(days=1))
    assert _run(runner, "--dry-run") == []  # the month between the two steps has not passed
    _at(monkeypatch, add_months(now, 1))
    dry = _run(runner, "--dry-run")
    assert dry == [f"organisation {idle.organisation_id}\ttester_accounts.anonymise\t1\taccounts {idle.id}"]
    assert _run(runner) == dry
    db.session.expire_all()
    assert (idle.name, idle.email) == (f"tester-{idle.id}", f"tester-{idle.id}@anonymised.invalid")
    assert authenticate(idle.email, TEST_PASSWORD) is None and authenticate(email, TEST_PASSWORD) is None
    assert _run(runner, "--dry-run") == []  # anonymised once, never again

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("retention.tester_%"))
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.object_id) for e in events] == [("retention.tester_deactivate", str(idle.id)),
                                                         ("retention.tester_anonymise", str(idle.id))]
    for event in events:  # the steps name the pseudonym, never what was replaced
        assert name not in str(event.changes) + event.summary and email not in str(event.changes) + event.summary
    # Earlier events about the account still point at it, now under its pseudonym.
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create",
                                                          AuditEvent.object_id == str(idle.id))).one()
    assert created.object_type == "User"


def test_the_period_is_the_organisations_own(db, make_user, org, runner, monkeypatch):
    periods = periods_for(org.id)
    values = {kind: (p.months, p.legal_basis) for kind, p in periods.items()}
    values["tester_accounts"] = (3, "Assignment per round (art. 6.1.b).")
    save_periods(org.id, values, fingerprint(periods), None)
    tester = _tester(make_user, db, 4, organisation=org)
    _at(monkeypatch, utcnow())
    assert _run(runner, "--dry-run") == [f"organisation {org.id}\ttester_accounts.deactivate\t1\taccounts {tester.id}"]


def test_a_reactivated_tester_gets_a_new_period(db, make_user, runner, monkeypatch):
    tester = _tester(make_user, db, 13)
    now = utcnow()
    _at(monkeypatch, now)
    _run(runner)
    db.session.expire_all()
    assert not tester.is_active
    update_user(tester, is_active=True)  # an administrator brings the tester back
    _at(monkeypatch, add_months(now, 6))
    assert _run(runner, "--dry-run") == []  # neither deactivated again nor anonymised
    _at(monkeypatch, add_months(now, 12) + timedelta(minutes=1))
    assert _run(runner, "--dry-run") == [
        f"organisation {tester.organisation_id}\ttester_accounts.deactivate\t1\taccounts {tester.id}"]


def test_an_account_deactivated_by_hand_long_ago_is_anonymised(db, make_user, runner, monkeypatch):
    tester = _tester(make_user, db, 20, is_active=False)  # deactivated before retention kept any record
    _at(monkeypatch, utcnow())
    assert _run(runner, "--dry-run") == [
        f"organisation {tester.organisation_id}\ttester_accounts.anonymise\t1\taccounts {tester.id}"]


def test_a_tester_of_a_target_under_legal_hold_is_deactivated_but_not_anonymised(
        db, fieldwork_round, make_user, runner, monkeypatch):
    from praktijktest.followup.models import FollowUpCase

    round_ = fieldwork_round()
    tests = db.session.scalars(select(Test).where(Test.round_id == round_.id).order_by(Test.id)).all()
    held_tester = _tester(make_user, db, 13, organisation=round_.organisation)
    free_tester = _tester(make_user, db, 13, organisation=round_.organisation)
    tests[0].tester_id, tests[1].tester_id = held_tester.id, free_tester.id
    snapshot = run_analysis(round_)
    case = FollowUpCase(organisation_id=round_.organisation_id, round_id=round_.id, snapshot_id=snapshot.id,
                        target_id=tests[0].target_id)
    db.session.add(case)
    db.session.flush()
    now = utcnow()
    _at(monkeypatch, now)
    _run(runner)
    _at(monkeypatch, add_months(now, 1))
    org_id = round_.organisation_id
    lines = _run(runner)
    assert lines == [f"organisation {org_id}\ttester_accounts.anonymise\t1\taccounts {free_tester.id}",
                     f"  kept account {held_tester.id}: tested target {tests[0].target_id}: "
                     f"open follow-up case {case.id}"]
    db.session.expire_all()
    assert not held_tester.is_active and not held_tester.email.endswith("anonymised.invalid")
    assert free_tester.email.endswith("@anonymised.invalid")
    assert tests[1].tester_id == free_tester.id  # the round's history keeps the (pseudonymous) account
