"""The per-target table of a snapshot: sorted and filtered on the server, names only for coordinators."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Test
from praktijktest.results.presenters import EVIDENCE_LABELS
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target
from praktijktest.targets.services import record_identity_view

PER_PAGE = 100
LEVEL_ORDER = {level: i for i, level in enumerate(EVIDENCE_LABELS)}


def _num(key):
    def value(t: dict):
        v = t.get(key)
        return (v is None, v if v is not None else 0)
    return value


SORTS = {
    "target": lambda t: (False, str(t.get("target"))),
    "tests": _num("tests"),
    "reference_favoured": _num("reference_favoured"),
    "p": _num("p_value"),
    "q": _num("q_value"),
    "level": lambda t: (False, LEVEL_ORDER.get(t.get("evidence_level"), len(LEVEL_ORDER))),
}
DEFAULT_SORT = "q"


@dataclass(frozen=True)
class TableRequest:
    sort: str = DEFAULT_SORT
    descending: bool = False
    flagged_only: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args) -> TableRequest:
        """Unknown or hostile values fall back to the defaults: a URL never causes an error."""
        sort = args.get("sort", DEFAULT_SORT)
        page = args.get("page", 1, type=int) or 1
        return cls(sort if sort in SORTS else DEFAULT_SORT, args.get("dir") == "desc",
                   args.get("flagged") == "1", min(max(page, 1), 100_000))


@dataclass(frozen=True)
class TablePage:
    rows: list[dict]
    total: int
    page: int
    pages: int


def target_table(result: dict, request: TableRequest) -> TablePage:
    """One page of the per-target rows, sorted and filtered as asked."""
    rows = [t for t in result.get("targets") or [] if isinstance(t, dict)]
    if request.flagged_only:
        rows = [t for t in rows if t.get("flagged")]
    rows = sorted(rows, key=SORTS[request.sort], reverse=request.descending)
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(request.page, pages)
    return TablePage(rows[(page - 1) * PER_PAGE: page * PER_PAGE], len(rows), page, pages)


def target_names(round_: Round, codes: list[str]) -> dict[str, str]:
    """Names of the round's targets shown on a page; an audited identity view."""
    if not codes:
        return {}
    targets = db.session.scalars(
        select(Target).join(Test, Test.target_id == Target.id)
        .where(Test.round_id == round_.id, Target.code.in_(set(codes))).distinct()).all()
    record_identity_view(sorted(targets, key=lambda t: t.code), "results table",
                         organisation_id=round_.organisation_id)
    return {t.code: t.name for t in targets}
