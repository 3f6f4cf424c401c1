"""Mailbox passwords (or app tokens): from the configuration or a secret file, never from the database.

A mailbox row keeps only `secret_name`. The password is MAILBOX_PASSWORDS[secret_name]
(a dict in the instance configuration) or the content of the file
MAILBOX_SECRETS_DIR/<secret_name> (one line; mounted by the operator, e.g. a
Docker or systemd credential). It is read when fetching and never shown:
pages only say whether it is found.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from flask import current_app

SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class MissingSecret(LookupError):
    pass


def default_secret_name(profile_id: int) -> str:
    return f"mailbox-{profile_id}"


def is_valid_name(name: str) -> bool:
    """A plain file name: letters, digits, dot, dash, underscore (no path, so no reading outside the folder)."""
    return bool(SECRET_NAME.match(name or "")) and ".." not in name


def password_for(secret_name: str) -> str:
    """The password named `secret_name`; MissingSecret when neither the configuration nor a file has it."""
    configured = (current_app.config.get("MAILBOX_PASSWORDS") or {}).get(secret_name)
    if configured:
        return configured
    folder = current_app.config.get("MAILBOX_SECRETS_DIR")
    if folder and is_valid_name(secret_name):
        path = Path(folder) / secret_name
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError:
            value = ""
        if value:
            return value
    raise MissingSecret(secret_name)


def has_password(secret_name: str) -> bool:
    try:
        password_for(secret_name)
    except MissingSecret:
        return False
    return True


def from_environment() -> dict:
    """The configuration keys of this module, read from the environment (config.load_config)."""
    return {
        "MAILBOX_SECRETS_DIR": os.environ.get("MAILBOX_SECRETS_DIR") or None,
        # A CA bundle (PEM) trusted instead of the system's, for a mail server with its own CA.
        "MAILBOX_CA_FILE": os.environ.get("MAILBOX_CA_FILE") or None,
        "MAIL_MAX_BYTES": int(os.environ.get("MAIL_MAX_BYTES", 25 * 1024 * 1024)),
        "MAIL_FETCH_TIMEOUT_SECONDS": int(os.environ.get("MAIL_FETCH_TIMEOUT_SECONDS", 30)),
    }
