"""Fieldwork fixtures: a round in fieldwork with a schedule, testers, and sample evidence files."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from praktijktest.extensions import db as _db
from praktijktest.fieldwork.models import Test
from praktijktest.rounds.materials import add_profile, add_template
from praktijktest.rounds.models import RoundStatus, RoundTarget
from praktijktest.rounds.services import GroundSpec, create_round
from praktijktest.schedule.services import ScheduleSettings, generate_schedule
from praktijktest.targets.models import Listing
from praktijktest.targets.services import create_target
from praktijktest.timeutil import utcnow

EML = (b"From: Verhuurder <verhuur@example.invalid>\r\nTo: lotte@demo.example\r\n"
       b"Date: Tue, 01 Dec 2026 10:15:00 +0100\r\nSubject: Uitnodiging voor een bezoek\r\n\r\nKom gerust kijken.\r\n")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def english(request):
    """Pages in English, the source language the assertions are written in."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").post("/language", data={"locale": "en"})


@pytest.fixture
def fieldwork_round(db, org, make_user) -> Callable:
    """Factory: a housing round in fieldwork, scheduled from today, every test given to `tester`."""

    def make(tests=2, tester=None, with_listing=True, organisation=None):
        organisation = organisation or org
        tester = tester or make_user("tester", organisation)
        round_ = create_round(organisation, "Huurronde", "housing",
                              [GroundSpec("origin", "Belgische naam", ["Turkse naam"])], response_window_days=14)
        add_profile(round_, round_.groups[0], "Lotte Wouters", email="lotte@demo.example", phone="+32 470 00 00 01")
        add_profile(round_, round_.groups[1], "Elif Yilmaz", email="elif@demo.example", phone="+32 470 00 00 02",
                    attributes={"language": "fr"})
        add_template(round_, "Vraag A", "Huurwoning {{ listing.title }}", "Goedendag,\n{{ profile.name }}")
        add_template(round_, "Vraag B", "Interesse {{ listing.title }}", "Beste,\n{{ profile.name }}")
        for number in range(tests):
            target = create_target(organisation.id, f"Verhuurder {number}")
            if with_listing:
                _db.session.add(Listing(target=target, title=f"Appartement {number}"))
            _db.session.add(RoundTarget(round_id=round_.id, target_id=target.id))
        _db.session.flush()
        start = date.today() - timedelta(days=7)
        generate_schedule(round_, ScheduleSettings(start, lag_min=1, lag_max=1, tests_per_day=tests, seed=1))
        for test in _db.session.scalars(_db.select(Test).where(Test.round_id == round_.id)):
            test.tester_id = tester.id
        round_.status = RoundStatus.FIELDWORK
        _db.session.flush()
        return round_

    return make


def round_tests(round_) -> list[Test]:
    return list(_db.session.scalars(_db.select(Test).where(Test.round_id == round_.id).order_by(Test.external_id)))


def now():
    return utcnow()
