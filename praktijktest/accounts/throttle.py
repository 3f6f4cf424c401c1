"""Back-off for password guessing on one account, without locking its owner out.

The per-address limit (Flask-Limiter, LOGIN_RATE_LIMIT) does nothing
against guesses spread over many addresses, and a plain per-account limit
(30 an hour) let anyone lock a named account for an hour. So:

- after LOGIN_BACKOFF_AFTER failures on one account, each further attempt
  must wait, doubling from one second up to LOGIN_BACKOFF_MAX_SECONDS
  (a minute): slow for guessing, never an hour for the owner;
- a browser where the account has logged in before carries a signed
  "known device" cookie (OWASP's device-cookie pattern) and is exempt
  from the account's back-off, so an attacker elsewhere cannot make the
  owner wait at all;
- the counters live in the limiter's storage (memory, or Redis shared by
  the workers) and are keyed by the typed address, known or not, so the
  back-off does not tell which addresses have accounts.

The same back-off guards the current-password check of a password change.
"""
from __future__ import annotations

import hashlib
import math
import time

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from praktijktest.extensions import limiter

DEVICE_COOKIE = "pt_device"
DEVICE_MAX_AGE = 90 * 24 * 3600
FAILURE_WINDOW = 3600  # failures older than this are forgotten


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _keys(scope: str, subject: str) -> tuple[str, str]:
    base = f"backoff:{scope}:{_digest(subject)}"
    return base + ":failures", base + ":wait"


def seconds_to_wait(scope: str, subject: str) -> int:
    """How long the next attempt must wait (0: it may go ahead)."""
    if not limiter.enabled:
        return 0
    _failures, wait_key = _keys(scope, subject)
    if not limiter.storage.get(wait_key):
        return 0
    return max(1, math.ceil(limiter.storage.get_expiry(wait_key) - time.time()))


def record_failure(scope: str, subject: str) -> int:
    """Count a failure; returns the wait it imposes (seconds, 0 for the first few)."""
    if not limiter.enabled:
        return 0
    failures_key, wait_key = _keys(scope, subject)
    failures = limiter.storage.incr(failures_key, FAILURE_WINDOW)
    free = current_app.config["LOGIN_BACKOFF_AFTER"]
    if failures < free:
        return 0
    wait = min(2 ** (failures - free), current_app.config["LOGIN_BACKOFF_MAX_SECONDS"])
    limiter.storage.clear(wait_key)
    limiter.storage.incr(wait_key, wait)
    return wait


def forget(scope: str, subject: str) -> None:
    """A success: the account's failures no longer count."""
    if limiter.enabled:
        for key in _keys(scope, subject):
            limiter.storage.clear(key)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def is_known_device(email: str) -> bool:
    """Whether this browser has logged in to the account with this address before."""
    try:
        known = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(known, list) and _digest(email) in known


def remember_device(response: Response, email: str) -> None:
    """After a successful login: mark this browser as known for the account (a few accounts at most)."""
    try:
        known = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_MAX_AGE)
    except BadSignature:
        known = []
    known = [d for d in (known if isinstance(known, list) else []) if d != _digest(email)][-4:] + [_digest(email)]
    response.set_cookie(DEVICE_COOKIE, _serializer().dumps(known), max_age=DEVICE_MAX_AGE, httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
