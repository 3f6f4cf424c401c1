"""The one bridge from a stored round to the statistics package `analysis/`.

One query fetches plain tuples straight from the database driver's cursor
(no ORM object, no result row per application), which become the parallel
arrays of `analysis.Applications`. Only applications with a recorded
response count; cancelled tests are left out.
"""
from __future__ import annotations

import gc
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select

from analysis import Applications, RoundAnalysis, analyse_round
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.organisations.models import Municipality
from praktijktest.rounds.models import Round, RoundGroup, Template
from praktijktest.targets.models import Target

# Breakdowns that come from columns, not from the attributes kept as JSON.
COLUMN_ATTRIBUTES = {"target_type": Target.kind, "template": func.coalesce(Template.name, Application.template_label)}


class AnalysisInputError(ValueError):
    """The round cannot be analysed as asked (no responses yet, unknown attribute)."""


def settled_response():
    """The responses a "verified responses only" analysis keeps.

    A response counts once it was verified (second entry, `fieldwork.queries.verified_only`);
    a "no response" outcome has no evidence to check, is never put up for verification
    (the progress page's "unverified" leaves it out too), and so always counts:
    dropping it would leave only the responses that did arrive and inflate every rate.
    """
    from praktijktest.fieldwork.queries import verified_only

    return verified_only() | (Response.outcome == "no_response")


def reference_group(round_: Round) -> str:
    """The reference group of the round's first ground (imported rounds have one ground)."""
    for ground in round_.grounds:
        if ground.reference_group is not None:
            return ground.reference_group.label
    raise AnalysisInputError("the round has no reference group")


def target_labels(round_: Round, pseudonymise: bool) -> dict[int, str]:
    """How targets are shown: pseudonym codes, or names (made unique when two targets share one)."""
    rows = db.session.execute(
        select(Target.id, Target.code, Target.name).join(Test, Test.target_id == Target.id)
        .where(Test.round_id == round_.id).distinct()
    ).all()
    labels = {i: (code if pseudonymise else name) for i, code, name in rows}
    counts = Counter(labels.values())
    return {i: (f"{labels[i]} [{code}]" if counts[labels[i]] > 1 else labels[i]) for i, code, _ in rows}


@dataclass(frozen=True, eq=False)
class RoundData:
    """A round's responded applications as arrays, before "positive" is decided.

    Loaded once and turned into `analysis.Applications` for each definition of a
    positive response (the analysis and its invitation-only sensitivity share it).
    """

    test_id: np.ndarray
    target: np.ndarray
    group: np.ndarray
    outcome: np.ndarray
    template: np.ndarray
    send_order: np.ndarray
    attributes: dict
    by: tuple[str, ...]

    def applications(self, positive: Sequence[str]) -> Applications:
        return Applications(test_id=self.test_id, target=self.target, group=self.group,
                            positive=np.isin(self.outcome, list(positive)), template=self.template,
                            send_order=self.send_order, attributes=self.attributes)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the rows are made and taken apart.

    Half a million new tuples and strings set off full collections, each walking every object
    of the loaded app: about half of the load time on the KRW round. Tuples of plain values make
    no reference cycles, so nothing is left for the collector; it is switched back on after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _text(values) -> np.ndarray:
    """A column as a numpy unicode array, None as the empty string."""
    return np.array(["" if v is None else str(v) for v in values], dtype=str)


def load_round(round_: Round, *, by: Sequence[str] = (), pseudonymise: bool = False,
               verified_only: bool = False) -> RoundData:
    """One plain query (the driver's tuples, no ORM objects), turned column by column into arrays."""
    with collector_paused():
        return _load_round(round_, by, pseudonymise, verified_only)


def _load_round(round_: Round, by: Sequence[str], pseudonymise: bool, verified_only: bool) -> RoundData:
    attributes = [name for name in by if name not in COLUMN_ATTRIBUTES]
    columns = [Test.external_id, Test.target_id, RoundGroup.label, Response.outcome,
               COLUMN_ATTRIBUTES["template"], Application.send_order]
    columns += [COLUMN_ATTRIBUTES[name] for name in by if name in COLUMN_ATTRIBUTES]
    query = (
        select(*columns).select_from(Application)
        .join(Test, Application.test_id == Test.id).join(Target, Test.target_id == Target.id)
        .join(RoundGroup, Application.group_id == RoundGroup.id)
        .join(Response, Response.application_id == Application.id)
        .outerjoin(Template, Application.template_id == Template.id)
        .where(Test.round_id == round_.id, Test.status != TestStatus.CANCELLED)
        .order_by(Application.id)
    )
    if attributes:
        query = (query.add_columns(Test.attributes, Application.attributes, Municipality.name)
                 .outerjoin(Municipality, Test.municipality_id == Municipality.id))
    if verified_only:
        query = query.where(settled_response())
    # SQLAlchemy builds and binds the query; the rows are read from the DBAPI cursor itself, as
    # the driver's plain tuples: SQLAlchemy's Row objects, and taking them apart column by column,
    # cost more than the query on the KRW round (83,643 applications). Every column read is a
    # plain string or integer in both drivers; the JSON columns are decoded below (SQLite's
    # driver gives their text, psycopg the decoded value).
    result = db.session.connection().execute(query)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        raise AnalysisInputError("the round has no verified responses yet" if verified_only
                                 else "the round has no recorded responses yet")
    data = list(zip(*rows, strict=True))
    labels = target_labels(round_, pseudonymise)
    # Each target's label once, then spread by index (not one dict look-up per application).
    target_ids, inverse = np.unique(np.fromiter(data[1], dtype=np.int64, count=len(rows)), return_inverse=True)
    target = np.array([labels[int(i)] for i in target_ids], dtype=str)[inverse]
    breakdown = {name: data[6 + i] for i, name in enumerate(n for n in by if n in COLUMN_ATTRIBUTES)}
    if attributes:
        breakdown |= _attribute_arrays(attributes, [_json(v) for v in data[-3]], [_json(v) for v in data[-2]],
                                       data[-1])
    return RoundData(
        test_id=np.array(data[0], dtype=str), target=target, group=np.array(data[2], dtype=str),
        outcome=np.array(data[3], dtype=str), template=_text(data[4]), send_order=_text(data[5]),
        attributes={name: _text(breakdown[name]) for name in by}, by=tuple(by),
    )


def _json(value) -> dict:
    """A JSON column's value as read from the cursor: text (SQLite), already decoded (psycopg), or NULL."""
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return value or {}


def round_applications(
    round_: Round, *, positive: Sequence[str] | None = None, by: Sequence[str] = (), pseudonymise: bool = False,
    verified_only: bool = False,
) -> Applications:
    """The responded applications of a round as `analysis.Applications` (only settled ones if `verified_only`)."""
    data = load_round(round_, by=by, pseudonymise=pseudonymise, verified_only=verified_only)
    return data.applications(positive or round_.positive_outcomes)


def _attribute_arrays(names, test_attributes, application_attributes, municipalities) -> dict[str, list]:
    """Values of JSON attributes: the application's own, else its test's; `municipality` falls back
    to the test's municipality of the organisation."""
    out = {}
    for name in names:
        values = [a.get(name) or t.get(name) for t, a in zip(test_attributes, application_attributes, strict=True)]
        if name == "municipality":
            values = [v or m for v, m in zip(values, municipalities, strict=True)]
        if not any(values):
            raise AnalysisInputError(f"no application has the attribute {name!r}")
        out[name] = values
    return out


# What a round is analysed with unless the pre-registration says otherwise: the
# software's documented defaults at lock time (docs/statistics.md).
REGISTERED_METHOD = {"target_method": "exact", "q_method": "bh"}
INVITATION_ONLY = ("invitation",)


def analyse(
    round_: Round, *, by: Sequence[str] = (), fdr: float | None = None, positive: Sequence[str] | None = None,
    target_method: str = "exact", q_method: str = "bh", pseudonymise: bool = False, verified_only: bool = False,
    data: RoundData | None = None,
) -> RoundAnalysis:
    """Run the statistics engine on a stored round (on `data` when it was loaded already)."""
    if data is None:
        data = load_round(round_, by=by, pseudonymise=pseudonymise, verified_only=verified_only)
    apps = data.applications(positive or round_.positive_outcomes)
    reference = reference_group(round_)
    if reference not in set(np.unique(apps.group).tolist()):
        raise AnalysisInputError(f"the reference group {reference!r} has no responses yet")
    try:
        return analyse_round(apps, reference, by=list(by), fdr=fdr if fdr is not None else round_.fdr_level,
                             target_method=target_method, q_method=q_method,
                             awareness_only=bool(round_.is_awareness_only))
    except ValueError as error:  # the engine explains what it cannot do
        raise AnalysisInputError(str(error)) from None


def _same_positives(data: RoundData, one: Sequence[str], other: Sequence[str]) -> bool:
    return bool(np.array_equal(np.isin(data.outcome, list(one)), np.isin(data.outcome, list(other))))


def registered(round_: Round) -> dict | None:
    """What the pre-registration fixed for the analysis, or None when the round was never locked."""
    design = ((round_.planning or {}).get("preregistration") or {}).get("design")
    if not design:
        return None
    return {"positive_outcomes": sorted(design["positive_outcomes"]), "fdr_level": design["fdr_level"],
            **REGISTERED_METHOD}


def deviations(round_: Round, result: RoundAnalysis, positive: Sequence[str] | None = None) -> list[dict]:
    """Every choice of this analysis that differs from the pre-registration ([] when none or not locked)."""
    fixed = registered(round_)
    if fixed is None:
        return []
    used = {"positive_outcomes": sorted(positive or round_.positive_outcomes), "fdr_level": result.fdr_level,
            "target_method": result.target_method, "q_method": result.q_method}
    return [{"item": key, "registered": fixed[key], "used": used[key]} for key in fixed if fixed[key] != used[key]]


def invitation_only_flags(round_: Round, result: RoundAnalysis, pseudonymise: bool = False,
                          verified_only: bool = False, data: RoundData | None = None,
                          positive: Sequence[str] | None = None) -> dict:
    """Sensitivity: the per-target flags when only an invitation counts as positive (same responses).

    `data` is the main analysis's loaded round, reused rather than queried again. When
    `positive` (the main analysis's outcomes) marks exactly the same responses positive as
    invitation-only does (a round with no information request, such as the imported KRW data),
    the engine would get the same input, so the main result is reused instead of computed
    a second time.
    """
    if data is not None and _same_positives(data, positive or round_.positive_outcomes, INVITATION_ONLY):
        alt = result
    else:
        try:
            alt = analyse(round_, fdr=result.fdr_level, positive=INVITATION_ONLY,
                          target_method=result.target_method, q_method=result.q_method,
                          pseudonymise=pseudonymise, verified_only=verified_only, data=data)
        except AnalysisInputError as error:
            return {"positive_outcomes": list(INVITATION_ONLY), "applicable": False, "reason": str(error)}
    main = {(t.target, t.group): t.flagged for t in result.targets}
    other = {(t.target, t.group): t.flagged for t in alt.targets}
    return {"positive_outcomes": list(INVITATION_ONLY), "applicable": True, "flagged": alt.flagged_targets,
            "newly_flagged": [f"{k[0]} ({k[1]})" for k, v in other.items() if v and not main.get(k)],
            "no_longer_flagged": [f"{k[0]} ({k[1]})" for k, v in main.items() if v and not other.get(k)]}
