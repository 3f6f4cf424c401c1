"""Server-side login sessions: revocable, with an absolute lifetime.

Flask keeps the session in a signed cookie, which the server cannot take
back: a copy made before logout used to work after it. So every login
also writes a `LoginSession` row, the cookie holds a random token naming
it, and each request is accepted only while that row exists and has not
expired. Why rows rather than a per-account counter ("session
generation"): logging out of one browser then ends that browser only,
while a password change, a deactivation or an administrator's "end all
sessions" delete every row of the account. Deleted rows never come back,
so a reactivated account's old cookies stay dead.

The lifetime is absolute (SESSION_LIFETIME_SECONDS from the login), not
sliding: activity does not extend it.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select

from praktijktest.accounts.models import LoginSession, User
from praktijktest.extensions import db
from praktijktest.timeutil import as_utc, utcnow

SESSION_TOKEN_KEY = "login_token"
# What survives the clearing at login and logout: the chosen language, nothing that grants or holds anything.
KEPT_KEYS = ("locale",)


def _clear_cookie_session() -> None:
    kept = {key: session[key] for key in KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> None:
    """Log `user` in on this browser: a fresh cookie session (new CSRF token) and a new server-side row."""
    _clear_cookie_session()  # nothing of the previous visitor (pending uploads, CSRF token) carries over
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(seconds=current_app.config["SESSION_LIFETIME_SECONDS"])
    now = utcnow()
    db.session.add(LoginSession(id=_digest(token), user_id=user.id, created_at=now, expires_at=now + lifetime))
    db.session.flush()
    session[SESSION_TOKEN_KEY] = token
    login_user(user)


def end_session() -> None:
    """Log out of this browser: its row is deleted, so a copied cookie is refused too."""
    token = session.get(SESSION_TOKEN_KEY)
    if isinstance(token, str):
        db.session.execute(delete(LoginSession).where(LoginSession.id == _digest(token)))
    logout_user()
    _clear_cookie_session()


def end_all_sessions(user: User) -> int:
    """Delete every session of `user` (password change, deactivation, an administrator's request)."""
    result = db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    return result.rowcount or 0


def load_session_user(user_id: str) -> User | None:
    """The user of this request's session, or None when the session was ended or has expired."""
    token = session.get(SESSION_TOKEN_KEY)
    if not user_id.isdigit() or not isinstance(token, str):
        return None
    row = db.session.execute(
        select(User, LoginSession.expires_at).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.id == _digest(token), User.id == int(user_id))
    ).first()
    if row is None or not row[0].is_active or as_utc(row[1]) <= utcnow():
        return None
    return row[0]


def sweep_expired_sessions() -> int:
    """Delete rows whose lifetime is over (maintenance sweep); returns how many."""
    result = db.session.execute(delete(LoginSession).where(LoginSession.expires_at <= utcnow()))
    return result.rowcount or 0
