"""`flask --app wsgi targets import FILE --org NAME`: import a target registry file.

Exit code 2 and the list of problems (`line N, column C: ...`) on standard
error when the file has any; nothing is written then.
"""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from praktijktest.extensions import db
from praktijktest.organisations.services import find_organisation
from praktijktest.tabular import FileRejected, read_table
from praktijktest.targets.importing import apply_plan, plan_import

targets = AppGroup("targets", help="Manage the target registry (employers, landlords, agencies).")


@targets.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "org_name", required=True, help="Name of the organisation whose registry receives the targets.")
@click.option("--dry-run", is_flag=True, help="Only validate and say what would happen.")
def import_command(file: str, org_name: str, dry_run: bool) -> None:
    """Import targets from FILE (CSV or XLSX; see docs/data-format.md): all rows or none."""
    organisation = find_organisation(org_name)
    if organisation is None:
        raise click.ClickException(f"No organisation named {org_name!r}.")
    try:
        plan = plan_import(organisation, read_table(file))
    except FileRejected as error:
        click.echo(f"{file}: {len(error.problems)} problem(s); nothing was imported.", err=True)
        click.echo(error.problems.report(), err=True)
        sys.exit(2)
    if dry_run:
        click.echo(f"{file}: valid; would create {plan.created} and update {plan.updated} targets.")
        return
    result = apply_plan(organisation, plan)
    db.session.commit()
    click.echo(f"{file}: {result.summary()} in {organisation.name}.")
