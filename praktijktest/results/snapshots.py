"""`run_analysis`: the one way a round is analysed and becomes `analysed`.

It runs the pre-registered analysis (outcome definition, false discovery
rate and method from the locked protocol) on the round's responses and
stores an `AnalysisSnapshot`. Targets enter the engine as their pseudonym
codes, so a snapshot holds no identity: names are looked up only when a
coordinator asks for them (an audited identity view).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.results.breakdowns import available_breakdowns
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.rounds.models import Round, RoundGroup, RoundStatus
from praktijktest.targets.models import Target

INPUT_FORMAT = "praktijktest-analysis-input/1"
SNAPSHOT_FORMAT = "praktijktest-analysis-snapshot/1"
# The method the protocol implies when it names none: exact tests per target (docs/statistics.md).
DEFAULT_METHOD = "exact"
# Statuses in which the analysis may run: fieldwork has started, or the round is finished.
ANALYSABLE = (RoundStatus.FIELDWORK, RoundStatus.ANALYSED, RoundStatus.REPORTED)


class AnalysisError(ValueError):
    """The round cannot be analysed now; the message says why, in the reader's language."""


@dataclass(frozen=True)
class RunRequest:
    """What to run; None means "as the locked protocol says"."""

    positive: tuple[str, ...] | None = None
    fdr: float | None = None
    target_method: str | None = None
    q_method: str | None = None
    by: tuple[str, ...] | None = None
    # Only responses that were verified (or are "no response", which has nothing to verify).
    verified_only: bool = False
    extra: dict = field(default_factory=dict)


def canonical_json(value) -> bytes:
    """Compact JSON with sorted keys, UTF-8: the bytes every hash here is taken of."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def software_version() -> str:
    """The application's version (pyproject.toml), as stamped on every snapshot."""
    from importlib import metadata

    try:
        return f"praktijktest {metadata.version('praktijktest')}"
    except metadata.PackageNotFoundError:
        return f"praktijktest {_pyproject_version()}"


def _pyproject_version() -> str:
    import tomllib
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        return tomllib.loads(path.read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _responses(round_: Round):
    """The responses of the round's tests that are not cancelled, with their application and test."""
    return (select().select_from(Application).join(Test, Application.test_id == Test.id)
            .join(Response, Response.application_id == Application.id)
            .where(Test.round_id == round_.id, Test.status != TestStatus.CANCELLED))


def input_rows(round_: Round, verified_only: bool = False) -> list[list[str]]:
    """Every analysed application as [test, target code, group, outcome], in a fixed order."""
    query = (_responses(round_).add_columns(Test.external_id, Target.code, RoundGroup.label, Response.outcome)
             .join(Target, Test.target_id == Target.id).join(RoundGroup, Application.group_id == RoundGroup.id))
    if verified_only:
        from praktijktest.datasets.adapter import settled_response

        query = query.where(settled_response())
    from praktijktest.datasets.adapter import collector_paused

    # As the adapter's load_round: the driver's tuples from the cursor, the collector paused while
    # 83,643 rows (the KRW round) are made and sorted; about half the time of Rows with it running.
    result = db.session.connection().execute(query)
    with collector_paused():
        try:
            rows = [[str(t), str(c), str(g), str(o)] for t, c, g, o in result.cursor.fetchall()]
        finally:
            result.close()
        rows.sort()
    return rows


def uses_verification(round_: Round) -> bool:
    """Whether any response of the round was verified: only then is "verified responses only" offered."""
    return db.session.scalar(_responses(round_).add_columns(Response.id)
                             .where(Response.verified_at.is_not(None)).limit(1)) is not None


def unverified_count(round_: Round) -> int:
    """Responses a "verified responses only" analysis leaves out: recorded, checkable, not yet verified."""
    from praktijktest.datasets.adapter import settled_response

    return db.session.scalar(_responses(round_).add_columns(db.func.count()).where(~settled_response())) or 0


def input_sha256(rows: list[list[str]]) -> str:
    """SHA-256 of the canonical input (docs/results.md gives the recipe)."""
    return hashlib.sha256(canonical_json({"format": INPUT_FORMAT, "applications": rows})).hexdigest()


def locked_design(round_: Round) -> dict | None:
    """The design hashed at locking time, or None when the round was never pre-registered."""
    return ((round_.planning or {}).get("preregistration") or {}).get("design")


def protocol_parameters(round_: Round) -> dict:
    """Outcome definition, false discovery rate and methods as the protocol fixed them."""
    from praktijktest.datasets.adapter import REGISTERED_METHOD, registered

    fixed = registered(round_) or {}
    return {
        "positive_outcomes": sorted(fixed.get("positive_outcomes") or round_.positive_outcomes),
        "fdr_level": float(fixed.get("fdr_level", round_.fdr_level)),
        **{name: fixed.get(name, default) for name, default in REGISTERED_METHOD.items()},
    }


def compute_deviations(round_: Round, parameters: dict, engine_deviations=None) -> list[dict]:
    """What differs from the pre-registration: the engine's own list if it gives one, plus ours."""
    out = [d if isinstance(d, dict) else {"kind": "engine", "text": str(d)} for d in (engine_deviations or [])]
    if locked_design(round_) is None:
        return out + [{"kind": "no_preregistration", "field": None, "planned": None, "used": None}]
    planned = protocol_parameters(round_)
    for name in ("positive_outcomes", "fdr_level", "target_method", "q_method"):
        if parameters.get(name) != planned[name]:
            out.append({"kind": "parameter", "field": name, "planned": planned[name], "used": parameters.get(name)})
    if parameters.get("verified_only"):
        # The protocol analyses every recorded response; a subset is a choice made afterwards.
        out.append({"kind": "verified_only", "left_out": parameters.get("responses_left_out")})
    return out


def _parameters(round_: Round, request: RunRequest, reference: str, by: list[str]) -> dict:
    planned = protocol_parameters(round_)
    pending = db.session.scalar(
        select(db.func.count()).select_from(Test)
        .where(Test.round_id == round_.id, Test.status.in_((TestStatus.PLANNED, TestStatus.IN_PROGRESS)))) or 0
    return {
        "reference_group": reference,
        "positive_outcomes": sorted(request.positive) if request.positive else planned["positive_outcomes"],
        "fdr_level": float(request.fdr) if request.fdr is not None else planned["fdr_level"],
        "target_method": request.target_method or planned["target_method"],
        "q_method": request.q_method or planned["q_method"],
        "by": by,
        "tests_pending": int(pending),
        # Present only when asked, so that snapshots of the whole data keep their hash recipe.
        **({"verified_only": True, "responses_left_out": unverified_count(round_)} if request.verified_only else {}),
        **request.extra,
    }


def _engine(round_: Round, parameters: dict):
    """The statistics engine through the one adapter, targets as codes: (analysis, the loaded round)."""
    from praktijktest.datasets.adapter import AnalysisInputError, analyse, load_round

    try:
        data = load_round(round_, by=parameters["by"], pseudonymise=True,
                          verified_only=bool(parameters.get("verified_only")))
        return analyse(round_, by=parameters["by"], fdr=parameters["fdr_level"],
                       positive=parameters["positive_outcomes"], target_method=parameters["target_method"],
                       q_method=parameters["q_method"], data=data), data
    except AnalysisInputError as error:
        raise AnalysisError(_("The analysis cannot run: %(reason)s", reason=error)) from None


def run_analysis(round_: Round, user=None, request: RunRequest | None = None) -> AnalysisSnapshot:
    """Analyse the round as pre-registered, store a snapshot, make the round analysed; audited.

    The same input, parameters and software give the same snapshot hash: when
    the latest snapshot has it, that one is returned (the run is still audited).
    """
    from praktijktest.datasets.adapter import AnalysisInputError, reference_group

    request = request or RunRequest()
    if RoundStatus(round_.status) not in ANALYSABLE:
        raise AnalysisError(_("A round can be analysed once its fieldwork has started."))
    if request.verified_only and not uses_verification(round_):
        raise AnalysisError(_("No response of this round has been verified yet, so there is nothing to analyse "
                              "with verified responses only."))
    try:
        reference = reference_group(round_)
    except AnalysisInputError:
        raise AnalysisError(_("The round has no reference group.")) from None
    by = list(request.by) if request.by is not None else available_breakdowns(round_)
    parameters = _parameters(round_, request, reference, by)
    try:
        analysis, data = _engine(round_, parameters)
    except AnalysisError:
        if request.by is not None or not by:
            raise
        # Breakdowns chosen automatically must never stop the analysis itself.
        parameters = {**parameters, "by": [], "breakdowns_failed": by}
        analysis, data = _engine(round_, parameters)
    result = _with_invitation_only(round_, analysis, parameters, data)
    from praktijktest.followup.sequential import snapshot_section

    if (sequential := snapshot_section(round_)) is not None:
        result["sequential"] = sequential  # an adaptive retest's pre-registered rule, decided along each path
    data_hash = input_sha256(input_rows(round_, verified_only=bool(parameters.get("verified_only"))))
    snapshot = _store(round_, user, parameters, result, data_hash)
    if round_.status == RoundStatus.FIELDWORK:
        from praktijktest.rounds.services import transition

        transition(round_, RoundStatus.ANALYSED, reason=f"analysis snapshot {snapshot.sha256}")
    return snapshot


def _with_invitation_only(round_: Round, analysis, parameters: dict, data=None) -> dict:
    """The result JSON, its sensitivity section completed with the flags under invitation-only outcomes."""
    from praktijktest.datasets.adapter import INVITATION_ONLY, invitation_only_flags

    result = analysis.to_dict()
    if set(parameters["positive_outcomes"]) != set(INVITATION_ONLY):
        result["sensitivity"] = {**(result.get("sensitivity") or {}),
                                 "invitation_only": invitation_only_flags(
                                     round_, analysis, pseudonymise=True,
                                     verified_only=bool(parameters.get("verified_only")), data=data,
                                     positive=parameters["positive_outcomes"])}
    return result


def _store(round_: Round, user, parameters: dict, result: dict, data_hash: str) -> AnalysisSnapshot:
    version = software_version()
    deviations = compute_deviations(round_, parameters, result.get("deviations"))
    content = {"format": SNAPSHOT_FORMAT, "input_sha256": data_hash, "parameters": parameters,
               "deviations": deviations, "result": result, "software_version": version,
               "protocol_sha256": round_.protocol_sha256}
    digest = hashlib.sha256(canonical_json(content)).hexdigest()
    snapshot = latest_snapshot(round_)
    is_new = snapshot is None or snapshot.sha256 != digest
    if is_new:
        snapshot = AnalysisSnapshot(
            round_id=round_.id, organisation_id=round_.organisation_id, sha256=digest, input_sha256=data_hash,
            protocol_sha256=round_.protocol_sha256, parameters=parameters, deviations=deviations, result=result,
            software_version=version, applications=int(result.get("applications") or 0),
            created_by_id=getattr(user, "id", None))
        db.session.add(snapshot)
        db.session.flush()
    record("round.analyse", round_, actor=user, organisation_id=round_.organisation_id,
           summary=f"snapshot {digest}" + ("" if is_new else " (unchanged: same input and parameters)"),
           changes={"snapshot_sha256": [None, digest], "input_sha256": [None, data_hash]})
    return snapshot


def latest_snapshot(round_: Round) -> AnalysisSnapshot | None:
    return db.session.scalar(select(AnalysisSnapshot).where(AnalysisSnapshot.round_id == round_.id)
                             .order_by(AnalysisSnapshot.created_at.desc(), AnalysisSnapshot.id.desc()).limit(1))


def latest_snapshots(round_ids) -> dict[int, AnalysisSnapshot]:
    """The newest snapshot of each of these rounds, in one query: earlier ones' (large) results are never loaded."""
    if not round_ids:
        return {}
    newest = (select(db.func.max(AnalysisSnapshot.id)).where(AnalysisSnapshot.round_id.in_(round_ids))
              .group_by(AnalysisSnapshot.round_id))
    return {s.round_id: s for s in db.session.scalars(select(AnalysisSnapshot).where(AnalysisSnapshot.id.in_(newest)))}


def round_snapshots(round_: Round) -> list[AnalysisSnapshot]:
    """Every snapshot of the round, newest first, without their (large) results."""
    from sqlalchemy.orm import defer

    return list(db.session.scalars(select(AnalysisSnapshot).where(AnalysisSnapshot.round_id == round_.id)
                                   .options(defer(AnalysisSnapshot.result))
                                   .order_by(AnalysisSnapshot.created_at.desc(), AnalysisSnapshot.id.desc())))


def snapshot_of_round(round_: Round, snapshot_id: int) -> AnalysisSnapshot | None:
    snapshot = db.session.get(AnalysisSnapshot, snapshot_id)
    return snapshot if snapshot is not None and snapshot.round_id == round_.id else None
