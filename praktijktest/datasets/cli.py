"""`flask --app wsgi rounds import|analyse|export|list`: rounds in and out from the command line.

The command line runs with the operator's rights: it shows target names as
imported unless `--pseudonymise` is given. Problems with the input exit
with status 2 and name the line and column of each.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Test
from praktijktest.organisations.models import Organisation
from praktijktest.organisations.services import find_organisation
from praktijktest.rounds.models import OUTCOMES, Ground, Market, Round, RoundGround, RoundTarget
from praktijktest.tabular import MAX_REPORTED_PROBLEMS, FileRejected

from .adapter import AnalysisInputError, analyse, load_round
from .document import analysis_document, analysis_text
from .exporter import FORMATS, start_export, write_export
from .importer import ImportRequest, check_file, import_plan

INPUT_ERROR = 2

rounds = AppGroup("rounds", help="Import finished rounds from a spreadsheet, analyse rounds, export their data.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(INPUT_ERROR)


def _outcomes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    values = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [v for v in values if v not in OUTCOMES]
    if unknown or not values:
        raise click.BadParameter(f"use some of {', '.join(OUTCOMES)}, separated by commas", param_hint="--positive")
    return values


def _is_terminal() -> bool:
    return sys.stdout.isatty() and sys.stderr.isatty()


@rounds.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_name", required=True,
              help="The organisation (municipality or partnership) the round belongs to.")
@click.option("--name", "title", required=True, help="A name for the round, e.g. 'Labour market 2024'.")
@click.option("--market", type=click.Choice([m.value for m in Market]), required=True,
              help="labour: employers and vacancies; housing: landlords, agencies and rental ads.")
@click.option("--ground", type=click.Choice([g.value for g in Ground]), required=True,
              help="The discrimination ground the groups differ on, e.g. origin or age.")
@click.option("--reference", required=True,
              help="The group the others are compared with, exactly as written in the 'group' column.")
@click.option("--positive", default=",".join(("invitation", "information_request")), show_default=True,
              help="Outcomes that count as a positive response, separated by commas.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints one object with the new round's id and what was created.")
def import_command(file: Path, org_name: str, title: str, market: str, ground: str, reference: str,
                   positive: str, fmt: str) -> None:
    """Import a finished round from FILE (CSV or XLSX, one row per application).

    The whole file is checked first; if anything is wrong, nothing is
    imported and every problem is listed with its line and column. See
    docs/data-format.md for the columns.
    """
    organisation = find_organisation(org_name)
    if organisation is None:
        _fail(f"there is no organisation named {org_name!r}; 'flask --app wsgi orgs list' shows them")
    request = ImportRequest(organisation, title, market, ground, reference, _outcomes(positive), file.name)
    if _is_terminal():
        click.echo(f"Checking {file.name} ...", err=True)
    try:
        plan, preview = check_file(str(file), file.name, request)
    except FileRejected as rejected:
        _report_problems(rejected, fmt)
    with _progress(len(plan)) as bar:
        round_ = import_plan(plan, request, progress=bar.update)
    db.session.commit()
    summary = {"round_id": round_.id, "name": round_.title, "status": round_.status} | preview.to_dict()
    if fmt == "json":
        click.echo(json.dumps(summary))
        return
    click.echo(f"Imported round {round_.id} '{round_.title}': {preview.applications} applications in "
               f"{preview.tests} tests at {summary['targets']} targets ({preview.targets_new} new).")
    for warning in preview.warnings:
        click.echo(f"Warning: {warning}", err=True)


def _report_problems(rejected: FileRejected, fmt: str) -> None:
    problems = rejected.problems
    if fmt == "json":
        click.echo(json.dumps({"imported": False, "problem_count": len(problems),
                               "problems": [p.to_dict() for p in problems.items[:MAX_REPORTED_PROBLEMS]]}))
    click.echo(f"Nothing was imported: {len(problems)} problem(s) in the file.", err=True)
    click.echo(problems.report(), err=True)
    sys.exit(INPUT_ERROR)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


def _progress(total: int):
    """A progress bar on a terminal only: logs and pipes get no control characters."""
    if not _is_terminal():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit=" rows", desc="Importing", file=sys.stderr)


def _round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        _fail(f"there is no round {round_id}; 'flask --app wsgi rounds list' shows them")
    return round_


@rounds.command("analyse")
@click.argument("round_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json gives every figure (docs/analysis-output.md); text a summary to read.")
@click.option("--by", "by", multiple=True, metavar="ATTRIBUTE",
              help="Also break the results down by this column of the data, e.g. municipality (repeatable).")
@click.option("--fdr", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="False discovery rate for flagging targets, e.g. 0.05 (default: the round's own).")
@click.option("--positive", default=None, help="Outcomes that count as positive, separated by commas "
              "(default: the round's own).")
@click.option("--target-method", type=click.Choice(["exact", "krw"]), default="exact", show_default=True,
              help="exact: exact tests per target (few tests per target); krw: Kline-Rose-Walters estimates "
                   "(many tests per target).")
@click.option("--q-method", type=click.Choice(["bh", "storey"]), default="bh", show_default=True,
              help="bh: Benjamini-Hochberg q-values; storey: Storey's adaptive q-values (needs at least 50 "
                   "target comparisons; a deviation unless pre-registered).")
@click.option("--pseudonymise", is_flag=True, help="Show targets by their codes, as viewers see them.")
@click.option("--verified-only", is_flag=True, help="Only responses that were verified (second entry); 'no response' "
              "outcomes have nothing to verify and stay in. The output says how many responses were left out.")
@click.option("--store", is_flag=True, help="Store the result as an analysis snapshot (the round becomes analysed); "
              "options that differ from the pre-registration are recorded as deviations.")
def analyse_command(round_id: int, fmt: str, by: tuple[str, ...], fdr: float | None, positive: str | None,
                    target_method: str, q_method: str, pseudonymise: bool, verified_only: bool, store: bool) -> None:
    """Analyse round ROUND_ID: response rates per group, comparisons, and the evidence per target."""
    round_ = _round(round_id)
    outcomes = _outcomes(positive)
    if store:
        from praktijktest.results.cli import store_snapshot

        store_snapshot(round_, fmt, by=by, fdr=fdr, positive=outcomes,
                       target_method=target_method if target_method != "exact" else None,
                       q_method=q_method if q_method != "bh" else None, verified_only=verified_only)
        return
    if verified_only:
        from praktijktest.results.snapshots import uses_verification

        if not uses_verification(round_):
            _fail("no response of this round has been verified yet, so --verified-only leaves nothing to analyse")
    try:
        data = load_round(round_, by=by, pseudonymise=pseudonymise, verified_only=verified_only)
        result = analyse(round_, by=by, fdr=fdr, positive=outcomes, target_method=target_method,
                         q_method=q_method, data=data)
    except AnalysisInputError as error:
        _fail(str(error))
    doc = analysis_document(round_, result, outcomes, pseudonymise=pseudonymise, verified_only=verified_only,
                            loaded=data)
    click.echo(json.dumps(doc, allow_nan=False) if fmt == "json" else analysis_text(doc))


@rounds.command("export")
@click.argument("round_id", type=int)
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="csv", show_default=True,
              help="csv (UTF-8, commas) or xlsx (Excel).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The file to write.")
@click.option("--with-identities", is_flag=True,
              help="Name the tested employers and landlords instead of their codes. For coordinators only; "
                   "recorded in the audit log.")
def export_command(round_id: int, fmt: str, output: Path, with_identities: bool) -> None:
    """Write round ROUND_ID in the long format: one row per application, targets as codes by default."""
    round_ = _round(round_id)
    plan = start_export(round_, fmt, with_identities=with_identities)
    db.session.commit()  # the audit event
    with output.open("wb") as handle:  # streamed: memory does not grow with the round
        write_export(plan, fmt, handle)
    click.echo(f"Wrote {output} ({'with identities' if with_identities else 'pseudonymised'}).", err=True)


@rounds.command("list")
@click.option("--org", "org_name", default=None, help="Only this organisation's rounds (default: all).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_command(org_name: str | None, fmt: str) -> None:
    """List rounds with their market, ground, status and size."""
    query = select(Round).order_by(Round.id)
    if org_name is not None:
        organisation = find_organisation(org_name)
        if organisation is None:
            _fail(f"there is no organisation named {org_name!r}")
        query = query.where(Round.organisation_id == organisation.id)
    listed = [_round_summary(r) for r in db.session.scalars(query)]
    if fmt == "json":
        click.echo(json.dumps(listed))
        return
    for r in listed:
        click.echo(f"{r['id']}\t{r['name']}\t{r['organisation']}\t{r['market']}\t{r['ground']}\t{r['status']}\t"
                   f"{r['targets']} targets, {r['tests']} tests, {r['applications']} applications")


def _round_summary(round_: Round) -> dict:
    def count(query) -> int:
        return db.session.scalar(query) or 0

    return {
        "id": round_.id,
        "name": round_.title,
        "organisation": db.session.get(Organisation, round_.organisation_id).name,
        "market": round_.market,
        "ground": ", ".join(g.ground for g in db.session.scalars(
            select(RoundGround).where(RoundGround.round_id == round_.id))),
        "status": round_.status,
        "source": round_.source,
        "targets": count(select(func.count()).select_from(RoundTarget).where(RoundTarget.round_id == round_.id)),
        "tests": count(select(func.count()).select_from(Test).where(Test.round_id == round_.id)),
        "applications": count(select(func.count()).select_from(Application).join(Test)
                              .where(Test.round_id == round_.id)),
    }
