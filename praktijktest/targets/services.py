"""Target registry operations: create targets with their pseudonym code."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.targets.models import Target, TargetKind

# Unambiguous characters for pseudonyms read aloud or copied by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_PREFIX = {TargetKind.EMPLOYER: "W", TargetKind.LANDLORD: "V", TargetKind.AGENCY: "K"}


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


def create_target(organisation_id: int, name: str, kind: str = TargetKind.EMPLOYER, **fields) -> Target:
    """Add one target to the registry (audited without its identity)."""
    target = Target(
        organisation_id=organisation_id,
        code=new_target_codes(organisation_id, 1, kind)[0],
        name=name.strip(),
        kind=kind,
        **fields,
    )
    db.session.add(target)
    db.session.flush()
    record("target.create", target, summary=target.code, organisation_id=organisation_id)
    return target
