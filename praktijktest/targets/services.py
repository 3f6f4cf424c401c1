"""Target registry operations: create, update and merge targets, with their pseudonym code.

Every write is audited by code, never by name. The enterprise number
(KBO/BCE) identifies an enterprise: a second target with the same number in
one organisation is refused (DuplicateTarget names the existing one), and
two targets that turn out to be one are merged with `merge_targets`.
"""
from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from praktijktest.audit.services import diff, record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Test
from praktijktest.organisations.models import Municipality
from praktijktest.rounds.models import RoundTarget
from praktijktest.targets.kbo import InvalidEnterpriseNumber, normalise_enterprise_number
from praktijktest.targets.models import Target, TargetKind

# Unambiguous characters for pseudonyms read aloud or copied by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_PREFIX = {TargetKind.EMPLOYER: "W", TargetKind.LANDLORD: "V", TargetKind.AGENCY: "K"}
# The fields a coordinator edits; `municipality` (a name) is resolved to one of
# the organisation's municipalities or kept as free text.
EDITABLE_FIELDS = (
    "name", "kind", "enterprise_number", "nace_code", "sector", "municipality_id", "municipality_name",
    "address", "contact", "is_contractor", "contract_reference",
)
MAX_LENGTHS = {"name": 300, "sector": 200, "municipality_name": 200, "contract_reference": 200}
# NACE-BEL: division 56, group 56.1, class 56.10, subclass 56.101 (Statbel, NACE-BEL 2008).
NACE_PATTERN = re.compile(r"^\d{2}(\.?\d{1,3})?$")


class TargetError(ValueError):
    """A target cannot be created or changed as asked, with the reason."""


class DuplicateTarget(TargetError):
    """Another target of the organisation has the same enterprise number."""

    def __init__(self, message: str, existing: Target):
        super().__init__(message)
        self.existing = existing


def new_target_codes(organisation_id: int, count: int, kind: str = TargetKind.EMPLOYER) -> list[str]:
    """`count` fresh pseudonyms, unique in the organisation; random, so they reveal no order."""
    taken = set(db.session.scalars(select(Target.code).where(Target.organisation_id == organisation_id)))
    codes: list[str] = []
    length = 4 if len(taken) + count < 20_000 else 6
    while len(codes) < count:
        code = f"{CODE_PREFIX.get(kind, 'T')}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if code not in taken:
            taken.add(code)
            codes.append(code)
    return codes


def enterprise_number_problem(value: str) -> str | None:
    """Why `value` is not a valid KBO/BCE number, in the user's language; None if it is."""
    try:
        normalise_enterprise_number(value)
    except InvalidEnterpriseNumber as error:
        return {
            "characters": _("an enterprise number has only digits (dots, spaces and BE are allowed)"),
            "length": _("an enterprise number has 10 digits"),
            "first_digit": _("an enterprise number starts with 0 or 1"),
            "check": _("the enterprise number fails the check (mod 97): a digit is wrong"),
        }[error.reason]
    return None


def normalise_nace(value: str | None) -> str | None:
    """A NACE-BEL code written as 56, 56.1, 56.10 or 56.101 (dots optional); TargetError otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    if not NACE_PATTERN.match(value):
        raise TargetError(_("A NACE code has 2 to 5 digits, like 56.101."))
    digits = value.replace(".", "")
    return digits if len(digits) == 2 else f"{digits[:2]}.{digits[2:]}"


def resolve_municipality(organisation_id: int, name: str | None) -> tuple[int | None, str | None]:
    """(municipality id, None) for one of the organisation's municipalities, else (None, free text)."""
    name = (name or "").strip()
    if not name:
        return None, None
    found = db.session.scalar(
        select(Municipality.id).where(
            Municipality.organisation_id == organisation_id, func.lower(Municipality.name) == name.lower()
        )
    )
    return (found, None) if found else (None, name)


def find_by_enterprise_number(organisation_id: int, digits: str, exclude_id: int | None = None) -> Target | None:
    """The organisation's target with this (normalised) enterprise number, if any."""
    query = select(Target).where(Target.organisation_id == organisation_id, Target.enterprise_number == digits)
    if exclude_id is not None:
        query = query.where(Target.id != exclude_id)
    return db.session.scalars(query.order_by(Target.id)).first()


def clean_fields(organisation_id: int, fields: dict, exclude_id: int | None = None) -> dict:
    """Validate and normalise target fields; raises TargetError (DuplicateTarget for a known number)."""
    fields = dict(fields)
    if "municipality" in fields:
        fields["municipality_id"], fields["municipality_name"] = resolve_municipality(
            organisation_id, fields.pop("municipality")
        )
    for key in ("name", "sector", "municipality_name", "address", "contact", "contract_reference"):
        if key in fields:
            fields[key] = (fields[key] or "").strip() or None
    if "name" in fields and not fields["name"]:
        raise TargetError(_("A target needs a name."))
    if "kind" in fields and fields["kind"] not in set(TargetKind):
        raise TargetError(_("Unknown kind %(kind)s; choose employer, landlord or agency.", kind=fields["kind"]))
    for key, limit in MAX_LENGTHS.items():
        if len(fields.get(key) or "") > limit:
            raise TargetError(_("%(field)s is longer than %(limit)d characters.", field=key, limit=limit))
    if "nace_code" in fields:
        fields["nace_code"] = normalise_nace(fields["nace_code"])
    if fields.get("municipality_id") is not None:
        _check_municipality(organisation_id, fields["municipality_id"])
    if fields.get("enterprise_number"):
        fields["enterprise_number"] = _clean_enterprise_number(organisation_id, fields["enterprise_number"], exclude_id)
    elif "enterprise_number" in fields:
        fields["enterprise_number"] = None
    if "is_contractor" in fields:
        fields["is_contractor"] = bool(fields["is_contractor"])
        if not fields["is_contractor"]:
            fields["contract_reference"] = None
    return fields


def _clean_enterprise_number(organisation_id: int, value: str, exclude_id: int | None) -> str:
    problem = enterprise_number_problem(value)
    if problem:
        raise TargetError(problem)
    digits = normalise_enterprise_number(value)
    existing = find_by_enterprise_number(organisation_id, digits, exclude_id)
    if existing:
        raise DuplicateTarget(
            _("Target %(code)s already has this enterprise number; edit or merge that one.", code=existing.code),
            existing,
        )
    return digits


def _check_municipality(organisation_id: int, municipality_id: int) -> None:
    municipality = db.session.get(Municipality, municipality_id)
    if municipality is None or municipality.organisation_id != organisation_id:
        raise TargetError(_("Choose one of the organisation's municipalities."))


def create_target(organisation_id: int, name: str, kind: str = TargetKind.EMPLOYER, **fields) -> Target:
    """Add one target to the registry after validating it (audited by code only).

    `fields` are Target columns, or `municipality` as a name; raises
    TargetError, or DuplicateTarget when the enterprise number is known.
    """
    cleaned = clean_fields(organisation_id, {"name": name, "kind": kind, **fields})
    target = Target(organisation_id=organisation_id, code=new_target_codes(organisation_id, 1, kind)[0], **cleaned)
    db.session.add(target)
    db.session.flush()
    record("target.create", target, summary=target.code, organisation_id=organisation_id)
    return target


def update_target(target: Target, expected_version: int | None, **fields) -> Target:
    """Change a target's fields; a stale form (other version) is refused. Audited by field name."""
    if expected_version != target.version:
        raise TargetError(_("Someone else changed this target in the meantime; reload the page and try again."))
    cleaned = clean_fields(target.organisation_id, fields, exclude_id=target.id)
    changes = diff(target, cleaned)
    if not changes:
        return target
    for key, value in cleaned.items():
        setattr(target, key, value)
    db.session.flush()
    # The values may identify a person: the log names the fields, not their contents.
    record("target.update", target, summary=target.code, changes={key: "changed" for key in changes})
    return target


def merge_targets(keep: Target, duplicate: Target) -> Target:
    """Merge `duplicate` into `keep`: its tests, listings and round memberships move, it is deleted.

    Empty fields of `keep` are filled from `duplicate`. Two different
    enterprise numbers mean two enterprises: refused.
    """
    if keep.id == duplicate.id or keep.organisation_id != duplicate.organisation_id:
        raise TargetError(_("Choose another target of the same organisation to merge."))
    numbers = {keep.enterprise_number, duplicate.enterprise_number} - {None}
    if len(numbers) > 1:
        raise TargetError(_("The two targets have different enterprise numbers: they are different enterprises."))
    moved = {
        "tests": db.session.execute(
            update(Test).where(Test.target_id == duplicate.id).values(target_id=keep.id),
            execution_options={"synchronize_session": "fetch"},
        ).rowcount,
        "listings": len(duplicate.listings),
        "rounds": _move_round_memberships(keep, duplicate),
    }
    for listing in list(duplicate.listings):
        listing.target = keep
    _move_mail_senders(keep, duplicate)
    filled = [key for key in EDITABLE_FIELDS if getattr(keep, key) in (None, "") and getattr(duplicate, key)]
    values = {key: getattr(duplicate, key) for key in filled}
    duplicate_code, duplicate_id = duplicate.code, duplicate.id
    db.session.delete(duplicate)
    db.session.flush()
    for key, value in values.items():
        setattr(keep, key, value)
    db.session.flush()
    record(
        "target.merge",
        keep,
        summary=f"{duplicate_code} -> {keep.code}",
        changes={"merged_target": [duplicate_id, None], "moved": moved, "filled_fields": filled},
    )
    return keep


def _move_round_memberships(keep: Target, duplicate: Target) -> int:
    kept_rounds = set(db.session.scalars(select(RoundTarget.round_id).where(RoundTarget.target_id == keep.id)))
    moved = 0
    for membership in db.session.scalars(select(RoundTarget).where(RoundTarget.target_id == duplicate.id)).all():
        if membership.round_id not in kept_rounds:
            db.session.add(RoundTarget(
                round_id=membership.round_id, target_id=keep.id, stratum=membership.stratum,
                drawn_at=membership.drawn_at,
            ))
            moved += 1
        db.session.delete(membership)
    db.session.flush()
    return moved


def _move_mail_senders(keep: Target, duplicate: Target) -> None:
    """Sender addresses learned for the duplicate (mailboxes) now belong to the kept target."""
    from praktijktest.mailboxes.models import TargetMailSender

    kept = select(TargetMailSender.value).where(TargetMailSender.target_id == keep.id)
    db.session.execute(delete(TargetMailSender).where(TargetMailSender.target_id == duplicate.id,
                                                      TargetMailSender.value.in_(kept)))
    db.session.execute(update(TargetMailSender).where(TargetMailSender.target_id == duplicate.id)
                       .values(target_id=keep.id))


def record_identity_view(targets: list[Target], view: str, organisation_id: int | None = None) -> None:
    """Log that the current user saw these targets' identities (codes only, never names)."""
    if not targets:
        return
    obj = targets[0] if len(targets) == 1 else None
    record(
        "target.identity_view",
        obj,
        summary=", ".join(t.code for t in targets),
        changes={"view": view, "count": len(targets)},
        organisation_id=organisation_id or targets[0].organisation_id,
    )
