"""Confirmatory retests: created from one or more cases of a round, sized by the planning functions,
analysed on their own tests, and the evidence a case needs before it can be called persistent or cleared.

Why the retest is never pooled with the original round: the original flag chose
the target because its tests looked extreme, so those same tests overstate the
gap (selective inference, the "winner's curse"; docs/followup.md gives the
sources). The retest is analysed as a round of its own: its tests only, its own
family (the retested targets), its own snapshot; and it is sized with the
original round's planning assumptions, never with the gap the flag observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from analysis import power as stats
from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.followup.models import CaseState, FollowUpCase, IllegalMove
from praktijktest.followup.services import CaseError, move_case, target_entry
from praktijktest.i18n import format_percent
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.rounds.models import Round, RoundTarget

# Never more tests per target than this from the sizing: beyond it the pattern cannot be decided in practice.
MAX_TESTS_PER_TARGET = 2000


@dataclass(frozen=True)
class RetestSize:
    """Tests per retested target from `analysis.power`, with what the number rests on."""

    targets: int
    comparisons: int
    fdr: float
    reference_rate: float
    other_rate: float
    share: float
    discordance: float
    power: float
    tests_per_target: int
    flag_probability: float
    reaches_power: bool
    source_tests_per_target: int | None

    def explanation(self) -> str:
        values = {
            "n": self.tests_per_target,
            "k": self.targets,
            "f": self.comparisons,
            "q": format_percent(self.fdr, 0),
            "ref": format_percent(self.reference_rate, 0),
            "other": format_percent(self.other_rate, 0),
            "prob": format_percent(self.flag_probability, 1),
            "power": format_percent(self.power, 0),
        }
        family = ngettext(
            "With %(k)s target retested (%(f)s comparisons, false discovery rate %(q)s), ",
            "With %(k)s targets retested (%(f)s comparisons, false discovery rate %(q)s), ",
            self.targets,
            **values,
        )
        if self.reaches_power:
            size = _(
                "%(n)s tests per target give a target that treats the groups as unequally as the round's "
                "planning assumed (positive rate %(ref)s for the reference group, %(other)s for the other) a "
                "probability of %(prob)s to be flagged on its own; %(n)s is the fewest tests that reach "
                "%(power)s.",
                **values,
            )
        else:
            size = _(
                "even %(n)s tests per target do not give a target with the planning's assumed pattern "
                "(positive rate %(ref)s against %(other)s) a probability of %(power)s to be flagged on its own: "
                "the round's planned number is kept and the flag probability is %(prob)s.",
                **values,
            )
        why = _(
            "The assumptions are the original round's planning, not its result: the flag chose this target on "
            "those tests, so their gap overstates the true one."
        )
        return f"{family}{size} {why}"

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def retest_size(source: Round, targets: int) -> RetestSize:
    """Tests per target for a retest of `targets` targets of `source`, from its planning inputs."""
    from praktijktest.rounds.planning import DEFAULT_INPUTS, saved_inputs

    inputs = {**DEFAULT_INPUTS, **(saved_inputs(source) or {})}
    ref, other, power = inputs["reference_rate"], inputs["other_rate"], inputs["power"]
    disc = inputs.get("discordance") or ref * (1 - other) + other * (1 - ref)
    share = (disc + ref - other) / (2 * disc)
    comparisons = targets * max(1, len(source.groups) - len(source.grounds))
    needed = stats.tests_per_target(
        share, disc, comparisons, source.fdr_level, power=power, max_tests=MAX_TESTS_PER_TARGET
    )
    n = needed or source.planned_tests_per_target or MAX_TESTS_PER_TARGET
    return RetestSize(
        targets,
        comparisons,
        source.fdr_level,
        ref,
        other,
        share,
        disc,
        power,
        n,
        stats.flag_probability(n, share, disc, comparisons, source.fdr_level),
        needed is not None,
        source.planned_tests_per_target,
    )


def _check_cases(cases: list[FollowUpCase]) -> Round:
    if not cases:
        raise CaseError(_("Choose at least one case to retest."))
    rounds = {c.round_id for c in cases}
    if len(rounds) > 1:
        raise CaseError(_("One retest round holds cases of one round only: its protocol is that round's."))
    if any(c.state != CaseState.DIALOGUE for c in cases):
        raise CaseError(_("A retest can be planned only after the dialogue, while the case is in dialogue."))
    if len({c.target_id for c in cases}) != len(cases):
        raise CaseError(_("Each case can be chosen once."))
    return cases[0].round


def create_retest(cases: list[FollowUpCase], user=None) -> Round:
    """One retest round for cases in dialogue of one round: a copy of its protocol, profiles and templates,
    only these targets, tests per target from `retest_size`; every case moves to "retest planned"."""
    from praktijktest.rounds.services import copy_round

    source = _check_cases(cases)
    codes = sorted(c.target.code for c in cases)
    size = retest_size(source, len(cases))
    retest = copy_round(
        source,
        created_by=user,
        title=_("%(title)s: retest of %(codes)s", title=source.title, codes=", ".join(codes))[:200],
    )
    retest.planned_tests_per_target = size.tests_per_target
    retest.planning = {
        **(retest.planning or {}),
        "retest": {
            "source_round_id": source.id,
            "source_protocol_sha256": source.protocol_sha256,
            "case_ids": sorted(c.id for c in cases),
            "target_codes": codes,
            "size": size.to_dict(),
        },
    }
    for case in cases:
        db.session.add(RoundTarget(round_id=retest.id, target_id=case.target_id, stratum="retest"))
    db.session.flush()
    record(
        "followup.retest",
        retest,
        actor=user,
        organisation_id=retest.organisation_id,
        summary=f"retest of round {source.id} for {', '.join(codes)}",
        changes={
            "source_round_id": [None, source.id],
            "source_protocol_sha256": [None, source.protocol_sha256],
            "case_ids": [None, sorted(c.id for c in cases)],
            "tests_per_target": [None, size.tests_per_target],
        },
    )
    for case in cases:
        case.retest_round_id = retest.id
        move_case(
            case,
            CaseState.RETEST_PLANNED,
            user=user,
            on=date.today(),
            reason=_("Retest round “%(title)s” created.", title=retest.title),
        )
    return retest


def retest_info(round_: Round) -> dict | None:
    """What the retest round stored about its source and size (None for other rounds)."""
    return (round_.planning or {}).get("retest")


@dataclass
class SideBySide:
    """A case's original result and its retest's own result, each from its own analysis snapshot."""

    original_snapshot: AnalysisSnapshot
    original: dict | None
    original_family: int
    retest_round: Round | None = None
    retest_snapshot: AnalysisSnapshot | None = None
    retest: dict | None = None
    retest_family: int = 0
    sequential: dict | None = None  # the pre-registered rule's decision for this target, if any

    @property
    def has_retest_result(self) -> bool:
        return self.retest is not None

    @property
    def retest_evidence(self) -> bool:
        """The retest's own evidence: a flag within its own family, or its pre-registered rule's evidence stop."""
        return bool(self.retest and self.retest.get("flagged")) or bool(
            self.sequential and self.sequential.get("decision") == "evidence"
        )


def _family(snapshot: AnalysisSnapshot | None) -> int:
    return (
        len({e.get("target") for e in ((snapshot.result or {}).get("targets") or []) if isinstance(e, dict)})
        if snapshot
        else 0
    )


def side_by_side(case: FollowUpCase) -> SideBySide:
    from praktijktest.results.snapshots import latest_snapshot

    code = case.target.code
    out = SideBySide(case.snapshot, target_entry(case.snapshot, code), _family(case.snapshot))
    if case.retest_round is None:
        return out
    out.retest_round = case.retest_round
    out.retest_snapshot = latest_snapshot(case.retest_round)
    if out.retest_snapshot is not None:
        out.retest = target_entry(out.retest_snapshot, code)
        out.retest_family = _family(out.retest_snapshot)
        out.sequential = (((out.retest_snapshot.result or {}).get("sequential") or {}).get("targets") or {}).get(code)
    return out


def check_retest_evidence(case: FollowUpCase, to_state: str) -> None:
    """IllegalMove unless the retest's own snapshot supports the move: "retested" and "cleared" need its
    result for this target, "persistent" its own evidence (a flag or the rule's evidence stop)."""
    if to_state not in (CaseState.RETESTED, CaseState.CLEARED, CaseState.PERSISTENT):
        return
    result = side_by_side(case)
    if result.retest_round is None:
        raise IllegalMove(_("This case has no retest round: create the retest first."))
    if not result.has_retest_result:
        raise IllegalMove(
            _(
                "The retest round has no analysis that names this target yet: run the retest's "
                "analysis first. The original round's result cannot stand in for it."
            )
        )
    if to_state == CaseState.PERSISTENT and not result.retest_evidence:
        raise IllegalMove(
            _(
                "The retest's own analysis does not flag this target, and no pre-registered rule "
                "stopped it for evidence: the pattern is not found again. The case can be cleared."
            )
        )
