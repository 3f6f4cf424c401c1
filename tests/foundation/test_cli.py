"""The command line: organisations, users, demo."""
from __future__ import annotations

from sqlalchemy import func, select

from praktijktest.accounts.models import User
from praktijktest.organisations.models import Organisation


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_municipality_and_partnership(runner, db):
    result = runner.invoke(args=["orgs", "create", "Zottegem"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["orgs", "create", "Regio Vlaamse Ardennen", "--kind", "partnership", "--member", "Ronse",
              "--member", "Kluisbergen"]
    )
    assert result.exit_code == 0, result.output
    assert "covering Kluisbergen, Ronse" in result.output
    listing = runner.invoke(args=["orgs", "list"]).output
    assert "Zottegem\tmunicipality\tZottegem" in listing


def test_partnership_without_members_is_refused(runner, db):
    before = count(db, Organisation)
    result = runner.invoke(args=["orgs", "create", "Regio Niets", "--kind", "partnership"])
    assert result.exit_code != 0
    assert "at least two" in result.output
    assert count(db, Organisation) == before


def test_create_user_from_stdin(runner, org, db):
    result = runner.invoke(
        args=["users", "create", "Ann@Tests.Example", "--role", "coordinator", "--org", org.name, "--password-stdin"],
        input="A-very-good-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ann@tests.example"))
    assert user.role == "coordinator" and user.organisation_id == org.id
    assert user.password_hash.startswith("$argon2id$")


def test_weak_password_is_refused_with_the_reason(runner, org, db):
    before = count(db, User)
    result = runner.invoke(
        args=["users", "create", "bob@tests.example", "--role", "tester", "--org", org.name, "--password-stdin"],
        input="bob\n",
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert count(db, User) == before


def test_password_from_terminal_prompt(runner, org, db):
    result = runner.invoke(
        args=["users", "create", "cid@tests.example", "--role", "viewer", "--org", org.name],
        input="Another-good-passphrase\nAnother-good-passphrase\n",
    )
    assert result.exit_code == 0, result.output


def test_unknown_org_and_role(runner, db):
    result = runner.invoke(args=["users", "create", "x@tests.example", "--role", "tester", "--org", "Nergens"],
                           input="whatever\nwhatever\n")
    assert result.exit_code != 0 and "No organisation named" in result.output
    result = runner.invoke(args=["users", "create", "x@tests.example", "--role", "boss", "--org", "Nergens"])
    assert result.exit_code == 2


def test_demo_is_idempotent_and_prints_logins(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    users = count(db, User)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert count(db, User) == users
    for email in ("admin@demo.example", "coordinator@demo.example", "tester@demo.example", "viewer@demo.example"):
        assert email in second.output


def test_demo_is_refused_in_production(app, runner, db, monkeypatch):
    monkeypatch.setitem(app.config, "PRAKTIJKTEST_ENV", "production")
    before = count(db, User)
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert count(db, User) == before
