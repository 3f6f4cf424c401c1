"""`flask --app wsgi evidence verify|rotate-key|keys`, `fieldwork close-windows` and `fieldwork fetch-mail`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from praktijktest.extensions import db

evidence = AppGroup("evidence", help="Check the evidence store and rotate its encryption key.")
fieldwork = AppGroup("fieldwork", help="Fieldwork tasks for a scheduler.")


@evidence.command("verify")
def verify_command() -> None:
    """Decrypt and re-hash every stored evidence file and ad snapshot; exit 1 on any mismatch or missing file."""
    from praktijktest.fieldwork.evidence import verify_all

    report = verify_all()
    for path in report.mismatched:
        click.echo(f"MISMATCH {path}", err=True)
    for path in report.missing:
        click.echo(f"MISSING  {path}", err=True)
    for path in report.unreadable:
        click.echo(f"NO KEY   {path}: encrypted with a key that is not in the key file", err=True)
    click.echo(f"{report.verified} files verified, {len(report.mismatched)} mismatched, {len(report.missing)} missing"
               + (f", {len(report.unreadable)} without their key" if report.unreadable else ""))
    if not report.ok:
        raise SystemExit(1)


@evidence.command("rotate-key")
@click.option("--resume", is_flag=True,
              help="Keep the current key: finish an interrupted rotation, or encrypt files stored before encryption.")
@click.option("--verbose", is_flag=True, help="Print every file as it is re-encrypted.")
def rotate_key_command(resume: bool, verbose: bool) -> None:
    """Add a new key to the key file and re-encrypt every stored file under it, one file at a time.

    Safe to interrupt: every file stays readable (the old keys stay in the key
    file), and `rotate-key --resume` goes on where it stopped. Exit 1 when a
    file could not be decrypted (it is left as it was and listed).
    """
    from praktijktest import evidence_store
    from praktijktest.audit.services import record

    if resume:
        key_id = evidence_store.keyring().current
    else:
        key_id = evidence_store.add_key(evidence_store.key_file())
        click.echo(f"New key {key_id} added to {evidence_store.key_file()}: back the key file up now.")
    record("evidence.rotate_key_start", summary=f"re-encrypting the evidence store under key {key_id}",
           changes={"key_id": key_id})
    db.session.commit()  # the start stays in the audit log even if the run is interrupted
    progress = (lambda path, previous: click.echo(f"{previous} -> {key_id}  {path}")) if verbose else None
    report = evidence_store.rotate(progress)
    for path, reason in report.failed:
        click.echo(f"FAILED   {path}: {reason}", err=True)
    record("evidence.rotate_key", summary=f"{sum(report.rotated.values())} files re-encrypted under key {key_id}, "
           f"{report.already} already under it, {len(report.failed)} failed",
           changes={"key_id": key_id, "rotated": dict(report.rotated), "already": report.already,
                    "failed": [path for path, _reason in report.failed]})
    db.session.commit()
    click.echo(f"{sum(report.rotated.values())} files re-encrypted under key {key_id}, {report.already} already "
               f"under it, {len(report.failed)} failed")
    if not report.ok:
        raise SystemExit(1)


@evidence.command("keys")
def keys_command() -> None:
    """List the keys of the key file and how many stored files each one encrypts."""
    from praktijktest import evidence_store

    ring = evidence_store.keyring()
    use = evidence_store.key_use()
    for key_id in ring.keys:
        mark = "current" if key_id == ring.current else ("unused: may be removed" if not use[key_id] else "")
        click.echo(f"{key_id}\t{use[key_id]} files\t{mark}".rstrip())
    for other in sorted(set(use) - set(ring.keys)):  # unencrypted, damaged, or a key missing from the file
        warning = "" if other in ("unencrypted", "damaged") else "not in the key file!"
        click.echo(f"{other}\t{use[other]} files\t{warning}".rstrip())


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
