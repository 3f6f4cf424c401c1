"""Merging two targets that are one: tests, listings and round memberships move; audited."""
from __future__ import annotations

import pytest

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Test
from praktijktest.rounds.models import RoundTarget
from praktijktest.rounds.services import GroundSpec, create_round
from praktijktest.targets.models import Listing, Target
from praktijktest.targets.services import TargetError, merge_targets
from tests.targets.conftest import audit_events


@pytest.fixture
def rounds(org):
    spec = [GroundSpec("origin", "ref", ["other"])]
    return create_round(org, "R1", "labour", spec), create_round(org, "R2", "labour", spec)


def test_merge_moves_everything_and_deletes_the_duplicate(db, make_target, next_number, rounds):
    number = next_number()
    keep = make_target("Bakkerij Peeters")
    duplicate = make_target("Bakkerij Peeters BV", enterprise_number=number, sector="Voeding", address="Markt 1")
    r1, r2 = rounds
    db.session.add_all([
        Listing(target=duplicate, title="Verkoper"),
        Test(round=r1, target=duplicate, external_id="a"),
        RoundTarget(round_id=r1.id, target_id=duplicate.id, stratum="Voeding"),
        RoundTarget(round_id=r2.id, target_id=duplicate.id, stratum="Voeding"),
        RoundTarget(round_id=r2.id, target_id=keep.id, stratum="Onbekend"),  # both in R2: keep's stays
    ])
    db.session.flush()
    duplicate_id, duplicate_code = duplicate.id, duplicate.code

    merge_targets(keep, duplicate)

    assert db.session.get(Target, duplicate_id) is None
    assert [listing.title for listing in keep.listings] == ["Verkoper"]
    assert db.session.scalars(db.select(Test.target_id)).all() == [keep.id]
    memberships = db.session.execute(db.select(RoundTarget.round_id, RoundTarget.target_id, RoundTarget.stratum)
                                     .order_by(RoundTarget.round_id)).all()
    assert memberships == [(r1.id, keep.id, "Voeding"), (r2.id, keep.id, "Onbekend")]
    assert (keep.enterprise_number, keep.sector, keep.address, keep.name) == (number, "Voeding", "Markt 1",
                                                                             "Bakkerij Peeters")
    event = audit_events("target.merge")[-1]
    assert event.summary == f"{duplicate_code} -> {keep.code}"
    assert event.changes["moved"] == {"tests": 1, "listings": 1, "rounds": 1}
    assert "Peeters" not in str(event.changes)


def test_different_enterprise_numbers_are_not_merged(make_target, next_number):
    keep = make_target("A", enterprise_number=next_number())
    other = make_target("B", enterprise_number=next_number())
    with pytest.raises(TargetError, match="different enterprise numbers"):
        merge_targets(keep, other)


def test_a_target_is_not_merged_with_itself_or_another_organisation(make_target, other_org):
    keep = make_target("A")
    with pytest.raises(TargetError):
        merge_targets(keep, keep)
    with pytest.raises(TargetError):
        merge_targets(keep, make_target("B", organisation=other_org))


def test_merge_page_by_code_and_by_number(client, coordinator, make_target, next_number):
    number = next_number()
    keep = make_target("Houden")
    by_code = make_target("Weg 1")
    make_target("Weg 2", enterprise_number=number)
    response = client.post(f"/targets/{keep.id}/merge", data={"duplicate": by_code.code.lower(), "confirm": "y"})
    assert response.status_code == 302
    response = client.post(f"/targets/{keep.id}/merge", data={"duplicate": f"BE {number}", "confirm": "y"})
    assert response.status_code == 302
    remaining = db.session.scalars(db.select(Target.name).where(Target.organisation_id == keep.organisation_id))
    assert sorted(remaining) == ["Houden"]
    assert len(audit_events("target.merge")) == 2


def test_merge_page_needs_confirmation_and_a_known_target(client, coordinator, make_target):
    keep = make_target("Houden")
    other = make_target("Blijft ook")
    assert client.post(f"/targets/{keep.id}/merge", data={"duplicate": other.code}).status_code == 200
    response = client.post(f"/targets/{keep.id}/merge", data={"duplicate": "W-NONE", "confirm": "y"})
    assert "No other target" in response.get_data(as_text=True)
    assert db.session.get(Target, other.id) is not None
