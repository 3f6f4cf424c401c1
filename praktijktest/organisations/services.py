"""Organisation operations: create, rename, change member municipalities."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.organisations.models import Municipality, Organisation, OrganisationKind


class OrganisationError(ValueError):
    """A request about an organisation that cannot be carried out, with the reason."""


def find_organisation(name: str) -> Organisation | None:
    """The organisation with this name, case-insensitively."""
    return db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    )


def create_organisation(name: str, kind: str = OrganisationKind.MUNICIPALITY, members=()) -> Organisation:
    """A municipality covers itself; a partnership covers its member municipalities."""
    name = name.strip()
    if not name:
        raise OrganisationError(_("An organisation needs a name."))
    if find_organisation(name):
        raise OrganisationError(_("An organisation named %(name)s already exists.", name=name))
    members = _clean_members(name, kind, members)
    organisation = Organisation(name=name, kind=kind)
    organisation.municipalities = [Municipality(name=m) for m in members]
    db.session.add(organisation)
    db.session.flush()
    record(
        "organisation.create",
        organisation,
        summary=f"{name} ({kind})",
        changes={"municipalities": [None, members]},
        organisation_id=organisation.id,
    )
    return organisation


def update_organisation(organisation: Organisation, name: str, members, expected_version: int) -> Organisation:
    """Rename and set the member municipalities; a stale form is refused."""
    if expected_version != organisation.version:
        raise OrganisationError(
            _("Someone else changed this organisation in the meantime; reload the page and try again.")
        )
    name = name.strip()
    other = find_organisation(name)
    if other and other.id != organisation.id:
        raise OrganisationError(_("An organisation named %(name)s already exists.", name=name))
    members = _clean_members(name, organisation.kind, members)
    old_members = [m.name for m in organisation.municipalities]
    changes = {}
    if organisation.name != name:
        changes["name"] = [organisation.name, name]
        organisation.name = name
    if sorted(old_members) != sorted(members):
        changes["municipalities"] = [old_members, members]
        _replace_members(organisation, members)
    if changes:
        db.session.flush()
        record("organisation.update", organisation, summary=name, changes=changes)
    return organisation


def _replace_members(organisation: Organisation, members: list[str]) -> None:
    if not organisation.is_partnership and len(organisation.municipalities) == 1:
        organisation.municipalities[0].name = members[0]  # a renamed municipality stays the same row
        return
    keep = {m.name: m for m in organisation.municipalities}
    organisation.municipalities = [keep.get(m) or Municipality(name=m) for m in members]


def _clean_members(name: str, kind: str, members) -> list[str]:
    if kind not in set(OrganisationKind):
        raise OrganisationError(_("Unknown kind of organisation: %(kind)s.", kind=kind))
    cleaned = sorted({m.strip() for m in members if m and m.strip()})
    if kind == OrganisationKind.MUNICIPALITY:
        return [name]
    if len(cleaned) < 2:
        raise OrganisationError(_("A partnership needs at least two member municipalities."))
    return cleaned
