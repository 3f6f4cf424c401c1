"""`reports dossier ROUND_ID TARGET_CODE --output FILE.pdf`: the confidential dossier from the command line."""
from __future__ import annotations

import sys
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


@reports.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(pdf: Path) -> None:
    """Re-hash every evidence file embedded in a dossier PDF; exit 1 naming each mismatch."""
    from praktijktest.followup.dossier import verify_dossier

    try:
        problems = verify_dossier(pdf.read_bytes())
    except Exception as error:  # noqa: BLE001  (a damaged file is a failed check, reported as such)
        click.echo(f"Error: {pdf} cannot be read as a PDF: {error}", err=True)
        sys.exit(1)
    for problem in problems:
        click.echo(f"Mismatch: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{pdf}: every embedded evidence file matches its SHA-256 hash.")
