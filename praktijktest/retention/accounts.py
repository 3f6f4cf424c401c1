"""Tester accounts under retention: deactivated after their period without login, then anonymised.

The period is the organisation's `tester_accounts` period, counted from the
latest of the account's creation, its last login and the last change of its
active flag (an administrator who reactivates an account gives it a new
period). Then `retention apply`:

1. deactivates an active tester account whose period has passed (it can no
   longer log in; its sessions end). An administrator can still reactivate
   it during the next ANONYMISE_AFTER_MONTHS;
2. anonymises a deactivated tester account once its period has passed and it
   has been deactivated for ANONYMISE_AFTER_MONTHS: its name and e-mail
   address become a pseudonym ("tester-17", "tester-17@anonymised.invalid"),
   its password can no longer be used. The row itself stays, so that tests,
   responses and audit events keep pointing at the same (now pseudonymous)
   account and the round's history stays whole.

A tester who worked on a target under legal hold (an open follow-up case) is
deactivated but not anonymised: the case may need to know who did the test.
Accounts of other roles are left alone (administrators manage them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from praktijktest.accounts.models import Role, User
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.retention.holds import legal_holds
from praktijktest.retention.models import AccountRetention
from praktijktest.retention.periods import periods_for
from praktijktest.timeutil import as_utc, utcnow

ANONYMISE_AFTER_MONTHS = 1  # between deactivation and anonymisation: time to notice a mistake
ANONYMISED_DOMAIN = "anonymised.invalid"  # .invalid never resolves (RFC 2606): no mail can reach it
UNUSABLE_PASSWORD = "!anonymised"  # not an argon2 hash: no password verifies against it


@dataclass
class AccountItem:
    """Tester accounts of one organisation due for one step, and those held back with why."""

    organisation_id: int
    step: str  # "deactivate" or "anonymise"
    ids: list[int] = field(default_factory=list)
    kept: dict[int, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return f"tester_accounts.{self.step}"

    def line(self) -> str:
        text = f"organisation {self.organisation_id}\t{self.kind}\t{len(self.ids)}"
        if self.ids:
            text += "\taccounts " + ",".join(str(i) for i in self.ids)
        return text + "".join(f"\n  kept account {uid}: {why}" for uid, why in sorted(self.kept.items()))


def pseudonym(user_id: int) -> str:
    return f"tester-{user_id}"


def is_anonymised(user: User) -> bool:
    return user.email == f"{pseudonym(user.id)}@{ANONYMISED_DOMAIN}"


def _add_months(moment: datetime, months: int) -> datetime:
    from praktijktest.retention.deletion import add_months

    return add_months(moment, months)


def note_active_change(user: User, now: datetime | None = None) -> None:
    """Remember when an account's active flag changed (by an administrator or by retention)."""
    row = db.session.get(AccountRetention, user.id)
    if row is None:
        row = AccountRetention(user_id=user.id)
        db.session.add(row)
    row.active_changed_at = now or utcnow()
    db.session.flush()


def _clock(user: User, row: AccountRetention | None) -> datetime:
    moments = [user.created_at, user.last_login_at, row.active_changed_at if row else None]
    return max(as_utc(m) for m in moments if m is not None)


def _held_testers(tester_ids: list[int]) -> dict[int, str]:
    """Testers with a test of a target under legal hold, with the hold's reason."""
    from praktijktest.fieldwork.models import Test

    if not tester_ids:
        return {}
    pairs = db.session.execute(select(Test.tester_id, Test.target_id).where(Test.tester_id.in_(tester_ids))
                               .distinct()).all()
    holds = legal_holds({target_id for _tester, target_id in pairs})
    held: dict[int, str] = {}
    for tester_id, target_id in sorted(pairs):
        if target_id in holds:
            held.setdefault(tester_id, _("tested target %(target)s: %(reason)s", target=target_id,
                                         reason=holds[target_id]))
    return held


def plan_accounts(now: datetime | None = None, organisation_id: int | None = None) -> list[AccountItem]:
    """The tester accounts due for deactivation or anonymisation at `now`; changes nothing."""
    now = now or utcnow()
    query = select(User).where(User.role == Role.TESTER).order_by(User.organisation_id, User.id)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    users = db.session.scalars(query).all()
    rows = {row.user_id: row for row in db.session.scalars(
        select(AccountRetention).where(AccountRetention.user_id.in_([u.id for u in users])))}
    items: dict[tuple[int, str], AccountItem] = {}
    anonymise: dict[int, list[int]] = {}
    for user in users:
        row = rows.get(user.id)
        if (row is not None and row.anonymised_at is not None) or is_anonymised(user):
            continue
        months = periods_for(user.organisation_id)["tester_accounts"].months
        if user.is_active:
            # A reactivation (the row's change) counts as activity: a new period from then.
            if _add_months(_clock(user, row), months) <= now:
                items.setdefault((user.organisation_id, "deactivate"),
                                 AccountItem(user.organisation_id, "deactivate")).ids.append(user.id)
            continue
        last_use = _clock(user, None)
        # Deactivated by hand before any row was kept: the last use stands for the deactivation.
        deactivated = as_utc(row.active_changed_at) if row and row.active_changed_at else last_use
        if (_add_months(last_use, months) <= now
                and _add_months(deactivated, ANONYMISE_AFTER_MONTHS) <= now):
            anonymise.setdefault(user.organisation_id, []).append(user.id)
    for org_id, ids in anonymise.items():
        held = _held_testers(ids)
        item = AccountItem(org_id, "anonymise", [i for i in ids if i not in held], held)
        items[(org_id, "anonymise")] = item
    return [item for _key, item in sorted(items.items()) if item.ids or item.kept]


def apply_accounts(items: list[AccountItem], now: datetime | None = None, user=None) -> None:
    """Carry out the planned account steps, one audit event per account; only flushes.

    The events name the account by its id and pseudonym, never its name or address.
    """
    from praktijktest.accounts.sessions import end_all_sessions

    now = now or utcnow()
    for item in items:
        months = periods_for(item.organisation_id)["tester_accounts"].months
        for account in db.session.scalars(select(User).where(User.id.in_(item.ids)).order_by(User.id)):
            if item.step == "deactivate":
                account.is_active = False
                db.session.flush()
                end_all_sessions(account)
                note_active_change(account, now)
                record("retention.tester_deactivate", account, actor=user, organisation_id=item.organisation_id,
                       summary=f"{pseudonym(account.id)}: no login for {months} months",
                       changes={"is_active": [True, False]})
            else:
                _anonymise(account, now)
                record("retention.tester_anonymise", account, actor=user, organisation_id=item.organisation_id,
                       summary=f"{pseudonym(account.id)}: name and e-mail address replaced by the pseudonym",
                       changes={"fields": ["name", "email", "password_hash"]})


def _anonymise(account: User, now: datetime) -> None:
    from praktijktest.accounts.sessions import end_all_sessions

    account.name = pseudonym(account.id)
    account.email = f"{pseudonym(account.id)}@{ANONYMISED_DOMAIN}"
    account.password_hash = UNUSABLE_PASSWORD
    account.is_active = False
    db.session.flush()
    end_all_sessions(account)
    row = db.session.get(AccountRetention, account.id) or AccountRetention(user_id=account.id)
    db.session.add(row)
    row.anonymised_at = now
    db.session.flush()
