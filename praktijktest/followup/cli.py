"""`reports dossier ROUND_ID TARGET_CODE --output FILE.pdf`: the confidential dossier from the command line."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from praktijktest.extensions import db
from praktijktest.results.cli import reports


@reports.command("dossier")
@click.argument("round_id", type=int)
@click.argument("target_code")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The PDF file to write.")
@click.option("--lang", type=click.Choice(["nl", "fr", "en"]), default="nl", show_default=True)
def dossier_command(round_id: int, target_code: str, output: Path, lang: str) -> None:
    """Write the confidential dossier of TARGET_CODE in ROUND_ID (audited)."""
    from praktijktest.followup.dossier import DossierError, generate_dossier
    from praktijktest.rounds.models import Round

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        click.echo(f"Error: there is no round {round_id}", err=True)
        sys.exit(2)
    try:
        data = generate_dossier(round_, target_code, None, lang)
    except DossierError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    output.write_bytes(data)
    db.session.commit()
    click.echo(f"Wrote the dossier of {target_code} in round {round_id} to {output} ({len(data)} bytes).")


def dossier_file_name(round_id: int, code: str) -> str:
    from praktijktest.file_names import _safe

    return _safe(f"dossier-{round_id}-{code}", "pdf")


def _progress(total: int, description: str):
    """tqdm on a terminal; nothing in logs and pipes (tqdm's `disable=None` checks for a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, unit=" dossiers", desc=description, file=sys.stderr, disable=None)


@reports.command("dossiers")
@click.argument("round_id", type=int)
@click.option("--output-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the dossiers in (made if missing).")
@click.option("--lang", type=click.Choice(["nl", "fr", "en"]), default="nl", show_default=True)
def dossiers_command(round_id: int, output_dir: Path, lang: str) -> None:
    """Write the sealed dossier of every target flagged in ROUND_ID's latest analysis (each audited).

    Bulk generation runs here, not in a web request: a round with many flags takes longer than a worker may
    be blocked. Each dossier's audit event is committed as soon as its file is written.
    """
    from praktijktest.followup.dossier import DossierError, generate_dossier
    from praktijktest.followup.services import flagged_codes
    from praktijktest.results.snapshots import latest_snapshot
    from praktijktest.rounds.models import Round

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        click.echo(f"Error: there is no round {round_id}", err=True)
        sys.exit(2)
    snapshot = latest_snapshot(round_)
    if snapshot is None:
        click.echo(f"Error: round {round_id} has not been analysed yet", err=True)
        sys.exit(2)
    if round_.is_awareness_only:
        click.echo(f"Error: round {round_id} was planned for awareness only: its flags allow the awareness "
                   "letter, not a dossier against a single party", err=True)
        sys.exit(2)
    codes = flagged_codes(snapshot)
    output_dir.mkdir(parents=True, exist_ok=True)
    failed = []
    with _progress(len(codes), f"Dossiers of round {round_id}") as bar:
        for code in codes:
            try:
                data = generate_dossier(round_, code, None, lang)
            except DossierError as error:
                db.session.rollback()
                failed.append(f"{code}: {error}")
            else:
                (output_dir / dossier_file_name(round_id, code)).write_bytes(data)
                db.session.commit()
            bar.update(1)
    for line in failed:
        click.echo(f"Error: {line}", err=True)
    click.echo(f"Wrote {len(codes) - len(failed)} of {len(codes)} sealed dossiers of round {round_id} "
               f"(snapshot {snapshot.sha256[:12]}) to {output_dir}.")
    if failed:
        sys.exit(1)


@reports.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--cert", "cert_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The seal certificate (PEM) to check against; default: the configured one.")
@click.option("--require-timestamp", is_flag=True,
              help="Fail when the seal carries no timestamp from a time-stamping authority.")
def verify_command(pdf: Path, cert_file: Path | None, require_timestamp: bool) -> None:
    """Check a dossier's seal and re-hash every embedded evidence file; exit 1 naming each failure."""
    from praktijktest.followup.dossier import verify_dossier
    from praktijktest.followup.seal import SealError, load_certificate

    details: dict = {}
    try:
        certificate = load_certificate(cert_file) if cert_file else None
        problems = verify_dossier(pdf.read_bytes(), certificate, details, require_timestamp)
    except (SealError, OSError, ValueError) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    for problem in problems:
        click.echo(f"FAILED {problem}", err=True)
    if problems:
        click.echo(f"{pdf}: {len(problems)} check(s) failed.", err=True)
        sys.exit(1)
    click.echo(f"{pdf}: the seal holds (intact, covers the whole file, no later change, made with the dossier "
               "seal's certificate) and every embedded evidence file matches the SHA-256 hash printed in it.")
    if details.get("timestamp"):
        from zoneinfo import ZoneInfo

        when = details["timestamp"].astimezone(ZoneInfo("Europe/Brussels")).isoformat(timespec="seconds")
        click.echo(f"Timestamp: {when} (Brussels time), by the time-stamping authority "
                   f"{details.get('tsa') or 'named in the token'}.")
    else:
        click.echo("No timestamp from a time-stamping authority: the signing time is the server's own.")


@reports.command("letters")
@click.argument("round_id", type=int)
@click.option("--kind", type=click.Choice(["awareness", "dialogue"]), default="awareness", show_default=True,
              help="awareness: every tested party of the round; dialogue: the party of every case of the round.")
@click.option("--lang", type=click.Choice(["nl", "fr"]), default="nl", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="One PDF with every letter.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), help="One PDF per party.")
@click.option("--sent-on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Also record the letters as sent on this day (YYYY-MM-DD).")
def letters_command(round_id: int, kind: str, lang: str, output: Path | None, output_dir: Path | None,
                    sent_on) -> None:
    """Write the follow-up letters of ROUND_ID as one PDF (--output) or one per party (--output-dir); audited."""
    from sqlalchemy import select

    from praktijktest.followup.letters import (
        LetterError,
        audit_generation,
        awareness_letters,
        dialogue_letter,
        letters_pdf,
        record_sent,
    )
    from praktijktest.followup.models import FollowUpCase
    from praktijktest.rounds.materials import TemplateProblem
    from praktijktest.rounds.models import Round

    if (output is None) == (output_dir is None):
        click.echo("Error: give either --output FILE.pdf or --output-dir DIR", err=True)
        sys.exit(2)
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        click.echo(f"Error: there is no round {round_id}", err=True)
        sys.exit(2)
    try:
        if kind == "awareness":
            letters, cases = awareness_letters(round_, lang), [None]
        else:
            cases = list(db.session.scalars(select(FollowUpCase).where(FollowUpCase.round_id == round_id)
                                            .order_by(FollowUpCase.id)))
            if not cases:
                raise LetterError(f"round {round_id} has no follow-up case")
            letters = [dialogue_letter(case, lang) for case in cases]
        if sent_on and sent_on.date() > date.today():
            raise LetterError("the date cannot be in the future")
    except (LetterError, TemplateProblem) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    if output is not None:
        output.write_bytes(letters_pdf(round_, letters))
    else:
        from praktijktest.file_names import _safe

        output_dir.mkdir(parents=True, exist_ok=True)
        with _progress(len(letters), f"Letters of round {round_id}") as bar:
            for letter in letters:
                path = output_dir / _safe(f"{kind}-{round_id}-{letter.target.code}-{lang}", "pdf")
                path.write_bytes(letters_pdf(round_, [letter]))
                bar.update(1)
    audit_generation(round_, kind, letters)
    if sent_on:
        if kind == "awareness":
            record_sent(round_, letters, kind, sent_on.date())
        else:
            for case, letter in zip(cases, letters, strict=True):
                record_sent(round_, [letter], kind, sent_on.date(), case=case)
    db.session.commit()
    where = output if output is not None else output_dir
    recorded = f", recorded as sent on {sent_on.date().isoformat()}" if sent_on else ""
    click.echo(f"Wrote {len(letters)} {kind} letter(s) of round {round_id} ({lang}) to {where}{recorded}.")
