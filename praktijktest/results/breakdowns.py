"""Which breakdowns a round's data can give (member municipality, sector, target type, template)."""
from __future__ import annotations

from sqlalchemy import func, select

from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Test
from praktijktest.rounds.models import Round

# In this order on the results page and in the report.
CANDIDATES = ("municipality", "sector", "target_type", "template")
# JSON attributes are looked for in this many rows: a round either records them or not.
SAMPLE_ROWS = 500


def available_breakdowns(round_: Round) -> list[str]:
    """The candidate breakdowns with at least two values in the round's data."""
    tests = db.session.execute(select(Test.attributes, Test.municipality_id).where(Test.round_id == round_.id)
                               .limit(SAMPLE_ROWS)).all()
    apps = db.session.scalars(select(Application.attributes).join(Test).where(Test.round_id == round_.id)
                              .limit(SAMPLE_ROWS)).all()
    out = []
    for name in ("municipality", "sector"):
        values = ({(a or {}).get(name) for a in apps} | {(t or {}).get(name) for t, _ in tests}) - {None, ""}
        if name == "municipality" and not values:  # the adapter falls back to the test's municipality
            values = {m for _, m in tests}
        if len(values - {None, ""}) > 1:
            out.append(name)
    if _distinct(round_, "target_type") > 1:
        out.append("target_type")
    if _distinct(round_, "template") > 1:
        out.append("template")
    return out


def _distinct(round_: Round, name: str) -> int:
    from praktijktest.datasets.adapter import COLUMN_ATTRIBUTES
    from praktijktest.rounds.models import Template
    from praktijktest.targets.models import Target

    query = (select(func.count(func.distinct(COLUMN_ATTRIBUTES[name]))).select_from(Application)
             .join(Test, Application.test_id == Test.id).join(Target, Test.target_id == Target.id)
             .outerjoin(Template, Application.template_id == Template.id).where(Test.round_id == round_.id))
    return db.session.scalar(query) or 0
