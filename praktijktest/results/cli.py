"""Command-line side of snapshots: `rounds analyse --store` and `reports round`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from praktijktest.extensions import db

reports = AppGroup("reports", help="Generate reports (PDF) from stored analyses.")


def _echo_snapshot(snapshot, round_, fmt: str, made: bool) -> None:
    if fmt == "json":
        click.echo(json.dumps({"round_id": round_.id, "snapshot_id": snapshot.id, "sha256": snapshot.sha256,
                               "input_sha256": snapshot.input_sha256, "status": round_.status,
                               "deviations": snapshot.deviations, "parameters": snapshot.parameters}))
        return
    click.echo(f"{'Stored' if made else 'Using'} analysis snapshot {snapshot.id} of round {round_.id}: "
               f"sha256 {snapshot.sha256}, data sha256 {snapshot.input_sha256}, {snapshot.applications} applications; "
               f"round status {round_.status}.")
    if (snapshot.parameters or {}).get("verified_only"):
        click.echo(f"Verified responses only: {snapshot.parameters.get('responses_left_out', 0)} responses not yet "
                   "verified were left out.")
    for deviation in snapshot.deviations or []:
        click.echo(f"Deviation from the pre-registration: {json.dumps(deviation)}", err=True)


def store_snapshot(round_, fmt: str, *, by, fdr, positive, target_method, q_method=None,
                   verified_only: bool = False) -> None:
    """`rounds analyse ROUND_ID --store`: run, store, commit, print the hashes."""
    from praktijktest.results.snapshots import AnalysisError, RunRequest, run_analysis

    request = RunRequest(positive=tuple(positive) if positive else None, fdr=fdr, target_method=target_method,
                         q_method=q_method, by=tuple(by) if by else None, verified_only=verified_only)
    try:
        snapshot = run_analysis(round_, None, request)
    except AnalysisError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    db.session.commit()
    _echo_snapshot(snapshot, round_, fmt, True)


@reports.command("round")
@click.argument("round_id", type=int)
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The PDF file to write.")
@click.option("--lang", type=click.Choice(["nl", "fr", "en"]), default="nl", show_default=True,
              help="Language of the report.")
def round_report_command(round_id: int, output: Path, lang: str) -> None:
    """Write the round report of ROUND_ID from its latest analysis snapshot (made first if there is none)."""
    from praktijktest.reports.round_report import generate_round_report
    from praktijktest.results.snapshots import AnalysisError, latest_snapshot, run_analysis
    from praktijktest.rounds.models import Round

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        click.echo(f"Error: there is no round {round_id}; 'flask --app wsgi rounds list' shows them", err=True)
        sys.exit(2)
    snapshot = latest_snapshot(round_)
    if snapshot is None:
        click.echo(f"Round {round_id} had no stored analysis: analysing it first.", err=True)
        try:
            snapshot = run_analysis(round_, None)
        except AnalysisError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)
    # A request context, so that the report's language can be forced (the command line is English otherwise).
    with current_app.test_request_context():
        data = generate_round_report(round_, snapshot, None, lang)
    db.session.commit()
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({lang}) from snapshot {snapshot.sha256}.")
