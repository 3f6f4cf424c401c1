"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MIN_LENGTH = 12
# A few passwords every attacker tries first; length alone does not stop them.
COMMON = {
    "wachtwoord123", "motdepasse123", "password1234", "123456789012", "qwertyuiopas",
    "azertyuiopqs", "welkom123456", "bienvenue123", "praktijktest", "changeme1234",
}


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
    if len(set(password)) < 5:
        return _("The password repeats too few different characters.")
    lowered = password.lower()
    if lowered in COMMON or any(lowered.startswith(c[:10]) for c in COMMON):
        return _("This password is too common.")
    personal = [p for p in (email.split("@")[0], *name.split()) if len(p) >= 4]
    if any(p.lower() in lowered for p in personal):
        return _("The password must not contain your name or e-mail address.")
    return None
