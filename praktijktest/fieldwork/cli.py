"""`flask --app wsgi evidence verify` and `flask --app wsgi fieldwork close-windows`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from praktijktest.extensions import db

evidence = AppGroup("evidence", help="Check the evidence store.")
fieldwork = AppGroup("fieldwork", help="Fieldwork tasks for a scheduler.")


@evidence.command("verify")
def verify_command() -> None:
    """Re-hash every stored evidence file and ad snapshot; exit 1 on any mismatch or missing file."""
    from praktijktest.fieldwork.evidence import verify_all

    report = verify_all()
    for path in report.mismatched:
        click.echo(f"MISMATCH {path}", err=True)
    for path in report.missing:
        click.echo(f"MISSING  {path}", err=True)
    click.echo(f"{report.verified} files verified, {len(report.mismatched)} mismatched, {len(report.missing)} missing")
    if not report.ok:
        raise SystemExit(1)


@fieldwork.command("close-windows")
def close_windows_command() -> None:
    """Give the outcome no_response to every sent application whose response window has passed."""
    from praktijktest.fieldwork.services import close_expired_windows

    closed = close_expired_windows()
    db.session.commit()
    click.echo(f"{closed} applications closed without a response")
