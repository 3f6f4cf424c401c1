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
@click.option("--cert", "cert_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The seal certificate (PEM) to check against; default: the configured one.")
def verify_command(pdf: Path, cert_file: Path | None) -> None:
    """Check a dossier's seal and re-hash every embedded evidence file; exit 1 naming each failure."""
    from praktijktest.followup.dossier import verify_dossier
    from praktijktest.followup.seal import SealError, load_certificate

    try:
        certificate = load_certificate(cert_file) if cert_file else None
        problems = verify_dossier(pdf.read_bytes(), certificate)
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
