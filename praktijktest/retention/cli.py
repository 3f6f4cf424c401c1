"""`flask --app wsgi retention apply [--dry-run]`: for a scheduler, nightly."""
from __future__ import annotations

import click
from flask.cli import AppGroup

retention = AppGroup("retention", help="Retention periods: delete what is kept longer than its period.")


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; change nothing.")
@click.option("--org", "org_id", type=int, default=None, help="Only this organisation (id).")
def apply_command(dry_run: bool, org_id: int | None) -> None:
    """Delete identities, evidence, listing snapshots and notes of rounds past their retention period;
    deactivate, then anonymise, tester accounts past theirs."""
    from praktijktest.extensions import db
    from praktijktest.retention.accounts import apply_accounts, plan_accounts
    from praktijktest.retention.deletion import apply, plan, remove_files

    items = plan(organisation_id=org_id)
    accounts = plan_accounts(organisation_id=org_id)
    for item in [*items, *accounts]:
        click.echo(item.line())
    due_accounts = sum(len(item.ids) for item in accounts)
    if dry_run:
        click.echo(f"Dry run: {len(items)} item(s) would be deleted and {due_accounts} tester account(s) "
                   "deactivated or anonymised; nothing changed.")
        return
    paths = apply(items)
    apply_accounts(accounts)
    db.session.commit()
    removed = remove_files(paths)
    click.echo(f"Deleted {len(items)} item(s); {removed} stored file(s) removed; {due_accounts} tester account(s) "
               "deactivated or anonymised.")
