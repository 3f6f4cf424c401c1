"""Configuration from environment variables, with safe defaults.

Development needs nothing installed: SQLite and evidence files live in
`instance/`, and a secret key and an evidence encryption key are generated
there once. Production (`PRAKTIJKTEST_ENV=production`) refuses to start
without `SECRET_KEY` and `EVIDENCE_KEY_FILE`, and serves cookies over HTTPS only.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment does not describe a safe configuration."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENTS = ("development", "production")
# A production key signs every session cookie: at least 32 characters, and
# not a repeated pattern ("x" * 40, "ab" * 20): at least 8 different ones.
# (A random `secrets.token_hex(16)` has 8 or more different digits except
# with negligible probability; requiring all 16 would refuse a quarter of
# token_hex(32) keys.)
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 8


def _environment() -> str:
    """PRAKTIJKTEST_ENV, spelled exactly: 'Production' used to give development settings, demo included."""
    env = os.environ.get("PRAKTIJKTEST_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"PRAKTIJKTEST_ENV={env!r} is not known; use one of {', '.join(ENVIRONMENTS)} (lower case).")
    return env


def _check_production_key(key: str) -> str:
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        raise ConfigError(
            f"SECRET_KEY is too weak for production: use at least {MIN_SECRET_KEY_LENGTH} random characters, "
            "for example the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return key


def _secret_key(instance_path: Path, is_production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return _check_production_key(key) if is_production else key
    if is_production:
        raise ConfigError("SECRET_KEY must be set when PRAKTIJKTEST_ENV=production.")
    # Development: one random key kept in instance/, so sessions survive restarts.
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _seal_files(is_production: bool) -> dict:
    """The dossier seal's key and certificate (followup/seal.py); production refuses to start without both."""
    key, cert = os.environ.get("DOSSIER_SEAL_KEY_FILE") or None, os.environ.get("DOSSIER_SEAL_CERT_FILE") or None
    if is_production:
        if not (key and cert):
            raise ConfigError("DOSSIER_SEAL_KEY_FILE and DOSSIER_SEAL_CERT_FILE must be set when "
                              "PRAKTIJKTEST_ENV=production: dossiers are sealed with that key (docs/deployment.md).")
        for path in (key, cert):
            if not Path(path).is_file():
                raise ConfigError(f"The dossier seal file {path} does not exist or is not a file.")
    return {"DOSSIER_SEAL_KEY_FILE": key, "DOSSIER_SEAL_CERT_FILE": cert,
            "DOSSIER_SEAL_KEY_PASSPHRASE": os.environ.get("DOSSIER_SEAL_KEY_PASSPHRASE") or None,
            **_timestamp_authority()}


# A dossier is made inside a web request: the time-stamping authority's answer must come well within the 30 s
# a request may keep a worker busy (docs/followup.md, "Speed").
TSA_MAX_TIMEOUT = 20


def _timestamp_authority() -> dict:
    """The optional RFC 3161 time-stamping authority of the dossier seal (followup/seal.py): its URL, how long to
    wait for it and, optionally, its certificate (PEM) for `reports verify` to check the timestamp against."""
    from urllib.parse import urlsplit

    url = (os.environ.get("DOSSIER_TSA_URL") or "").strip() or None
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"DOSSIER_TSA_URL must be an http:// or https:// URL with a host, not {url!r}.")
    raw_timeout = os.environ.get("DOSSIER_TSA_TIMEOUT") or "10"
    try:
        timeout = float(raw_timeout)
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= TSA_MAX_TIMEOUT:
        raise ConfigError(f"DOSSIER_TSA_TIMEOUT must be a number of seconds above 0 and at most {TSA_MAX_TIMEOUT}, "
                          f"not {raw_timeout!r}.")
    cert = os.environ.get("DOSSIER_TSA_CERT_FILE") or None
    if cert and not Path(cert).is_file():
        raise ConfigError(f"The time-stamping authority's certificate {cert} does not exist or is not a file.")
    return {"DOSSIER_TSA_URL": url, "DOSSIER_TSA_TIMEOUT": timeout, "DOSSIER_TSA_CERT_FILE": cert}


def mailbox_settings() -> dict:
    from praktijktest.mailboxes.secrets import from_environment

    return from_environment()


def load_config(instance_path: Path) -> dict:
    """Build the Flask configuration from the environment."""
    instance_path.mkdir(parents=True, exist_ok=True)
    env = _environment()
    is_production = env == "production"
    lifetime = int(os.environ.get("SESSION_LIFETIME_SECONDS", 8 * 3600))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'praktijktest.sqlite'}"
    if database_url.startswith("postgres://"):
        # Heroku-style URLs name the old driver; psycopg 3 is the one installed.
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    migration_url = os.environ.get("MIGRATION_DATABASE_URL") or None
    if migration_url and migration_url.startswith("postgres://"):
        migration_url = "postgresql+psycopg://" + migration_url.removeprefix("postgres://")
    return {
        "PRAKTIJKTEST_ENV": env,
        # Separate roles on PostgreSQL (audit/integrity.py): migrations as the owner, the app as the serving role.
        "MIGRATION_DATABASE_URL": migration_url,
        "DATABASE_SERVING_ROLE": os.environ.get("DATABASE_SERVING_ROLE") or None,
        "SECRET_KEY": _secret_key(instance_path, is_production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR") or str(instance_path / "evidence"),
        # Unset in development: a key and self-signed certificate are made in instance/seal/ on first use.
        **_seal_files(is_production),
        # The keys that encrypt the evidence store (evidence_store.py); production must name the file.
        "EVIDENCE_KEY_FILE": os.environ.get("EVIDENCE_KEY_FILE")
        or (None if is_production else str(instance_path / "evidence-keys")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", is_production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", is_production),
        "PERMANENT_SESSION_LIFETIME": lifetime,
        # Absolute: a login ends this long after it began, whatever the activity (accounts/sessions.py).
        "SESSION_LIFETIME_SECONDS": lifetime,
        # How long an upload waits for its confirmation before `maintenance sweep` removes it.
        "UPLOAD_MAX_AGE_SECONDS": int(os.environ.get("UPLOAD_MAX_AGE_SECONDS", 3600)),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", 50 * 1024 * 1024)),
        # Reading limits of imports (tabular.py): data rows, cells, and an XLSX's unpacked size.
        "IMPORT_MAX_ROWS": int(os.environ.get("IMPORT_MAX_ROWS", 100_000)),
        "IMPORT_MAX_CELLS": int(os.environ.get("IMPORT_MAX_CELLS", 1_500_000)),
        "IMPORT_MAX_UNCOMPRESSED_BYTES": int(os.environ.get("IMPORT_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead, which expires
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        # Per account (accounts/throttle.py): free failures, then waits doubling up to the maximum.
        "LOGIN_BACKOFF_AFTER": int(os.environ.get("LOGIN_BACKOFF_AFTER", 5)),
        "LOGIN_BACKOFF_MAX_SECONDS": int(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", 60)),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (ProxyFix); 0: none.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        "BABEL_DEFAULT_LOCALE": "nl_BE",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Brussels",
        "LANGUAGES": {"nl_BE": "Nederlands", "fr_BE": "Français", "en": "English"},
        # argon2id cost; tests lower it to keep hashing cheap.
        "PASSWORD_HASH_TIME_COST": int(os.environ.get("PASSWORD_HASH_TIME_COST", 3)),
        "PASSWORD_HASH_MEMORY_KIB": int(os.environ.get("PASSWORD_HASH_MEMORY_KIB", 65536)),
        # Profile mailboxes (mailboxes/secrets.py): where passwords are read, the CA, limits.
        **mailbox_settings(),
    }
