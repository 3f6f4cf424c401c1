"""Rounds fixtures: a draft round, and one complete enough to lock."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from praktijktest.extensions import db as _db
from praktijktest.rounds.materials import add_profile, add_template
from praktijktest.rounds.models import RoundTarget
from praktijktest.rounds.planning import save_planning
from praktijktest.rounds.services import GroundSpec, create_round

LETTER = "Geachte,\n\nIk solliciteer voor {{ listing.title }}.\n\nMet vriendelijke groet,\n{{ profile.name }}"


@pytest.fixture(autouse=True)
def english(request):
    """Pages in English, the source language the assertions are written in (Dutch is the default)."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").post("/language", data={"locale": "en"})


@pytest.fixture
def make_round(db, org) -> Callable:
    """Factory: a draft labour round on origin (reference 'Belgisch', other 'Marokkaans')."""

    def make(organisation=None, **fields):
        fields.setdefault("planned_tests_per_target", 10)
        fields.setdefault("protocol", "Twee kandidaten solliciteren op elke vacature.")
        return create_round(organisation or org, fields.pop("title", "Arbeidsmarkt 2026"), "labour",
                            fields.pop("grounds", [GroundSpec("origin", "Belgisch", ["Marokkaans"])]), **fields)

    return make


@pytest.fixture
def draw_sample(db) -> Callable:
    """Put `n` new targets into a round's sample (what the sampling page does, without the draw)."""
    from praktijktest.targets.services import create_target

    def draw(round_, n: int) -> list:
        targets = [create_target(round_.organisation_id, f"Werkgever {i} BV") for i in range(n)]
        _db.session.add_all(RoundTarget(round_id=round_.id, target_id=t.id) for t in targets)
        _db.session.flush()
        return targets

    return draw


@pytest.fixture
def complete_round(make_round, draw_sample) -> Callable:
    """Factory: a draft round with profiles, templates, a sample and saved planning: it can be locked."""

    def make(targets: int = 20, planning: dict | None = None, **fields):
        round_ = make_round(**fields)
        draw_sample(round_, targets)
        for group in round_.groups:
            add_profile(round_, group, f"Kandidaat {group.label}", email=f"{group.label.lower()}@example.test",
                        attributes={"age": "29"})
        for name in ("A", "B"):
            add_template(round_, f"Versie {name}", "Sollicitatie {{ listing.title }}", LETTER)
        save_planning(round_, planning or {"reference_rate": 0.4, "other_rate": 0.25, "discordance": None,
                                           "alpha": 0.05, "power": 0.8, "targets": targets})
        return round_

    return make
