"""Import a finished round from a long-format file: validate everything, then bulk-insert.

Nothing is written unless the whole file is valid (validation.validate).
Writing uses Core multi-row INSERTs (SQLAlchemy "insertmanyvalues", with
RETURNING for the ids the next table needs) instead of one ORM object per
row: 100,000 applications take a few seconds instead of a minute.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import IO

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, text

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.organisations.models import Municipality, Organisation
from praktijktest.rounds.models import (
    DEFAULT_POSITIVE_OUTCOMES,
    OUTCOMES,
    Ground,
    Market,
    Round,
    RoundGroup,
    RoundStatus,
    RoundTarget,
)
from praktijktest.rounds.services import GroundSpec, create_round
from praktijktest.tabular import FileRejected, Problems, read_table
from praktijktest.targets.models import Target, TargetKind
from praktijktest.targets.services import new_target_codes
from praktijktest.timeutil import utcnow

from .validation import Plan, validate

CHUNK = 10_000  # rows per progress step
DEFAULT_KIND = {Market.LABOUR: TargetKind.EMPLOYER, Market.HOUSING: TargetKind.LANDLORD}
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportRequest:
    """What the coordinator asked for: where the round goes and how it is designed."""

    organisation: Organisation
    title: str
    market: str
    ground: str
    reference: str
    positive_outcomes: Sequence[str] = DEFAULT_POSITIVE_OUTCOMES
    filename: str = ""
    created_by: object = None


@dataclass(frozen=True)
class Preview:
    """What an import will create, shown before it is confirmed."""

    applications: int
    tests: int
    targets_new: int
    targets_existing: int
    groups: list[tuple[str, int, bool]]  # label, applications, is reference
    attribute_columns: list[str]
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None  # how a CSV was read: "UTF-8", "Windows-1252"; None for XLSX

    def to_dict(self) -> dict:
        return {
            "applications": self.applications, "tests": self.tests,
            "targets": self.targets_new + self.targets_existing,
            "targets_new": self.targets_new, "targets_existing": self.targets_existing,
            "groups": [{"group": g, "applications": n, "is_reference": r} for g, n, r in self.groups],
            "attribute_columns": self.attribute_columns, "warnings": self.warnings,
        }


def check_file(source: IO[bytes] | str, filename: str, request: ImportRequest) -> tuple[Plan, Preview]:
    """Read and validate a whole file; raises FileRejected listing every problem."""
    table = read_table(source, filename)
    plan, problems = validate(table, request.reference, DEFAULT_KIND.get(request.market, TargetKind.EMPLOYER))
    _check_request(request, problems)
    if problems:
        raise FileRejected(problems)
    return plan, replace(preview(plan, request), encoding=table.encoding)


def _check_request(request: ImportRequest, problems: Problems) -> None:
    """The round's design is checked with the file, so that one run reports both."""
    if not request.title.strip():
        problems.add(None, None, _("the round needs a name"))
    if request.market not in set(Market):
        problems.add(None, None, _("unknown market %(market)r; use labour or housing", market=request.market))
    if request.ground not in set(Ground):
        problems.add(None, None, _("unknown ground %(ground)r; use one of %(grounds)s", ground=request.ground,
                                   grounds=", ".join(Ground)))
    unknown = sorted(set(request.positive_outcomes) - set(OUTCOMES))
    if unknown or not request.positive_outcomes:
        problems.add(None, None, _("positive outcomes must be some of %(outcomes)s", outcomes=", ".join(OUTCOMES)))


def preview(plan: Plan, request: ImportRequest) -> Preview:
    """Counts of what `import_plan` would create, and the warnings about the file."""
    existing = _resolve_targets(plan, request.organisation.id)
    counts = plan.group_counts()
    groups = [(request.reference, counts[request.reference], True)]
    groups += [(g, n, False) for g, n in sorted(counts.items()) if g != request.reference]
    warnings = []
    if plan.single_group_tests:
        warnings.append(ngettext(
            "%(num)d test has applications of one group only: it counts in the group rates, not in the "
            "comparisons between groups.",
            "%(num)d tests have applications of one group only: they count in the group rates, not in the "
            "comparisons between groups.", plan.single_group_tests))
    return Preview(len(plan), len(plan.test_target), len(plan.target_kind) - len(existing), len(existing),
                   groups, plan.attribute_columns, warnings)


def import_plan(plan: Plan, request: ImportRequest, progress: Progress | None = None) -> Round:
    """Write a validated plan as a finished round (status analysed); only flushes."""
    step = progress or (lambda n: None)
    others = sorted(set(plan.groups) - {request.reference})
    round_ = create_round(
        request.organisation, request.title, request.market,
        [GroundSpec(request.ground, request.reference, others)],
        positive_outcomes=request.positive_outcomes, status=RoundStatus.ANALYSED, created_by=request.created_by,
        source="imported", source_filename=(request.filename or "")[:255] or None, locked_at=utcnow(),
    )
    municipalities = _municipalities(plan, request.organisation)
    round_.municipalities = sorted(set(municipalities.values()), key=lambda m: m.name)
    target_ids, created_codes = _write_targets(plan, request.organisation.id, round_.id)
    test_ids = _write_tests(plan, round_.id, target_ids, municipalities)
    group_ids = {g.label: g.id for g in db.session.scalars(select(RoundGroup).where(RoundGroup.round_id == round_.id))}
    _write_applications(plan, test_ids, group_ids, step)
    record("round.import", round_, summary=f"{len(plan)} applications, {len(test_ids)} tests, "
           f"{len(target_ids)} targets from {request.filename or 'a file'}",
           changes={"targets_created": created_codes}, organisation_id=request.organisation.id)
    return round_


def import_file(source: IO[bytes] | str, filename: str, request: ImportRequest,
                progress: Progress | None = None) -> Round:
    """Validate and import in one go; raises FileRejected and writes nothing on any problem."""
    plan, _ = check_file(source, filename, request)
    return import_plan(plan, request, progress)


def _resolve_targets(plan: Plan, organisation_id: int) -> dict[str, int]:
    """File targets that already exist: same name and kind, or the pseudonym code of an export."""
    by_name: dict[tuple[str, str], int] = {}
    by_code: dict[tuple[str, str], int] = {}
    rows = db.session.execute(
        select(Target.id, Target.name, Target.kind, Target.code)
        .where(Target.organisation_id == organisation_id).order_by(Target.id.desc())
    )
    for target_id, name, kind, code in rows:
        by_name[(name, kind)] = target_id  # descending ids: the oldest wins
        by_code[(code, kind)] = target_id
    found = {}
    for name, kind in plan.target_kind.items():
        target_id = by_name.get((name, kind)) or by_code.get((name, kind))
        if target_id is not None:
            found[name] = target_id
    return found


def _write_targets(plan: Plan, organisation_id: int, round_id: int) -> tuple[dict[str, int], list[str]]:
    """Reuse known targets, bulk-insert new ones with fresh codes; link all to the round."""
    ids = _resolve_targets(plan, organisation_id)
    new_by_kind: dict[str, list[str]] = {}
    for name, kind in plan.target_kind.items():
        if name not in ids:
            new_by_kind.setdefault(kind, []).append(name)
    created: list[str] = []
    for kind, names in new_by_kind.items():
        codes = new_target_codes(organisation_id, len(names), kind)
        now = utcnow()
        rows = [{"organisation_id": organisation_id, "code": code, "name": name, "kind": kind, "created_at": now,
                 "version": 1, "is_contractor": False} for name, code in zip(names, codes, strict=True)]
        new_ids = _insert_returning(Target, rows)
        ids.update(zip(names, new_ids, strict=True))
        created += codes
    now = utcnow()
    _insert(RoundTarget, [{"round_id": round_id, "target_id": i, "stratum": "", "drawn_at": now}
                          for i in sorted(set(ids.values()))])
    return ids, created


def _municipalities(plan: Plan, organisation: Organisation) -> dict[str, Municipality]:
    """`municipality` values naming one of the organisation's municipalities (case-insensitive)."""
    known = {m.name.lower(): m for m in organisation.municipalities}
    return {value: known[value.lower()] for value in
            {a.get("municipality", "") for a in plan.test_attributes.values()} if value.lower() in known}


def _write_tests(plan: Plan, round_id: int, target_ids: dict[str, int],
                 municipalities: dict[str, Municipality]) -> dict[str, int]:
    now = utcnow()
    external = list(plan.test_target)
    rows = []
    for external_id in external:
        attributes = plan.test_attributes.get(external_id, {})
        municipality = municipalities.get(attributes.get("municipality", ""))
        rows.append({
            "round_id": round_id, "target_id": target_ids[plan.test_target[external_id]], "external_id": external_id,
            "status": TestStatus.COMPLETED, "municipality_id": municipality.id if municipality else None,
            "attributes": attributes, "created_at": now,
        })
    return dict(zip(external, _insert_returning(Test, rows), strict=True))


def _write_applications(plan: Plan, test_ids: dict[str, int], group_ids: dict[str, int], step: Progress) -> None:
    """Applications in chunks (their ids come back in order), then one response each."""
    now = utcnow()
    for start in range(0, len(plan), CHUNK):
        span = range(start, min(start + CHUNK, len(plan)))
        rows = [{
            "test_id": test_ids[plan.test_ids[i]], "group_id": group_ids[plan.groups[i]],
            "profile_label": plan.profiles[i], "template_label": plan.templates[i],
            "send_order": plan.send_orders[i], "sent_at": plan.sent_at[i],
            "attributes": plan.application_attributes[i],
        } for i in span]
        application_ids = _insert_returning(Application, rows)
        _insert(Response, [{
            "application_id": application_id, "outcome": plan.outcomes[i], "responded_at": plan.responded_at[i],
            "notes": "", "recorded_at": now, "version": 1,
        } for i, application_id in zip(span, application_ids, strict=True)])
        step(len(span))


def _insert_returning(model: type, rows: list[dict]) -> list[int]:
    """Insert `rows` with ids reserved beforehand; returns the ids in the order of `rows`.

    RETURNING with guaranteed order makes SQLAlchemy send one row per statement
    on SQLite (ten times slower); reserving the ids first keeps executemany.
    """
    ids = _reserve_ids(model.__table__, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    _insert(model, rows)
    return ids


def _reserve_ids(table, count: int) -> list[int]:
    """`count` primary keys no one else will use.

    PostgreSQL: taken from the column's sequence, safe under concurrency.
    SQLite: the transaction already holds the database's single write lock
    (the round was inserted first), so the ids after the current maximum are ours.
    """
    if count == 0:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        statement = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")
        return list(db.session.scalars(statement, {"table": table.name, "count": count}))
    start = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return list(range(start + 1, start + count + 1))


def _insert(model: type, rows: list[dict]) -> None:
    """executemany straight on the driver, values converted once per column by the column's own type.

    SQLAlchemy's Core executemany builds and processes every parameter set
    in Python; at 100,000 rows that costs more than the database itself.
    The conversions are the ones SQLAlchemy would apply (bind_processor).
    """
    if not rows:
        return
    table = model.__table__
    dialect = db.session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    columns = list(rows[0])
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    values = []
    for column in columns:
        convert = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        cells = [row[column] for row in rows]
        values.append(_converted(cells, convert) if convert else cells)
    rows_out = list(zip(*values, strict=True))
    if dialect.name == "postgresql":
        _copy(f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN", rows_out)
    else:
        db.session.connection().exec_driver_sql(sql, rows_out)


def _copy(sql: str, rows: list[tuple]) -> None:
    """PostgreSQL's COPY through psycopg: several times faster than executemany for bulk rows."""
    driver = db.session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _converted(cells: list, convert: Callable) -> list:
    """Convert each distinct object once: timestamps and empty attribute dicts are shared by many rows."""
    done: dict[int, object] = {}
    out = []
    for value in cells:
        key = id(value)
        if key not in done:
            done[key] = None if value is None else convert(value)
        out.append(done[key])
    return out
