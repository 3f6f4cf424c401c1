"""`flask --app wsgi retention apply [--dry-run]`: for a scheduler, nightly."""
from __future__ import annotations

import click
from flask.cli import AppGroup

retention = AppGroup("retention", help="Retention periods: delete what is kept longer than its period.")


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; change nothing.")
@click.option("--org", "org_id", type=int, default=None, help="Only this organisation (id).")
def apply_command(dry_run: bool, org_id: int | None) -> None:
    """Delete identities, evidence, listing snapshots and notes of rounds past their retention period."""
    from praktijktest.extensions import db
    from praktijktest.retention.deletion import apply, plan, remove_files

    items = plan(organisation_id=org_id)
    for item in items:
        click.echo(item.line())
    if dry_run:
        click.echo(f"Dry run: {len(items)} item(s) would be deleted; nothing changed.")
        return
    paths = apply(items)
    db.session.commit()
    removed = remove_files(paths)
    click.echo(f"Deleted {len(items)} item(s); {removed} stored file(s) removed.")
