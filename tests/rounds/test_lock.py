"""Locking: the design must be complete, the PDF pre-registers protocol and hash, nothing changes after."""
from __future__ import annotations

import hashlib
import json

import pytest

from praktijktest.audit.models import AuditEvent
from praktijktest.evidence_store import read_bytes
from praktijktest.rounds.materials import add_template, delete_template, round_profiles, round_templates, update_profile
from praktijktest.rounds.models import Profile, Round
from praktijktest.rounds.planning import save_planning
from praktijktest.rounds.preregistration import (
    canonical_bytes,
    canonical_design,
    design_sha256,
    lock_problems,
    lock_round,
)
from praktijktest.rounds.services import GroundSpec, RoundError, copy_round, update_round
from tests.rounds.conftest import LETTER
from tests.rounds.util import fresh, pdf_text

PROTOCOL = ("Elke vacature krijgt twee sollicitaties, 1 tot 3 werkdagen na elkaar.\n"
            "Uitnodigingen worden binnen een dag afgezegd.")


def _design_kwargs(round_, **changes):
    values = {"title": round_.title, "grounds": [GroundSpec("origin", "Belgisch", ["Marokkaans"])],
              "positive_outcomes": list(round_.positive_outcomes)}
    return values | changes


def test_lock_writes_a_pdf_with_protocol_and_hash(app, db, complete_round):
    round_ = complete_round(protocol=PROTOCOL)
    with app.test_request_context():
        lock_round(round_, awareness_confirmed=True)
    assert round_.status == "ready" and round_.locked_at is not None
    assert round_.protocol_sha256 == design_sha256(round_)
    text = pdf_text(read_bytes(round_.preregistration_path))
    assert "Uitnodigingen worden binnen een dag afgezegd." in text
    assert round_.protocol_sha256 in text.replace("\n", "")
    assert "sort_keys=True" in text  # the PDF says exactly what is hashed
    event = db.session.query(AuditEvent).filter_by(action="round.lock", object_id=str(round_.id)).one()
    assert event.changes["protocol_sha256"] == [None, round_.protocol_sha256]


def test_the_pre_registration_prints_the_retention_periods_in_force(app, db, complete_round):
    from praktijktest.retention.periods import KINDS, fingerprint, periods_for, save_periods

    round_ = complete_round(protocol=PROTOCOL)
    periods = periods_for(round_.organisation_id)
    values = {kind: (p.months, p.legal_basis) for kind, p in periods.items()}
    values["evidence"] = (37, "Bewaard tot de verjaring van de strafvordering (gemeenteraadsbesluit 2026/14).")
    save_periods(round_.organisation_id, values, fingerprint(periods), None)
    with app.test_request_context():
        lock_round(round_, awareness_confirmed=True)
    text = " ".join(pdf_text(read_bytes(round_.preregistration_path)).split())
    assert "Bewaard tot de verjaring van de strafvordering (gemeenteraadsbesluit 2026/14)." in text
    assert "37" in text and "Accountability (art. 5.2)" in text  # the own period and a default one
    stored = round_.planning["preregistration"]["retention"]
    assert set(stored) == set(KINDS) and stored["evidence"]["months"] == 37 and stored["audit_log"]["months"] == 60
    # Printed, not hashed: the periods are not part of the design, so a copied round keeps its hash.
    assert "retention" not in canonical_design(round_) and round_.protocol_sha256 == design_sha256(round_)


def test_the_hash_is_the_sha256_of_the_design_written_out_by_hand(complete_round):
    # The design of `complete_round`, written from the fixture's inputs (tests/rounds/conftest.py),
    # hashed as the PDF tells a reader to: nothing here comes from canonical_design.
    round_ = complete_round()
    subject = "Sollicitatie {{ listing.title }}"
    template_hash = hashlib.sha256(f"{subject}\n{LETTER}".encode()).hexdigest()
    design = {
        "format": "praktijktest-preregistration/1",
        "market": "labour",
        "test_type": "correspondence",
        "grounds": [{"ground": "origin", "description": "", "reference_group": "Belgisch",
                     "other_groups": ["Marokkaans"]}],
        "positive_outcomes": ["information_request", "invitation"],
        "response_window_days": 14,
        "fdr_level": 0.05,
        "planned_tests_per_target": 10,
        "applications_per_group": 1,
        "municipalities": [],
        "is_awareness_only": False,
        "profiles_per_group": {"Belgisch": 1, "Marokkaans": 1},
        "templates": [{"name": "Versie A", "sha256": template_hash}, {"name": "Versie B", "sha256": template_hash}],
        "protocol": "Twee kandidaten solliciteren op elke vacature.",
    }
    text = json.dumps(design, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert design_sha256(round_) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert canonical_bytes(canonical_design(round_)) == text.encode("utf-8")


def test_hash_is_stable_for_the_same_design_and_changes_with_it(complete_round):
    first, second = complete_round(title="Ronde A"), complete_round(title="Ronde B")
    assert design_sha256(first) == design_sha256(second)  # the title does not affect the analysis
    before = design_sha256(first)
    update_round(first, first.version, **_design_kwargs(first, fdr_level=0.10))
    assert design_sha256(first) != before
    before = design_sha256(second)
    template = next(iter(round_templates(second)))
    template.body += " Extra zin."
    assert design_sha256(second) != before


@pytest.mark.parametrize("change", ["protocol", "outcomes", "groups", "window"])
def test_every_analysis_field_enters_the_hash(complete_round, change):
    round_ = complete_round()
    before = design_sha256(round_)
    changes = {
        "protocol": {"protocol": "Ander protocol"},
        "outcomes": {"positive_outcomes": ["invitation"]},
        "groups": {"grounds": [GroundSpec("origin", "Belgisch", ["Marokkaans", "Turks"])]},
        "window": {"response_window_days": 21},
    }[change]
    update_round(round_, round_.version, **_design_kwargs(round_, **changes))
    assert design_sha256(round_) != before


def test_lock_refuses_an_incomplete_design(app, make_round, draw_sample):
    round_ = make_round()
    problems = " ".join(lock_problems(round_))
    assert "profile" in problems and "templates" in problems and "sample" in problems and "planning" in problems
    with app.test_request_context(), pytest.raises(RoundError):
        lock_round(round_)
    assert round_.status == "draft"


def test_lock_needs_as_many_templates_as_applications_per_test(app, complete_round):
    round_ = complete_round()
    delete_template(next(iter(round_templates(round_))), round_)
    assert any("templates" in p for p in lock_problems(round_))
    add_template(round_, "Versie C", "", "Beste")
    assert lock_problems(round_) == []


# A design in which a target with the expected pattern is flagged alone with 92% (enumerated
# in tests/rounds/test_planning.py): 15 tests per target, 90% against 10%, discordance 82%.
STRONG = {"reference_rate": 0.9, "other_rate": 0.1, "discordance": 0.82, "alpha": 0.05, "power": 0.8,
          "targets": 20}


def test_awareness_confirmation_is_required_when_no_target_can_be_flagged(app, complete_round):
    round_ = complete_round(planned_tests_per_target=3)
    expected = "is flagged alone with a probability of"
    with app.test_request_context(), pytest.raises(RoundError, match=expected):
        lock_round(round_)
    assert round_.status == "draft"
    with app.test_request_context():
        lock_round(round_, awareness_confirmed=True, power_confirmed=True)  # 60 tests in all: low power too
    assert round_.is_awareness_only and round_.planning["power"]["figures"]["can_flag"] is False


def test_no_confirmation_needed_when_targets_can_be_flagged(app, complete_round):
    round_ = complete_round(planned_tests_per_target=15, targets=20, planning=STRONG)
    with app.test_request_context():
        lock_round(round_)
    assert round_.status == "ready" and not round_.is_awareness_only
    assert round_.planning["power"]["figures"]["flag_probability"] >= 0.8


def test_eleven_tests_per_target_with_the_default_inputs_is_awareness_only(app, complete_round):
    # Issue 8: 40% vs 30%, 100 targets, FDR 5%: 11 tests passed the old gate (log2(100 / 0.05) = 11)
    # although a target with exactly the expected pattern is flagged with probability about 1e-6.
    inputs = {"reference_rate": 0.4, "other_rate": 0.3, "discordance": None, "alpha": 0.05, "power": 0.8,
              "targets": 100}
    round_ = complete_round(planned_tests_per_target=11, targets=100, planning=inputs)
    with app.test_request_context(), pytest.raises(RoundError, match="awareness only"):
        lock_round(round_)
    with app.test_request_context():
        lock_round(round_, awareness_confirmed=True)
    assert round_.is_awareness_only


def test_a_round_unlikely_to_detect_the_gap_needs_a_confirmation(app, complete_round):
    # 2 targets x 6 tests = 12 tests in all: exact power for 15 points about 2% (below 80%).
    round_ = complete_round(planned_tests_per_target=6, targets=2)
    with app.test_request_context(), pytest.raises(RoundError, match="unlikely to detect a gap"):
        lock_round(round_, awareness_confirmed=True)
    assert round_.status == "draft"
    with app.test_request_context():
        lock_round(round_, awareness_confirmed=True, power_confirmed=True)
    assert round_.status == "ready"


def test_nothing_that_affects_the_analysis_changes_after_lock(app, db, complete_round):
    round_ = complete_round()
    with app.test_request_context():
        lock_round(round_, awareness_confirmed=True)
    profile = next(iter(round_profiles(round_)))
    with pytest.raises(RoundError, match="locked"):
        update_round(round_, round_.version, **_design_kwargs(round_, fdr_level=0.1))
    with pytest.raises(RoundError, match="locked"):
        add_template(round_, "Versie Z", "", "Beste")
    with pytest.raises(RoundError, match="locked"):
        save_planning(round_, {"reference_rate": 0.5, "other_rate": 0.2})
    with pytest.raises(RoundError, match="locked"):
        update_profile(profile, round_, round_.groups[0], "X")
    assert fresh(db, Profile, profile.id).name != "X"


def test_copy_keeps_design_protocol_and_shows_the_source_hash(app, db, client, login_as, org, complete_round):
    source = complete_round(protocol=PROTOCOL, planned_tests_per_target=15, planning=STRONG)
    with app.test_request_context():
        lock_round(source)
    copy = copy_round(source)
    assert copy.status == "draft" and copy.copied_from_id == source.id
    assert copy.protocol == source.protocol and copy.fdr_level == source.fdr_level
    assert len(list(round_templates(copy))) == 2
    assert design_sha256(copy) == source.protocol_sha256  # same design, same hash: comparable rounds
    assert db.session.query(AuditEvent).filter_by(action="round.copy", object_id=str(copy.id)).count() == 1
    login_as("coordinator", org)
    page = client.get(f"/rounds/{copy.id}").get_data(as_text=True)
    assert source.title in page and source.protocol_sha256 in page


def test_copy_through_the_page_leaves_targets_and_tests_behind(db, client, login_as, org, complete_round):
    from praktijktest.rounds.services import round_counts

    source = complete_round()
    login_as("coordinator", org)
    response = client.post(f"/rounds/{source.id}/copy")
    new_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert round_counts([new_id])[new_id] == {"targets": 0, "tests": 0, "applications": 0}
    assert fresh(db, Round, new_id).copied_from_id == source.id


def test_lock_page_and_download(db, client, login_as, org, make_user, complete_round):
    from tests.conftest import log_in

    round_ = complete_round(planned_tests_per_target=3, protocol=PROTOCOL)
    login_as("coordinator", org)
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "is flagged alone with a probability of" in page
    client.post(f"/rounds/{round_.id}/lock", data={"version": round_.version})
    assert fresh(db, Round, round_.id).status == "draft"  # not confirmed
    client.post(f"/rounds/{round_.id}/lock", data={"version": round_.version - 1, "is_awareness_only": "y"})
    assert fresh(db, Round, round_.id).status == "draft"  # stale form
    client.post(f"/rounds/{round_.id}/lock", data={"version": round_.version, "is_awareness_only": "y"})
    assert fresh(db, Round, round_.id).status == "draft"  # 60 tests in all: the low power not confirmed
    client.post(f"/rounds/{round_.id}/lock", data={"version": round_.version, "is_awareness_only": "y",
                                                   "is_low_power_confirmed": "y"})
    locked = fresh(db, Round, round_.id)
    assert locked.status == "ready" and locked.is_awareness_only
    viewer = make_user("viewer", org)
    client.post("/logout")
    log_in(client, viewer.email)
    response = client.get(f"/rounds/{round_.id}/preregistration.pdf")
    assert response.mimetype == "application/pdf"
    assert locked.protocol_sha256 in pdf_text(response.data).replace("\n", "")
    event = db.session.query(AuditEvent).filter_by(action="round.preregistration_download").one()
    assert event.user_id == viewer.id
