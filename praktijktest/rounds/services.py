"""Round operations: create, edit while draft, copy, change status.

Locking (draft -> ready) has its own service, `preregistration.lock_round`,
because it renders and stores the pre-registration; `change_status` refuses
to make a round ready without it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from praktijktest.audit.services import diff, record
from praktijktest.extensions import db
from praktijktest.organisations.models import Municipality, Organisation
from praktijktest.rounds.models import (
    DEFAULT_POSITIVE_OUTCOMES,
    OUTCOMES,
    Ground,
    Market,
    Profile,
    Round,
    RoundGround,
    RoundGroup,
    RoundStatus,
    Template,
    TestType,
)
from praktijktest.rounds.usage import count_uses

# The design fields `update_round` may change while the round is a draft.
EDITABLE_FIELDS = ("title", "market", "test_type", "response_window_days", "fdr_level",
                   "planned_tests_per_target", "protocol")


class RoundError(ValueError):
    """A round cannot be created or changed as asked, with the reason."""


@dataclass(frozen=True)
class GroundSpec:
    """A ground with its reference group and the groups compared with it."""

    ground: str
    reference: str
    others: Sequence[str]
    description: str = ""


def create_round(
    organisation: Organisation,
    title: str,
    market: str,
    grounds: Sequence[GroundSpec],
    *,
    test_type: str = TestType.CORRESPONDENCE,
    positive_outcomes: Sequence[str] = DEFAULT_POSITIVE_OUTCOMES,
    status: str = RoundStatus.DRAFT,
    created_by=None,
    **fields,
) -> Round:
    """Create a round in `organisation`; validates everything before adding anything.

    `fields` are further Round columns (response_window_days, fdr_level,
    planned_tests_per_target, protocol, is_synthetic, planning, municipalities, ...).
    """
    _check_design(title, market, test_type, grounds, positive_outcomes, fields.get("fdr_level", 0.05))
    _check_numbers(fields.get("response_window_days", 14), fields.get("planned_tests_per_target"))
    _check_municipalities(organisation.id, fields.get("municipalities", ()))
    round_ = Round(
        organisation=organisation,
        title=title.strip(),
        market=market,
        test_type=test_type,
        positive_outcomes=list(positive_outcomes),
        status=status,
        created_by_id=getattr(created_by, "id", None),
        **fields,
    )
    for spec in grounds:
        ground = RoundGround(ground=spec.ground, description=spec.description)
        ground.groups = [RoundGroup(round=round_, label=spec.reference, is_reference=True)]
        ground.groups += [RoundGroup(round=round_, label=label) for label in spec.others]
        round_.grounds.append(ground)
    db.session.add(round_)
    db.session.flush()
    record("round.create", round_, summary=f"{round_.title} ({round_.status})", organisation_id=organisation.id)
    return round_


def update_round(
    round_: Round,
    expected_version: int | None,
    *,
    grounds: Sequence[GroundSpec],
    positive_outcomes: Sequence[str],
    municipalities: Sequence[Municipality] = (),
    applications_per_group: int | None = None,
    **fields,
) -> Round:
    """Change the design of a draft round; refused once locked or from a stale form.

    `fields` are among EDITABLE_FIELDS. Groups are matched by label, so
    profiles keep their group; a group that has profiles or applications
    cannot be removed.
    """
    check_editable(round_, expected_version)
    values = {name: getattr(round_, name) for name in EDITABLE_FIELDS} | fields
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise RoundError(f"Not editable: {', '.join(sorted(unknown))}")
    values["title"] = (values["title"] or "").strip()
    _check_design(values["title"], values["market"], values["test_type"], grounds, positive_outcomes,
                  values["fdr_level"])
    _check_numbers(values["response_window_days"], values["planned_tests_per_target"])
    _check_municipalities(round_.organisation_id, municipalities)
    _check_removed_groups(round_, grounds)
    if applications_per_group is not None and not 1 <= int(applications_per_group) <= 10:
        raise RoundError(_("Applications per group in one test must lie between 1 and 10."))
    changes = diff(round_, values)
    changes |= _set_list(round_, "positive_outcomes", list(positive_outcomes))
    changes |= _replace_municipalities(round_, municipalities)
    changes |= _set_applications_per_group(round_, applications_per_group)
    changes |= _replace_grounds(round_, grounds)
    for name, value in values.items():
        setattr(round_, name, value)
    db.session.flush()
    if changes:
        record("round.update", round_, summary=round_.title, changes=changes)
    return round_


def check_editable(round_: Round, expected_version: int | None = None) -> None:
    """Raise RoundError when the round is locked, or when the form was made from an older version."""
    if round_.is_locked:
        raise RoundError(_("This round is locked: its protocol can no longer change."))
    # The version comes from a hidden form field: anything but this round's
    # current number (a stale form, or a tampered one) is refused the same way.
    if expected_version is not None and str(expected_version).strip() != str(round_.version):
        raise RoundError(_("Someone else changed this round in the meantime; reload the page and try again."))


def copy_round(source: Round, *, title: str | None = None, created_by=None) -> Round:
    """A new draft round with the design, protocol, profiles and templates of `source`.

    Targets, tests and responses stay behind; `copied_from_id` keeps the
    link so the new round shows which protocol (and hash) it started from.
    """
    grounds = [
        GroundSpec(g.ground, g.reference_group.label if g.reference_group else "",
                   [x.label for x in g.groups if not x.is_reference], g.description)
        for g in source.grounds
    ]
    planning = {k: v for k, v in (source.planning or {}).items() if k in ("applications_per_group", "power")}
    copy = create_round(
        source.organisation, title or _("%(title)s (copy)", title=source.title)[:200], source.market, grounds,
        test_type=source.test_type, positive_outcomes=list(source.positive_outcomes), created_by=created_by,
        response_window_days=source.response_window_days, fdr_level=source.fdr_level,
        planned_tests_per_target=source.planned_tests_per_target, protocol=source.protocol,
        municipalities=list(source.municipalities), copied_from_id=source.id, planning=planning,
        is_synthetic=source.is_synthetic,
    )
    _copy_materials(source, copy)
    record("round.copy", copy, summary=f"copied from round {source.id}",
           changes={"copied_from_id": [None, source.id], "source_protocol_sha256": [None, source.protocol_sha256]})
    return copy


def change_status(round_: Round, status: str, *, reason: str | None = None) -> Round:
    """Move a round to `status` through the model's guarded transition, audited.

    Making a round ready is locking it: use `preregistration.lock_round`.
    A round becomes analysed only by storing an analysis snapshot
    (`results.snapshots.run_analysis`) and reported by generating its report.
    """
    if status == RoundStatus.READY:
        raise RoundError(_("A round becomes ready by locking its protocol."))
    if status == RoundStatus.ANALYSED and round_.can_transition_to(status):
        raise RoundError(_("A round becomes analysed by running its analysis."))
    if status == RoundStatus.REPORTED and round_.can_transition_to(status):
        raise RoundError(_("A round becomes reported by generating its round report."))
    return transition(round_, status, reason=reason)


def transition(round_: Round, status: str, *, reason: str | None = None) -> Round:
    """The guarded status change and its audit event (shared with locking)."""
    old = round_.status
    round_.transition_to(status, reason=reason)
    db.session.flush()
    record(
        "round.status",
        round_,
        summary=reason or "",
        changes={"status": [old, round_.status]},
        organisation_id=round_.organisation_id,
    )
    return round_


def round_counts(round_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Targets, tests and applications per round: two stored counts and one indexed count of the sample."""
    from praktijktest.rounds.models import RoundTarget

    counts = {rid: {"targets": 0, "tests": 0, "applications": 0} for rid in round_ids}
    if not round_ids:
        return counts
    # Columns, not Round objects: an object already in the session may predate the triggers' update.
    stored = db.session.execute(
        select(Round.id, Round.test_count, Round.application_count).where(Round.id.in_(round_ids))
    )
    for round_id, tests, applications in stored:
        counts[round_id].update(tests=tests, applications=applications)
    drawn = select(RoundTarget.round_id, func.count()).where(RoundTarget.round_id.in_(round_ids))
    for round_id, n in db.session.execute(drawn.group_by(RoundTarget.round_id)):
        counts[round_id]["targets"] = n
    return counts


def _copy_materials(source: Round, copy: Round) -> None:
    groups = {g.label: g for g in copy.groups}
    for profile in db.session.scalars(select(Profile).where(Profile.round_id == source.id).order_by(Profile.id)):
        db.session.add(Profile(round_id=copy.id, group=groups[profile.group.label], name=profile.name,
                               email=profile.email, phone=profile.phone, attributes=dict(profile.attributes)))
    for template in db.session.scalars(select(Template).where(Template.round_id == source.id).order_by(Template.id)):
        db.session.add(Template(round_id=copy.id, name=template.name, subject=template.subject, body=template.body))
    db.session.flush()


def _set_list(round_: Round, name: str, value: list) -> dict:
    old = list(getattr(round_, name) or [])
    if sorted(old) == sorted(value):
        return {}
    setattr(round_, name, value)
    return {name: [old, value]}


def _replace_municipalities(round_: Round, municipalities: Sequence[Municipality]) -> dict:
    old = sorted(m.name for m in round_.municipalities)
    new = sorted(m.name for m in municipalities)
    if old == new:
        return {}
    round_.municipalities = list(municipalities)
    return {"municipalities": [old, new]}


def _set_applications_per_group(round_: Round, value: int | None) -> dict:
    if value is None or value == round_.applications_per_group:
        return {}
    old = round_.applications_per_group
    round_.planning = {**(round_.planning or {}), "applications_per_group": int(value)}
    return {"applications_per_group": [old, int(value)]}


def _replace_grounds(round_: Round, specs: Sequence[GroundSpec]) -> dict:
    """Make the grounds and groups match `specs`, keeping rows whose ground or label stays."""
    old = _ground_summary(round_)
    grounds = {g.ground: g for g in round_.grounds}
    groups = {g.label: g for g in round_.groups}
    new_grounds = []
    for spec in specs:
        ground = grounds.get(spec.ground) or RoundGround(ground=spec.ground)
        ground.description = spec.description
        labels = [spec.reference, *spec.others]
        ground.groups = [groups.get(label) or RoundGroup(round=round_, label=label) for label in labels]
        for group in ground.groups:
            group.is_reference = group.label == spec.reference
        new_grounds.append(ground)
    round_.grounds = new_grounds
    new = _ground_summary(round_)
    return {"grounds": [old, new]} if old != new else {}


def _ground_summary(round_: Round) -> list[str]:
    return [
        f"{g.ground}: {'; '.join(x.label + (' (reference)' if x.is_reference else '') for x in g.groups)}"
        for g in round_.grounds
    ]


def _check_removed_groups(round_: Round, specs: Sequence[GroundSpec]) -> None:
    kept = {label for spec in specs for label in (spec.reference, *spec.others)}
    for group in round_.groups:
        if group.label in kept:
            continue
        used = db.session.scalar(select(func.count()).select_from(Profile).where(Profile.group_id == group.id))
        used += count_uses("group", [group.id])[group.id]
        if used:
            raise RoundError(_("The group %(label)s has profiles or applications; delete those before removing it.",
                               label=group.label))


def _check_design(title, market, test_type, grounds, positive_outcomes, fdr_level) -> None:
    if not title or not title.strip():
        raise RoundError(_("A round needs a title."))
    if market not in set(Market):
        raise RoundError(_("Unknown market %(market)r; choose labour or housing.", market=market))
    if test_type not in set(TestType):
        raise RoundError(_("Unknown test type %(type)r.", type=test_type))
    if not grounds:
        raise RoundError(_("A round tests at least one ground."))
    labels: list[str] = []
    for spec in grounds:
        _check_ground(spec)
        labels += [spec.reference.strip(), *(label.strip() for label in spec.others)]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise RoundError(_("Group labels must be unique within a round: %(labels)s.", labels=", ".join(duplicates)))
    if len({spec.ground for spec in grounds}) < len(grounds):
        raise RoundError(_("Each ground can appear only once in a round."))
    unknown = sorted(set(positive_outcomes) - set(OUTCOMES))
    if unknown or not positive_outcomes:
        raise RoundError(_("Positive outcomes must be some of %(outcomes)s.", outcomes=", ".join(OUTCOMES)))
    if not 0 < float(fdr_level) < 1:
        raise RoundError(_("The false discovery rate must lie between 0 and 1."))


def _check_ground(spec: GroundSpec) -> None:
    if spec.ground not in set(Ground):
        raise RoundError(_("Unknown ground %(ground)r; choose one of %(grounds)s.", ground=spec.ground,
                           grounds=", ".join(Ground)))
    if not spec.reference or not spec.reference.strip():
        raise RoundError(_("The ground %(ground)s needs a reference group.", ground=spec.ground))
    if not spec.others or not all(label.strip() for label in spec.others):
        raise RoundError(_("The ground %(ground)s needs at least one group besides the reference group.",
                           ground=spec.ground))
    if any(len(label.strip()) > 100 for label in (spec.reference, *spec.others)):
        raise RoundError(_("Group labels can be at most 100 characters long."))


def _check_numbers(response_window_days, planned_tests_per_target) -> None:
    if not 1 <= int(response_window_days) <= 365:
        raise RoundError(_("The response window must lie between 1 and 365 days."))
    if planned_tests_per_target is not None and not 1 <= int(planned_tests_per_target) <= 1000:
        raise RoundError(_("The planned number of tests per target must lie between 1 and 1000."))


def _check_municipalities(organisation_id: int, municipalities) -> None:
    if any(m.organisation_id != organisation_id for m in municipalities):
        raise RoundError(_("A round can only cover municipalities of its own organisation."))
