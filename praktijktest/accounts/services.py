"""Account operations: create, update, authenticate, change password.

Services flush and audit; the request (or CLI command) commits once.
"""
from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from praktijktest.accounts.models import Role, User
from praktijktest.accounts.passwords import hash_password, password_problem, verify_password
from praktijktest.accounts.sessions import end_all_sessions
from praktijktest.accounts.throttle import forget, record_failure, seconds_to_wait
from praktijktest.audit.services import diff, record
from praktijktest.extensions import db
from praktijktest.organisations.models import Organisation
from praktijktest.timeutil import utcnow


class AccountError(ValueError):
    """A request about an account that cannot be carried out, with the reason."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """The account with this e-mail address, case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    email: str,
    name: str,
    role: str,
    organisation: Organisation,
    password: str,
    *,
    is_active: bool = True,
    check_strength: bool = True,
) -> User:
    """Create an account; refuses a duplicate address, an unknown role or a weak password."""
    email = normalise_email(email)
    if role not in set(Role):
        raise AccountError(_("Unknown role %(role)s; choose one of %(roles)s.", role=role, roles=", ".join(Role)))
    if find_user(email):
        raise AccountError(_("An account with the address %(email)s already exists.", email=email))
    if check_strength and (problem := password_problem(password, email, name)):
        raise AccountError(problem)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        organisation=organisation,
        is_active=is_active,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    record("user.create", user, summary=f"{email} ({role})", organisation_id=organisation.id)
    return user


def update_user(user: User, *, expected_version: int | None = None, **values) -> User:
    """Change name, role, organisation or active flag; a stale form is refused."""
    if expected_version is not None and expected_version != user.version:
        raise AccountError(_("Someone else changed this account in the meantime; reload the page and try again."))
    if "email" in values:
        values["email"] = normalise_email(values["email"])
        other = find_user(values["email"])
        if other and other.id != user.id:
            raise AccountError(_("An account with the address %(email)s already exists.", email=values["email"]))
    changes = diff(user, values)
    if not changes:
        return user
    for field, value in values.items():
        setattr(user, field, value)
    db.session.flush()
    record("user.update", user, summary=user.email, changes=changes)
    if "is_active" in changes:
        from praktijktest.retention.accounts import note_active_change

        note_active_change(user)  # a reactivated tester gets a new retention period from now
    if {"is_active", "role", "organisation_id"} & changes.keys():
        # Less (or other) rights: sessions begun under the old ones end; reactivation revives none.
        end_all_sessions(user)
    return user


NOT_AN_ADDRESS = "[not an e-mail address]"


def typed_address(email: str) -> str:
    """What a failed login may record of the typed address: the address when it is one, else a fixed marker.

    People type their password in the e-mail field; the administrators read
    the log, so anything that is not an address is never stored.
    """
    try:
        validate_email(email or "", check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError:
        return NOT_AN_ADDRESS
    return normalise_email(email)[:254]


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; every attempt is audited."""
    user = find_user(email)
    if user is None:
        # Hash anyway, so that timing does not tell which addresses exist.
        verify_password(_DUMMY_HASH.get(), password)
        record("login.failed", summary=typed_address(email))
        return None
    # Verify for a deactivated account too: answering at once would tell that it exists and is off.
    password_ok = verify_password(user.password_hash, password)
    if not (password_ok and user.is_active):
        record("login.failed", user, summary=user.email, organisation_id=user.organisation_id)
        return None
    # A plain UPDATE: logging in must not bump the row version, or an admin
    # editing the account at that moment would be told of a conflict.
    db.session.execute(update(User).where(User.id == user.id).values(last_login_at=utcnow()))
    record("login", user, actor=user)
    return user


def end_sessions_by_admin(user: User) -> int:
    """An administrator ends every session of `user` (a lost laptop, a departure); audited."""
    ended = end_all_sessions(user)
    record("user.sessions_end", user, summary=f"{user.email}: {ended}")
    return ended


@dataclass(frozen=True)
class LoginAttempt:
    """The outcome of a login attempt: the user, or how long the account's back-off still runs.

    `admin_changes` lists, for a coordinator, the accounts of the organisation
    that an administrator created or changed since the previous login.
    """

    user: User | None
    wait_seconds: int = 0
    admin_changes: tuple[str, ...] = ()


# What an administrator does to accounts that the organisation's coordinators must hear of:
# an administrator who creates a coordinator, or resets a password, can log in as that person.
ADMIN_ACCOUNT_ACTIONS = ("user.create", "user.update", "user.password_reset")


def admin_account_changes(user: User, since) -> tuple[str, ...]:
    """Addresses of the accounts of `user`'s organisation an administrator created or changed after `since`."""
    from praktijktest.audit.models import AuditEvent

    admin = aliased(User)
    query = (select(AuditEvent.summary).join(admin, AuditEvent.user_id == admin.id)
             .where(AuditEvent.organisation_id == user.organisation_id, admin.role == Role.ADMIN,
                    AuditEvent.action.in_(ADMIN_ACCOUNT_ACTIONS))
             .order_by(AuditEvent.id))
    if since is not None:
        query = query.where(AuditEvent.created_at > since)
    addresses = [summary.split(" ")[0] for summary in db.session.scalars(query.limit(200))]
    return tuple(dict.fromkeys(addresses))


def attempt_login(email: str, password: str, *, known_device: bool) -> LoginAttempt:
    """Check credentials unless the account's back-off says wait (a known browser is exempt); audited."""
    subject = normalise_email(email)
    known = find_user(email)
    wait = 0 if known_device else seconds_to_wait("login", subject)
    if wait:
        # On the account's own log when there is one: its coordinators see that someone is guessing.
        record("login.throttled", known, summary=typed_address(email), changes={"wait_seconds": wait},
               organisation_id=known.organisation_id if known else None)
        return LoginAttempt(None, wait)
    previous_login = known.last_login_at if known else None
    user = authenticate(email, password)
    if user is None:
        record_failure("login", subject)
        return LoginAttempt(None)
    forget("login", subject)
    changes = admin_account_changes(user, previous_login or user.created_at) if user.role == Role.COORDINATOR else ()
    return LoginAttempt(user, admin_changes=changes)


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one (backed off and audited) and the policy."""
    subject = str(user.id)
    if wait := seconds_to_wait("password", subject):
        record("user.password_check_throttled", user, summary=user.email, changes={"wait_seconds": wait})
        raise AccountError(_("Too many wrong attempts. Wait %(n)d seconds and try again.", n=wait))
    if not verify_password(user.password_hash, current):
        record_failure("password", subject)
        record("user.password_check_failed", user, summary=user.email)
        raise AccountError(_("The current password is not correct."))
    forget("password", subject)
    if problem := password_problem(new, user.email, user.name):
        raise AccountError(problem)
    set_password(user, new)


def set_password(user: User, new: str, *, by_admin: bool = False) -> None:
    """Store a new hash (the caller has checked the policy) and audit it (a reset when an administrator does it)."""
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    db.session.flush()
    end_all_sessions(user)  # a stolen session does not outlive the password it was opened with
    record("user.password_reset" if by_admin else "user.password_change", user, summary=user.email)


class _DummyHash:
    """A hash computed once per process with the configured cost."""

    _value: str | None = None

    def get(self) -> str:
        if self._value is None:
            self._value = hash_password("not-a-real-password")
        return self._value


_DUMMY_HASH = _DummyHash()
