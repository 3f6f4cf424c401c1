"""Command-line interface: `flask --app wsgi orgs|users|demo ...`."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from praktijktest.accounts.models import Role
from praktijktest.accounts.services import AccountError, create_user
from praktijktest.extensions import db
from praktijktest.organisations.models import OrganisationKind
from praktijktest.organisations.services import OrganisationError, create_organisation, find_organisation

# Commands that neither render a page nor build a link. A `flask` process started
# for one of them builds the app without its pages (wsgi.py): the analysis of a
# large round is a process a statistician runs over and over, and the pages'
# ~90 modules and ~110 routes were a tenth of its time.
COMMANDS_WITHOUT_PAGES = frozenset({("rounds", "analyse")})
_OPTIONS_WITH_VALUE = frozenset({"--app", "-A", "--env-file", "-e"})


def command_without_pages(argv: list[str]) -> bool:
    """Whether argv is `flask [options] GROUP COMMAND ...` for a command in COMMANDS_WITHOUT_PAGES.

    Anything else, a server (gunicorn, `flask run`) included, gets the whole app.
    """
    from pathlib import Path

    program = Path(argv[0]) if argv else Path()
    if not (program.name == "flask" or (program.name == "__main__.py" and program.parent.name == "flask")):
        return False
    words, skip = [], False
    for word in argv[1:]:
        if skip:
            skip = False
        elif word in _OPTIONS_WITH_VALUE:
            skip = True
        elif not word.startswith("-"):
            words.append(word)
            if len(words) == 2:
                break
    return tuple(words) in COMMANDS_WITHOUT_PAGES


orgs = AppGroup("orgs", help="Manage organisations (municipalities and partnerships).")
users = AppGroup("users", help="Manage user accounts.")


@orgs.command("create")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in OrganisationKind]),
    default=OrganisationKind.MUNICIPALITY.value,
    show_default=True,
    help="A single municipality, or a regional partnership of municipalities.",
)
@click.option("--member", "members", multiple=True, help="A member municipality of a partnership (repeat).")
def create_org(name: str, kind: str, members: tuple[str, ...]) -> None:
    """Create the organisation NAME."""
    try:
        organisation = create_organisation(name, kind, members)
    except OrganisationError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    covered = ", ".join(m.name for m in organisation.municipalities)
    click.echo(f"Created {organisation.kind} {organisation.name!r} (id {organisation.id}), covering {covered}.")


@orgs.command("list")
def list_orgs() -> None:
    """List the organisations and the municipalities they cover."""
    from sqlalchemy import select

    from praktijktest.organisations.models import Organisation

    for org in db.session.scalars(select(Organisation).order_by(Organisation.name)):
        click.echo(f"{org.id}\t{org.name}\t{org.kind}\t{', '.join(m.name for m in org.municipalities)}")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="What the user may do.")
@click.option("--org", "org_name", required=True, help="Name of the user's organisation.")
@click.option("--name", default=None, help="Full name (default: the part of EMAIL before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input, not the terminal.")
def create_user_command(email: str, role: str, org_name: str, name: str | None, password_stdin: bool) -> None:
    """Create an account for EMAIL; the password is asked for, or read from stdin."""
    organisation = find_organisation(org_name)
    if organisation is None:
        raise click.ClickException(f"No organisation named {org_name!r}; create it with 'orgs create'.")
    password = _read_password(password_stdin)
    try:
        user = create_user(email, name or email.split("@")[0], role, organisation, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} in {organisation.name}.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("demo")
def demo_command() -> None:
    """Load the demonstration organisation and accounts (not in production)."""
    from praktijktest.demo import DemoError, load_demo

    try:
        summary = load_demo()
    except DemoError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(summary)


def register_commands(app: Flask) -> None:
    from praktijktest.datasets.cli import rounds
    from praktijktest.fieldwork.cli import evidence, fieldwork
    from praktijktest.followup import cli as _followup_cli  # noqa: F401  (adds `reports dossier`)
    from praktijktest.maintenance import maintenance
    from praktijktest.results.cli import reports
    from praktijktest.retention.cli import retention
    from praktijktest.targets.cli import targets

    for command in (orgs, users, demo_command, targets, rounds, reports, evidence, fieldwork, maintenance,
                    retention):
        app.cli.add_command(command)
