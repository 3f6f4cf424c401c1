"""The demo's follow-up: a targeted round planned as evidence, a case in dialogue and one referred.

The 2025 labour round is awareness-only (10 tests per employer among 120
cannot flag one employer on its own), so its six flags allow only the
awareness letter, never a case. A newcomer sees what a municipality does
next: a targeted round (2026) with those six employers and six others, 12
new vacancies each, planned to confirm the 2025 pattern (so not
awareness-only), answered synthetically with the demo's rates and seed and
analysed. On its flags:
- the first flagged employer's case is in dialogue (letter sent);
- the second one's went through a retest round of its own (copied from the
  round, with only that employer, 10 new vacancies, analysed on its own
  tests), found the pattern again and was referred to Unia, with a date and
  Unia's reference.
Every answered application of a flagged employer (in both analysed rounds)
carries a synthetic e-mail as evidence, labelled synthetic in the file and
on its row, so their dossiers carry attachments. Idempotent: files are
added only to responses without evidence, the round and cases only once.
The dates are fixed, so the demo is the same everywhere.
"""
from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import select

from praktijktest.extensions import db
from praktijktest.fieldwork.evidence import add_evidence
from praktijktest.fieldwork.models import Application, EvidenceFile, Response, Test
from praktijktest.followup.models import CaseState, FollowUpCase
from praktijktest.followup.services import create_retest, flagged_codes, move_case, open_case
from praktijktest.results.snapshots import latest_snapshot, run_analysis
from praktijktest.rounds.models import Round, RoundStatus
from praktijktest.rounds.services import change_status
from praktijktest.targets.models import Target

DIALOGUE_ON = date(2025, 12, 1)
RETEST_START = date(2026, 2, 2)
REFERRED_ON = date(2026, 4, 20)
UNIA_REFERENCE = "UNIA-DEMO-2026-0417"
SEED = 20261202
RETEST_TESTS = 10


FOLLOWUP_TITLE = "Gerichte arbeidsmarkttest 2026 (synthetische gegevens)"
FOLLOWUP_START = date(2025, 10, 20)
TESTS_PER_TARGET, CONTROLS = 12, 6
# The pattern the targeted round is planned to confirm: the 2025 flags had 9 or 10 of 10 tests favouring the
# reference group and none the other (docs/schedule.md).
CONFIRM_PLANNING = {"reference_rate": 0.95, "other_rate": 0.05, "discordance": 0.9}


def load_demo_followup(labour: Round, coordinator, tester) -> list[str]:
    """The targeted round, its two cases and the evidence files; returns what was done, in lines."""
    labour_snapshot = latest_snapshot(labour)
    if labour_snapshot is None:
        return []
    done = []
    round_ = db.session.scalar(select(Round).where(Round.organisation_id == labour.organisation_id,
                                                   Round.title == FOLLOWUP_TITLE))
    if round_ is None:
        round_ = _targeted_round(labour, flagged_codes(labour_snapshot), tester)
        codes = flagged_codes(latest_snapshot(round_))
        _case_in_dialogue(latest_snapshot(round_), codes[0], coordinator)
        _referred_case(latest_snapshot(round_), codes[1], coordinator, tester)
        done.append(f"Created {FOLLOWUP_TITLE}; follow-up cases for {codes[0]} (dialogue) and {codes[1]} "
                    f"(referred to Unia)")
    retests = db.session.scalars(select(Round).join(FollowUpCase, FollowUpCase.retest_round_id == Round.id)
                                 .where(FollowUpCase.round_id == round_.id)).all()
    added = sum(_synthetic_evidence(r, flagged_codes(latest_snapshot(r)), tester)
                for r in (labour, round_, *retests) if latest_snapshot(r) is not None)
    if added:
        done.append(f"Added {added} synthetic evidence files for the flagged employers")
    return done


def _targeted_round(labour: Round, flagged: list[str], tester) -> Round:
    """The 2026 round on the six flagged employers and six others, planned as evidence, answered and analysed."""
    from praktijktest.demo_rounds import LABOUR, ORDINARY_EMPLOYER, STRONG_DISCRIMINATOR, _add_listings, _answer
    from praktijktest.rounds.models import RoundTarget
    from praktijktest.rounds.services import copy_round

    others = db.session.scalars(select(Target).join(RoundTarget, RoundTarget.target_id == Target.id)
                                .where(RoundTarget.round_id == labour.id, Target.code.not_in(flagged))
                                .order_by(Target.code).limit(CONTROLS)).all()
    chosen = db.session.scalars(select(Target).where(Target.organisation_id == labour.organisation_id,
                                                     Target.code.in_(flagged))).all() + list(others)
    round_ = copy_round(labour, title=FOLLOWUP_TITLE)
    round_.protocol = (LABOUR.protocol + " Gerichte opvolgingsronde: de zes werkgevers die in 2025 aangeduid werden "
                       "en zes andere, met nieuwe vacatures, gepland om dat patroon te bevestigen.")
    round_.planned_tests_per_target = TESTS_PER_TARGET
    db.session.add_all([RoundTarget(round_id=round_.id, target_id=t.id, stratum="opvolging") for t in chosen])
    _add_listings({t: [(f"Vacature 2026 nr. {j + 1}", None) for j in range(TESTS_PER_TARGET)] for t in chosen},
                  date(2025, 10, 13))
    strong = {t.id for t in chosen if t.code in flagged}
    _fieldwork(round_, CONFIRM_PLANNING, FOLLOWUP_START, tester, SEED,
               lambda target_id: STRONG_DISCRIMINATOR if target_id in strong else ORDINARY_EMPLOYER, _answer)
    return round_


def _fieldwork(round_: Round, planning: dict, start: date, tester, seed: int, rates_of, answer):
    """Schedule, planning, lock, fieldwork, synthetic answers and the analysis, as the labour round does them."""
    from flask_babel import force_locale

    from praktijktest.rounds.planning import save_planning
    from praktijktest.rounds.preregistration import lock_round
    from praktijktest.schedule.services import ScheduleSettings, generate_schedule

    generate_schedule(round_, ScheduleSettings(start, lag_min=1, lag_max=3, tests_per_day=20, seed=seed))
    save_planning(round_, planning)
    with force_locale("nl_BE"):
        lock_round(round_, awareness_confirmed=False, power_confirmed=False)
    change_status(round_, RoundStatus.FIELDWORK)
    answer(round_, tester, np.random.Generator(np.random.PCG64(seed)), rates_of)
    return run_analysis(round_)


def _eml(test: Test, application: Application, response: Response) -> bytes:
    """A small synthetic reply, marked synthetic in a header and in its subject."""
    when = response.responded_at or application.sent_at
    invited = response.outcome in ("invitation", "information_request")
    body = ("Graag nodigen wij u uit voor een gesprek." if invited else
            "Wij hebben voor deze vacature een andere kandidaat gekozen.")
    return (f"From: HR Demobedrijf <hr@demo.example>\r\nTo: {application.profile_label or 'Kandidaat'} "
            f"<demo@demo.example>\r\nDate: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
            f"Subject: Uw sollicitatie {test.external_id} (synthetisch)\r\nX-Praktijktest-Synthetic: yes\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


def _synthetic_evidence(round_: Round, codes: list[str], tester) -> int:
    """A synthetic e-mail for each answered response of the flagged targets that has no evidence yet."""
    has_evidence = select(EvidenceFile.id).where(EvidenceFile.response_id == Response.id).exists()
    rows = db.session.execute(
        select(Test, Application, Response).join(Application, Application.test_id == Test.id)
        .join(Response, Response.application_id == Application.id).join(Target, Test.target_id == Target.id)
        .where(Test.round_id == round_.id, Target.code.in_(codes), Response.responded_at.is_not(None),
               ~has_evidence).order_by(Test.external_id, Application.send_order)).all()
    for test, application, response in rows:
        add_evidence(response, f"{test.external_id}-{application.send_order}.eml", _eml(test, application, response),
                     uploaded_by=tester, is_synthetic=True)
    return len(rows)


def _case_in_dialogue(snapshot, code: str, coordinator) -> FollowUpCase:
    case = open_case(snapshot, code, coordinator, "Aangeduid in de demonstratieronde (synthetische gegevens).")
    move_case(case, CaseState.DIALOGUE, on=DIALOGUE_ON, user=coordinator,
              reason="Brief met uitnodiging voor een gesprek verstuurd; nog geen antwoord (synthetisch).")
    return case


def _referred_case(snapshot, code: str, coordinator, tester) -> FollowUpCase:
    case = open_case(snapshot, code, coordinator, "Aangeduid in de demonstratieronde (synthetische gegevens).")
    move_case(case, CaseState.DIALOGUE, on=DIALOGUE_ON, user=coordinator,
              reason="Gesprek met de werkgever gevoerd; de werkgever ziet geen probleem (synthetisch).")
    retest = create_retest(case, coordinator)
    retest_snapshot = _run_retest(retest, case.target, tester)
    move_case(case, CaseState.RETESTED, on=date(2026, 3, 30), user=coordinator,
              reason=f"Hertest geanalyseerd op eigen tests (analyse {retest_snapshot.sha256[:12]}).")
    move_case(case, CaseState.PERSISTENT, on=date(2026, 4, 6), user=coordinator,
              reason="De hertest stelt op zijn eigen tests opnieuw hetzelfde patroon vast (synthetisch).")
    move_case(case, CaseState.REFERRED, on=REFERRED_ON, user=coordinator,
              reason="Dossier aan Unia bezorgd voor juridische opvolging (synthetisch).",
              referral={"body": "unia", "date": REFERRED_ON, "reference": UNIA_REFERENCE})
    return case


def _run_retest(retest: Round, target: Target, tester):
    """The retest's fieldwork as the demo's labour round does it: new vacancies, schedule, lock, answers, analysis."""
    from praktijktest.demo_rounds import STRONG_DISCRIMINATOR, _add_listings, _answer

    _add_listings({target: [(f"Vacature hertest nr. {j + 1}", None) for j in range(RETEST_TESTS)]},
                  date(2026, 1, 26))
    retest.planned_tests_per_target = RETEST_TESTS
    return _fieldwork(retest, CONFIRM_PLANNING, RETEST_START, tester, SEED + 1,
                      lambda _target_id: STRONG_DISCRIMINATOR, _answer)
