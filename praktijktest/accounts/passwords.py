"""Password hashing (argon2id) and the password policy.

The policy: at least 12 characters, not a known leaked password (offline:
zxcvbn's breached list and a bundled Dutch/French one), no name or
address in it, and zxcvbn's strength estimate at its top score, with the
bundled Dutch and French words added to its (English) dictionaries.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 12
# zxcvbn's score 4: at least 10^10 guesses by its estimate, which counts
# dictionary words, names, dates, repeats and keyboard patterns.
MIN_SCORE = 4
ZXCVBN_MAX_INPUT = 100  # its cost grows with the length; the first 100 characters decide anyway
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def _local_words() -> tuple[str, ...]:
    """The bundled Dutch, French and Belgian list (see the file's header)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _breached() -> frozenset[str]:
    """zxcvbn's 30,000 most common breached passwords and the bundled list, for an exact match, offline."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(_local_words())


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=current_app.config["PASSWORD_HASH_MEMORY_KIB"],
        parallelism=current_app.config.get("PASSWORD_HASH_PARALLELISM", 4),
    )


def hash_password(password: str) -> str:
    """An argon2id hash with the configured cost."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; never raises on a wrong or malformed hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why `password` is too weak, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    lowered = password.lower()
    if lowered in _breached():
        return _("This password is too common: it appears in lists of leaked passwords.")
    personal = [p for p in (email.split("@")[0], *name.split()) if len(p) >= 4]
    if any(p.lower() in lowered for p in personal):
        return _("The password must not contain your name or e-mail address.")
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:ZXCVBN_MAX_INPUT], user_inputs=[*personal, *_local_words()])
    if estimate["score"] < MIN_SCORE:
        return _("This password is too easy to guess: it is built from common words, names, dates or keyboard "
                 "patterns. A sentence of four or more words is strong and easy to remember.")
    return None
