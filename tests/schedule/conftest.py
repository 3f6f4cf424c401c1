"""Factories for schedule tests: a round with profiles, templates, sampled targets and testers."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from praktijktest.extensions import db as _db
from praktijktest.rounds.models import Profile, RoundTarget, Template
from praktijktest.rounds.services import GroundSpec, create_round
from praktijktest.targets.models import Listing
from praktijktest.targets.services import create_target

NAMES = (
    ("Thomas Peeters", "Pieter Janssens", "Jan Maes"),
    ("Mohamed El Amrani", "Youssef Benali", "Karim Bouzid"),
)


@pytest.fixture
def planned_round(db, org, make_user) -> Callable:
    """Factory: a labour round of `org` ready to be scheduled."""

    def make(targets=10, listings=1, profiles=(1, 1), templates=2, testers=3, organisation=None):
        organisation = organisation or org
        round_ = create_round(
            organisation, "Ronde planning", "labour", [GroundSpec("origin", "Belgische naam", ["Maghrebijnse naam"])]
        )
        for group, count, names in zip(round_.groups, profiles, NAMES, strict=True):
            for name in names[:count]:
                _db.session.add(Profile(round_id=round_.id, group_id=group.id, name=name, attributes={}))
        for i in range(templates):
            _db.session.add(Template(round_id=round_.id, name=f"Sjabloon {chr(65 + i)}", body="Beste"))
        for t in range(targets):
            target = create_target(organisation.id, f"Werkgever {t}")
            for j in range(listings):
                _db.session.add(Listing(target=target, title=f"Vacature {t}.{j}"))
            _db.session.add(RoundTarget(round_id=round_.id, target_id=target.id))
        for _ in range(testers):
            make_user("tester", organisation)
        _db.session.flush()
        return round_

    return make
