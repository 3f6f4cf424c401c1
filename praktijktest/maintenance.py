"""Housekeeping: abandoned import uploads and expired login sessions.

An upload waits between its preview and its confirmation; a closed tab
leaves it behind, with the identities it holds. `sweep_uploads` removes
every waiting file older than UPLOAD_MAX_AGE_SECONDS; it runs at start-up
and with `flask --app wsgi maintenance sweep` (run it from cron or a
systemd timer, say every 15 minutes; docs/deployment.md).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

maintenance = AppGroup("maintenance", help="Housekeeping: abandoned uploads, expired sessions.")


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by the app's user only."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    path.chmod(PRIVATE_DIR)  # mkdir's mode is filtered by the umask, and an existing folder keeps its own
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by the app's user only; never overwrite one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    path.chmod(PRIVATE_FILE)  # os.open's mode is filtered by the umask too


def upload_folders(app: Flask) -> list[Path]:
    """The folders where uploads wait for their confirmation."""
    evidence = Path(app.config["EVIDENCE_DIR"])
    datasets = Path(app.config.get("DATASET_UPLOAD_DIR") or Path(app.instance_path) / "dataset-imports")
    return [evidence / "pending-imports", datasets]


def sweep_uploads(app: Flask, now: float | None = None) -> int:
    """Remove waiting uploads older than UPLOAD_MAX_AGE_SECONDS; returns how many."""
    limit = (now or time.time()) - app.config["UPLOAD_MAX_AGE_SECONDS"]
    removed = 0
    for folder in upload_folders(app):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


@maintenance.command("sweep")
def sweep_command() -> None:
    """Remove abandoned import uploads and expired login sessions."""
    from praktijktest.accounts.sessions import sweep_expired_sessions
    from praktijktest.extensions import db

    files = sweep_uploads(current_app)
    sessions = sweep_expired_sessions()
    db.session.commit()
    click.echo(f"Removed {files} abandoned uploads and {sessions} expired sessions.")


def init_app(app: Flask) -> None:
    """Sweep the upload folders once at start-up (files only: no query at start-up)."""
    try:
        sweep_uploads(app)
    except OSError as error:  # a read-only or missing folder must not stop the app
        app.logger.warning("Sweeping abandoned uploads failed: %s", error)
