"""Sampling: reproducible from the seed, proportional per stratum, recent tests left out unless a retest."""
from __future__ import annotations

from datetime import timedelta

import pytest

from praktijktest.audit.models import AuditEvent
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Test
from praktijktest.rounds.models import RoundTarget
from praktijktest.rounds.services import GroundSpec, create_round
from praktijktest.targets.models import Target
from praktijktest.targets.sampling import SamplingError, allocate, draw_sample, stored_summary
from praktijktest.timeutil import utcnow
from tests.conftest import visible_text
from tests.targets.conftest import audit_events

SPEC = [GroundSpec("origin", "Belgisch", ["Marokkaans"])]


@pytest.fixture
def round_(org):
    return create_round(org, "Arbeidsmarkt 2026", "labour", SPEC)


@pytest.fixture
def registry(make_target, org):
    """60 employers in 3 sectors (30/20/10) over 2 municipalities, and 5 landlords."""
    first, second = org.municipalities
    targets = []
    for i, (sector, size) in enumerate([("Bouw", 30), ("Horeca", 20), ("Zorg", 10)]):
        for j in range(size):
            place = first if j % 2 else second
            targets.append(make_target(f"{sector} {j}", sector=sector, municipality_id=place.id,
                                       is_contractor=(i == 0 and j < 4)))
    for j in range(5):
        make_target(f"Verhuurder {j}", kind="landlord")
    return targets


def lock(round_) -> None:
    """Lock the round through the model's guarded transition (the pre-registration is not our concern here)."""
    round_.transition_to("ready")
    db.session.flush()


def drawn_ids(round_) -> list[int]:
    return sorted(db.session.scalars(db.select(RoundTarget.target_id).where(RoundTarget.round_id == round_.id)))


def test_largest_remainder_allocation_by_hand():
    # 10 over 30/20/10 of 60: quotas 5, 3.33, 1.67 -> floors 5, 3, 1; the one left goes to the largest remainder.
    assert allocate({"Bouw": 30, "Horeca": 20, "Zorg": 10}, 10) == {"Bouw": 5, "Horeca": 3, "Zorg": 2}
    # 7 over 5/5/4: quotas 2.5, 2.5, 2.0 -> floors 2, 2, 2; the tie goes by name.
    assert allocate({"B": 5, "A": 5, "C": 4}, 7) == {"A": 3, "B": 2, "C": 2}
    # 4 over 1/1/1/97: quotas 0.04 each and 3.88 -> 3 + the largest remainder (0.88).
    assert allocate({"a": 1, "b": 1, "c": 1, "d": 97}, 4) == {"a": 0, "b": 0, "c": 0, "d": 4}
    with pytest.raises(SamplingError):
        allocate({"a": 2}, 3)


def test_the_same_seed_gives_the_same_sample(round_, registry, org):
    other = create_round(org, "Kopie", "labour", SPEC)
    first = draw_sample(round_, 12, strata=("sector",), seed=20261126)
    second = draw_sample(other, 12, strata=("sector",), seed=20261126)
    assert drawn_ids(round_) == drawn_ids(other) == sorted(first.target_ids) == sorted(second.target_ids)
    third = draw_sample(other, 12, strata=("sector",), seed=1)
    assert sorted(third.target_ids) != sorted(first.target_ids)
    assert round_.sampling_seed == 20261126


def test_a_drawn_seed_is_stored_and_reproduces_the_sample(round_, registry, org):
    summary = draw_sample(round_, 9)
    assert round_.sampling_seed == summary.seed and 0 <= summary.seed < 2**31
    repeat = create_round(org, "Herhaling", "labour", SPEC)
    assert sorted(draw_sample(repeat, 9, seed=round_.sampling_seed).target_ids) == sorted(summary.target_ids)


def test_stratification_is_proportional_and_summarised(round_, registry):
    summary = draw_sample(round_, 12, strata=("sector",), seed=7)
    rows = {row.stratum: row for row in summary.rows}
    assert {key: row.sample for key, row in rows.items()} == {"Bouw": 6, "Horeca": 4, "Zorg": 2}
    assert rows["Bouw"].frame == 30 and rows["Bouw"].frame_share == pytest.approx(0.5)
    assert rows["Zorg"].sample_share == pytest.approx(2 / 12)
    assert summary.frame_size == 60  # the landlords are not in a labour round's frame
    strata = dict(db.session.execute(db.select(RoundTarget.target_id, RoundTarget.stratum)).all())
    assert sorted(strata.values()).count("Bouw") == 6
    assert stored_summary(round_) == summary
    assert round_.planning["sampling"]["rows"][0]["stratum"] == "Bouw"


def test_two_strata(round_, registry, org):
    summary = draw_sample(round_, 20, strata=("sector", "municipality"), seed=3)
    names = {m.name for m in org.municipalities}
    assert len(summary.rows) == 6 and all(row.stratum.split(" / ")[1] in names for row in summary.rows)
    assert sum(row.sample for row in summary.rows) == 20


def test_recently_tested_targets_are_left_out_unless_retest(round_, registry, org):
    earlier = create_round(org, "Vorige ronde", "labour", SPEC)
    old_round = create_round(org, "Oude ronde", "labour", SPEC)
    recent, long_ago = registry[:10], registry[10:20]
    for i, target in enumerate(recent):
        test = Test(round=earlier, target=target, external_id=f"r{i}")
        test.applications.append(Application(group=earlier.groups[0], sent_at=utcnow() - timedelta(days=60)))
        db.session.add(test)
    for i, target in enumerate(long_ago):
        test = Test(round=old_round, target=target, external_id=f"o{i}")
        test.applications.append(Application(group=old_round.groups[0], sent_at=utcnow() - timedelta(days=800)))
        db.session.add(test)
    db.session.flush()

    summary = draw_sample(round_, 50, seed=5, months_excluded=12)
    assert summary.excluded_recently_tested == 10 and summary.frame_size == 50
    assert not set(drawn_ids(round_)) & {t.id for t in recent}
    with pytest.raises(SamplingError, match="only 50"):
        draw_sample(round_, 51, seed=5, months_excluded=12)

    retest = draw_sample(round_, 60, seed=5, months_excluded=12, is_retest=True)
    assert retest.excluded_recently_tested == 0 and set(drawn_ids(round_)) >= {t.id for t in recent}
    assert round_.planning["sampling"]["is_retest"] is True
    assert draw_sample(round_, 40, seed=5, months_excluded=30).excluded_recently_tested == 20


def test_planned_tests_of_a_draft_round_do_not_count_but_a_finished_imported_round_does(round_, registry, org):
    planned = create_round(org, "Gepland", "labour", SPEC)
    imported = create_round(org, "Geïmporteerd", "labour", SPEC, status="analysed", source="import")
    db.session.add(Test(round=planned, target=registry[0], external_id="p"))
    db.session.add(Test(round=imported, target=registry[1], external_id="i"))
    db.session.flush()
    assert draw_sample(round_, 5, seed=1, months_excluded=6).excluded_recently_tested == 1


def test_filters_kind_and_contractors(round_, registry, org):
    assert draw_sample(round_, 4, seed=2, contractors_only=True).frame_size == 4
    housing = create_round(org, "Huisvesting", "housing", SPEC)
    assert draw_sample(housing, 5, seed=2).frame_size == 5  # landlords and agencies
    assert draw_sample(housing, 5, seed=2, kinds=["employer", "landlord"]).frame_size == 65


def test_within_round_municipalities(round_, registry, org):
    round_.municipalities = [org.municipalities[0]]
    db.session.flush()
    assert draw_sample(round_, 5, seed=2).frame_size == 30
    assert draw_sample(round_, 5, seed=2, within_round_municipalities=False).frame_size == 60


def test_redraw_replaces_the_sample_and_is_audited(round_, registry):
    draw_sample(round_, 10, seed=1)
    draw_sample(round_, 4, seed=2)
    assert len(drawn_ids(round_)) == 4
    events = audit_events("round.sample")
    assert len(events) == 2 and events[-1].changes["replaced_targets"] == 10
    assert events[-1].changes["sampling_seed"] == [1, 2]


def test_a_locked_round_or_one_with_tests_is_refused(round_, registry):
    db.session.add(Test(round=round_, target=registry[0], external_id="x"))
    db.session.flush()
    with pytest.raises(SamplingError, match="already has tests"):
        draw_sample(round_, 3, seed=1)
    lock(round_)
    with pytest.raises(SamplingError, match="locked"):
        draw_sample(round_, 3, seed=1)


def test_the_sample_page(client, coordinator, round_, registry):
    page = client.get(f"/rounds/{round_.id}/sample")
    assert page.status_code == 200 and 'checked id="employer" name="employer"' in page.get_data(as_text=True)
    response = client.post(f"/rounds/{round_.id}/sample", data={
        "size": "12", "by_sector": "y", "employer": "y", "months_excluded": "12", "seed": "42",
        "within_round_municipalities": "y"})
    assert response.status_code == 302
    text = visible_text(client.get(f"/rounds/{round_.id}/sample").get_data(as_text=True))
    assert "12 of 60 eligible targets drawn with seed 42" in text
    db.session.refresh(round_)
    assert round_.sampling_seed == 42 and len(drawn_ids(round_)) == 12
    # Coordinators check a sample by its names: each drawn target with its name and a link, audited.
    drawn = [db.session.get(Target, target_id) for target_id in drawn_ids(round_)]
    html = client.get(f"/rounds/{round_.id}/sample").get_data(as_text=True)
    assert all(f'href="/targets/{t.id}"' in html and t.name in html for t in drawn)
    views = db.session.scalars(db.select(AuditEvent).filter_by(action="target.identity_view")).all()
    assert any(event.changes == {"view": "sample", "count": 12} for event in views)


def test_the_sample_page_refuses_a_locked_round(client, coordinator, round_, registry):
    lock(round_)
    response = client.post(f"/rounds/{round_.id}/sample", data={"size": "3", "months_excluded": "0", "employer": "y"})
    assert response.status_code == 200 and drawn_ids(round_) == []
    assert "locked" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "tester", "admin"])
def test_only_coordinators_sample(client, login_as, round_, role):
    login_as(role)
    assert client.get(f"/rounds/{round_.id}/sample").status_code == 403
