"""Locking a round: check the design, pre-register it as a PDF with a hash, make it ready.

The hash is the SHA-256 of a canonical JSON of everything that affects the
analysis (`canonical_design`), written compactly with sorted keys. The title,
dates and the organisation are left out on purpose: two rounds with the same
design have the same hash, which is what makes copied rounds comparable.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter

from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.i18n import format_percent
from praktijktest.rounds.labels import label_functions
from praktijktest.rounds.materials import round_profiles, round_templates
from praktijktest.rounds.models import Round, RoundStatus
from praktijktest.rounds.planning import EvidencePlan, refresh_stored_plan, sampled_targets, saved_inputs
from praktijktest.rounds.services import RoundError, check_editable, transition

HASH_FORMAT = "praktijktest-preregistration/1"
# How the hashed bytes are made; printed in the PDF so anyone can recompute the hash.
HASH_RECIPE = 'json.dumps(design, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")'


def canonical_design(round_: Round) -> dict:
    """Everything that affects the analysis, as plain JSON values in a fixed order."""
    templates = [
        {"name": t.name, "sha256": hashlib.sha256(f"{t.subject}\n{t.body}".encode()).hexdigest()}
        for t in round_templates(round_)
    ]
    profiles: dict[str, int] = {}
    for profile in round_profiles(round_):
        profiles[profile.group.label] = profiles.get(profile.group.label, 0) + 1
    return {
        "format": HASH_FORMAT,
        "market": round_.market,
        "test_type": round_.test_type,
        "grounds": sorted(
            ({"ground": g.ground, "description": g.description,
              "reference_group": g.reference_group.label if g.reference_group else None,
              "other_groups": sorted(x.label for x in g.groups if not x.is_reference)} for g in round_.grounds),
            key=lambda g: g["ground"],
        ),
        "positive_outcomes": sorted(round_.positive_outcomes),
        "response_window_days": round_.response_window_days,
        "fdr_level": round_.fdr_level,
        "planned_tests_per_target": round_.planned_tests_per_target,
        "applications_per_group": round_.applications_per_group,
        "municipalities": sorted(m.name for m in round_.municipalities),
        "is_awareness_only": round_.is_awareness_only,
        "profiles_per_group": profiles,
        "templates": templates,
        "protocol": round_.protocol.replace("\r\n", "\n"),
    } | _sequential_rule(round_)


def _sequential_rule(round_: Round) -> dict:
    """An adaptive retest's stopping rule, hashed with the design; absent (old hashes unchanged) otherwise."""
    from praktijktest.followup.sequential import design_entry

    entry = design_entry(round_)
    return {"sequential_rule": entry} if entry else {}


def canonical_bytes(design: dict) -> bytes:
    return json.dumps(design, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def design_sha256(round_: Round) -> str:
    """The SHA-256 of the round's canonical design, as the pre-registration states it."""
    return hashlib.sha256(canonical_bytes(canonical_design(round_))).hexdigest()


SAMPLE_ENDPOINTS = ("sampling.index", "sampling.sample")


def sample_endpoint() -> str | None:
    """The sampling page's endpoint when that feature is installed (then a round needs its sample to lock)."""
    return next((name for name in SAMPLE_ENDPOINTS if name in current_app.view_functions), None)


def sampling_exists() -> bool:
    return sample_endpoint() is not None


def lock_problems(round_: Round) -> list[str]:
    """What still keeps a draft round from being locked, in words (empty when it can be)."""
    problems = []
    profiles_per_group = Counter(p.group_id for p in round_profiles(round_))
    missing = [g.label for g in round_.groups if not profiles_per_group[g.id]]
    # A test sends `applications_per_group` distinct candidates of each group.
    short = [g.label for g in round_.groups if 0 < profiles_per_group[g.id] < round_.applications_per_group]
    if missing:
        problems.append(_("Add a profile for every group; missing: %(groups)s.", groups=", ".join(missing)))
    if short:
        problems.append(_("A test sends %(n)s applications of each group, each by another candidate: add profiles "
                          "for %(groups)s.", n=round_.applications_per_group, groups=", ".join(short)))
    templates = len(list(round_templates(round_)))
    if templates < round_.applications_per_test:
        problems.append(_("Add templates: a test sends %(needed)s applications, so the round needs at least "
                          "%(needed)s interchangeable templates (it has %(have)s).",
                          needed=round_.applications_per_test, have=templates))
    if not round_.planned_tests_per_target:
        problems.append(_("Set the planned number of tests per target."))
    if sampling_exists() and not sampled_targets(round_):
        problems.append(_("Draw the sample of targets."))
    if saved_inputs(round_) is None:
        problems.append(_("Fill in and save the evidence planning."))
    return problems


def lock_round(round_: Round, *, awareness_confirmed: bool = False, power_confirmed: bool = False,
               expected_version: int | None = None, locked_by=None) -> Round:
    """Lock a draft round: check it, render and store the pre-registration PDF, make it ready.

    Refused (RoundError) when the design is incomplete, when the form is stale,
    when a target with the expected pattern is unlikely to be flagged and the
    coordinator did not confirm that the round is for awareness only, or when the
    round as a whole is unlikely to detect the expected gap and that was not confirmed.
    """
    check_editable(round_, expected_version)
    problems = lock_problems(round_)
    if problems:
        raise RoundError(" ".join(problems))
    plan = refresh_stored_plan(round_)
    from praktijktest.followup.sequential import refresh_rule

    refresh_rule(round_)  # the rule's error rates for the round's final size, printed in the PDF
    if plan.needs_awareness_confirmation and not awareness_confirmed:
        confirm = _("Confirm that this round is for awareness only.")
        raise RoundError(f"{awareness_warning(plan, round_.market)} {confirm}")
    if plan.needs_power_confirmation and not power_confirmed:
        confirm = _("Confirm that you want to lock the round with this number of tests.")
        raise RoundError(f"{power_warning(plan)} {confirm}")
    round_.is_awareness_only = plan.needs_awareness_confirmation
    transition(round_, RoundStatus.READY)
    design = canonical_design(round_)
    round_.protocol_sha256 = hashlib.sha256(canonical_bytes(design)).hexdigest()
    retention = retention_in_force(round_)
    stored = _store_pdf(render_preregistration(round_, design, plan, retention))
    round_.preregistration_path = stored.path
    # The periods are printed, not hashed: they are not part of the design, and a copied round keeps its hash.
    round_.planning = {**round_.planning, "preregistration": {
        "pdf_sha256": stored.sha256, "design": design,
        "retention": {p.kind: {"months": p.months, "legal_basis": p.legal_basis} for p in retention}}}
    db.session.flush()
    record("round.lock", round_, summary=f"protocol sha256 {round_.protocol_sha256}",
           changes={"protocol_sha256": [None, round_.protocol_sha256], "preregistration_sha256": [None, stored.sha256],
                    "is_awareness_only": [None, round_.is_awareness_only]}, actor=locked_by)
    return round_


def awareness_warning(plan: EvidencePlan, market: str = "labour") -> str:
    """Plain words when a target with the expected pattern is unlikely to be flagged on its own."""
    values = {"n": plan.tests_per_target, "prob": plan.flag_probability_text, "f": plan.comparisons,
              "q": format_percent(plan.fdr_level, 0), "power": format_percent(plan.power, 0),
              "needed": plan.tests_per_target_for_power or _("more than 2000"),
              "informative": format_decimal(plan.expected_informative_tests or 0, format="0.#")}
    # Benjamini-Hochberg compares the k-th smallest p-value with k*q/F: one target
    # alone needs p <= q/F, several extreme targets together only k*q/F each; the
    # probability is for the target alone, the case a dossier must rely on.
    if market == "housing":
        return _("With %(n)s tests per landlord or agency, of which about %(informative)s informative, a landlord "
                 "or agency that treats the groups as unequally as you expect is flagged alone with a probability "
                 "of %(prob)s (false discovery rate %(q)s over %(f)s comparisons). Several landlords or agencies "
                 "with an extreme pattern can be flagged together, but not one on its own evidence. For a "
                 "probability of %(power)s you would need %(needed)s tests per landlord or agency.", **values)
    return _("With %(n)s tests per employer, of which about %(informative)s informative, an employer that treats "
             "the groups as unequally as you expect is flagged alone with a probability of %(prob)s (false discovery "
             "rate %(q)s over %(f)s comparisons). Several employers with an extreme pattern can be flagged together, "
             "but not one on its own evidence. For a probability of %(power)s you would need %(needed)s tests per "
             "employer.", **values)


def power_warning(plan: EvidencePlan) -> str:
    """Plain words when the whole round is unlikely to detect the expected gap."""
    return _("With %(planned)s tests in all, the round is unlikely to detect a gap of %(gap)s at all: the chance "
             "is %(power)s. Detecting it with a chance of %(target)s takes about %(needed)s tests.",
             planned=plan.planned_tests, gap=format_percent(plan.gap, 0),
             power=format_percent(plan.power_exact_at_planned or 0, 1), target=format_percent(plan.power, 0),
             needed=plan.tests_needed_exact or _("more than 100,000"))


def retention_in_force(round_: Round) -> list:
    """The organisation's retention periods now (each with its legal basis), as the pre-registration prints them."""
    from praktijktest.retention.periods import periods_for

    return list(periods_for(round_.organisation_id).values())


def render_preregistration(round_: Round, design: dict, plan: EvidencePlan, retention: list | None = None) -> bytes:
    """The pre-registration PDF of a locked round, with the retention periods in force."""
    from praktijktest.reports.pdf import render_pdf

    retention = retention if retention is not None else retention_in_force(round_)
    # Rendered without the request's context processors, so that the demo and the
    # command line can lock rounds too.
    html = current_app.jinja_env.get_template("reports/preregistration.html").render(
        round=round_, design=design, plan=plan, current_locale=str(get_locale()),
        design_json=json.dumps(design, sort_keys=True, indent=2, ensure_ascii=False),
        hash_recipe=HASH_RECIPE, retention=retention, copied_from=db.session.get(Round, round_.copied_from_id)
        if round_.copied_from_id else None, **label_functions(),
    )
    return render_pdf(html)


def read_preregistration(round_: Round, reader=None) -> bytes:
    """The stored PDF, audited as an evidence download; RoundError when there is none."""
    if not round_.preregistration_path:
        raise RoundError(_("This round has no pre-registration yet: it is made when the round is locked."))
    data = _evidence_store().read_bytes(round_.preregistration_path)
    record("round.preregistration_download", round_, summary=f"round {round_.id}", actor=reader)
    return data


def _store_pdf(data: bytes):
    return _evidence_store().save_bytes(data, "pdf", "preregistrations")


def _evidence_store():
    from praktijktest import evidence_store

    return evidence_store
