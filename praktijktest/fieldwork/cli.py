"""`flask --app wsgi evidence verify`, `fieldwork close-windows` and `fieldwork fetch-mail`."""
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


@fieldwork.command("fetch-mail")
@click.option("--round", "round_id", type=int, default=None, help="Only this round (it must be in fieldwork).")
def fetch_mail_command(round_id: int | None) -> None:
    """Read new messages from the profiles' mailboxes of rounds in fieldwork; exit 1 if a mailbox failed."""
    from praktijktest.mailboxes.fetch import fetch_mail

    results = fetch_mail([round_id] if round_id is not None else None)
    db.session.commit()
    for result in results:
        if result.error:
            click.echo(f"ERROR {result.error}", err=True)
        else:
            click.echo(f"{result.profile_name}: {result.stored} stored, {result.duplicates} already stored"
                       + (f", {len(result.too_large)} too large (left on the server)" if result.too_large else ""))
    click.echo(f"{len(results)} mailboxes read, {sum(bool(r.error) for r in results)} failed")
    if any(result.error for result in results):
        raise SystemExit(1)
