"""Importing targets from a CSV or XLSX file: validate everything, then write everything.

The file format is described in docs/data-format.md ("Target registry
file"). Every problem is reported as `line N, column C: what is wrong`,
and nothing is written while there is one. A row whose enterprise number
is already in the registry UPDATES that target (its non-empty cells
overwrite, empty cells keep what is there; the code stays), so that a
refreshed list can be imported again; the same number twice in one file
is refused.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.organisations.models import Municipality, Organisation
from praktijktest.tabular import FileRejected, Problems, Table, read_table
from praktijktest.targets.kbo import format_enterprise_number, normalise_enterprise_number
from praktijktest.targets.models import Target, TargetKind
from praktijktest.targets.services import (
    MAX_LENGTHS,
    TargetError,
    enterprise_number_problem,
    new_target_codes,
    normalise_nace,
)

COLUMNS = (
    "name", "kind", "enterprise_number", "nace_code", "sector", "municipality", "address", "contact",
    "contractor", "contract_reference",
)
REQUIRED_COLUMNS = ("name", "kind")
# Words for the kinds in English, Dutch and French, as coordinators write them.
KIND_WORDS = {
    TargetKind.EMPLOYER: {"employer", "werkgever", "employeur"},
    TargetKind.LANDLORD: {"landlord", "verhuurder", "eigenaar", "bailleur", "propriétaire", "proprietaire"},
    TargetKind.AGENCY: {"agency", "kantoor", "immokantoor", "vastgoedkantoor", "interimkantoor", "agence"},
}
YES = {"yes", "y", "ja", "j", "oui", "true", "1", "x"}
NO = {"no", "n", "nee", "non", "false", "0", ""}


@dataclass
class ImportRow:
    """One valid row: the target's fields, and the existing target it updates (if any)."""

    line: int
    fields: dict
    existing: Target | None = None

    @property
    def action(self) -> str:
        return "update" if self.existing else "create"

    @property
    def formatted_number(self) -> str:
        number = self.fields.get("enterprise_number")
        return format_enterprise_number(number) if number else ""


@dataclass
class ImportPlan:
    """What an import would do; made only when the whole file is valid."""

    rows: list[ImportRow]

    @property
    def created(self) -> int:
        return sum(1 for row in self.rows if not row.existing)

    @property
    def updated(self) -> int:
        return sum(1 for row in self.rows if row.existing)


@dataclass
class ImportResult:
    created: list[Target] = field(default_factory=list)
    updated: list[Target] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.created)} targets created, {len(self.updated)} updated"


def plan_import(organisation: Organisation, table: Table) -> ImportPlan:
    """Validate a whole table against the registry; FileRejected lists every problem."""
    problems = Problems(list(table.problems.items))
    _check_columns(table.columns, problems)
    if problems:
        raise FileRejected(problems)
    if not table.rows:
        problems.add(None, None, _("the file has no rows of data"))
        raise FileRejected(problems)
    municipalities = _municipalities(organisation.id)
    rows = [ImportRow(line, _clean_row(line, cells, municipalities, problems)) for line, cells in table.rows]
    _check_duplicates(rows, problems)
    if problems:
        raise FileRejected(problems)
    known = _known_numbers(organisation.id, {row.fields["enterprise_number"] for row in rows} - {None})
    for row in rows:
        row.existing = known.get(row.fields["enterprise_number"])
    return ImportPlan(rows)


def import_targets(organisation: Organisation, rows: Table | Iterable[dict]) -> ImportResult:
    """Import targets (a Table, or dicts keyed by the file's column names); all or nothing.

    Raises FileRejected when any row is wrong; plain dicts are numbered as
    file lines from 2, as if a header were line 1.
    """
    table = rows if isinstance(rows, Table) else _table_of(list(rows))
    return apply_plan(organisation, plan_import(organisation, table))


def import_file(
    organisation: Organisation, source: str | Path | IO[bytes], filename: str | None = None
) -> ImportResult:
    """Read a CSV/XLSX file and import it; FileRejected when anything is wrong."""
    return import_targets(organisation, read_table(source, filename))


def apply_plan(organisation: Organisation, plan: ImportPlan) -> ImportResult:
    """Write a validated plan: new targets get fresh codes, known ones are updated. One audit event."""
    result = ImportResult()
    new_rows = [row for row in plan.rows if not row.existing]
    codes = {kind: iter(new_target_codes(organisation.id, count, kind))
             for kind, count in Counter(row.fields["kind"] for row in new_rows).items()}
    for row in new_rows:
        fields = {key: value for key, value in row.fields.items() if value is not None}
        target = Target(organisation_id=organisation.id, code=next(codes[row.fields["kind"]]), **fields)
        db.session.add(target)
        result.created.append(target)
    for row in plan.rows:
        if row.existing:
            for key, value in row.fields.items():
                if value not in (None, "") and getattr(row.existing, key) != value:
                    setattr(row.existing, key, value)
            result.updated.append(row.existing)
    db.session.flush()
    record(
        "target.import",
        None,
        summary=result.summary(),
        changes={"created": [t.code for t in result.created], "updated": [t.code for t in result.updated]},
        organisation_id=organisation.id,
    )
    return result


def _table_of(rows: list[dict]) -> Table:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return Table(columns, [(line, {c: str(row.get(c) or "").strip() for c in columns})
                           for line, row in enumerate(rows, start=2)])


def _check_columns(columns: list[str], problems: Problems) -> None:
    for column in columns:
        if column not in COLUMNS:
            problems.add(1, column, _("unknown column; the columns are %(columns)s", columns=", ".join(COLUMNS)))
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problems.add(1, column, _("the column is missing"))


def _clean_row(line: int, cells: dict[str, str], municipalities: dict[str, int], problems: Problems) -> dict:
    def text(column: str) -> str | None:
        return (cells.get(column) or "").strip() or None

    fields = {"name": text("name"), "sector": text("sector"), "address": text("address"),
              "contact": text("contact"), "contract_reference": text("contract_reference")}
    if not fields["name"]:
        problems.add(line, "name", _("the name is missing"))
    fields["kind"] = _kind(text("kind"), line, problems)
    fields["enterprise_number"] = _enterprise_number(text("enterprise_number"), line, problems)
    try:
        fields["nace_code"] = normalise_nace(text("nace_code"))
    except TargetError as error:
        problems.add(line, "nace_code", str(error))
    place = text("municipality")
    fields["municipality_id"] = municipalities.get(place.lower()) if place else None
    fields["municipality_name"] = None if fields["municipality_id"] else place
    fields["is_contractor"] = _contractor(text("contractor"), line, problems)
    if fields["contract_reference"] and not fields["is_contractor"]:
        problems.add(line, "contract_reference", _("a contract reference needs contractor = yes"))
    for key, limit in MAX_LENGTHS.items():
        column = "municipality" if key == "municipality_name" else key
        if len(fields.get(key) or "") > limit:
            problems.add(line, column, _("longer than %(limit)d characters", limit=limit))
    return fields


def _kind(value: str | None, line: int, problems: Problems) -> str | None:
    word = (value or "").lower()
    for kind, words in KIND_WORDS.items():
        if word in words:
            return kind.value
    if value:
        problems.add(line, "kind", _("unknown kind %(kind)r; use employer, landlord or agency", kind=value))
    else:
        problems.add(line, "kind", _("the kind is missing (employer, landlord or agency)"))
    return None


def _enterprise_number(value: str | None, line: int, problems: Problems) -> str | None:
    if not value:
        return None
    problem = enterprise_number_problem(value)
    if problem:
        problems.add(line, "enterprise_number", problem)
        return None
    return normalise_enterprise_number(value)


def _contractor(value: str | None, line: int, problems: Problems) -> bool | None:
    """True or False; None for an empty cell (a new target is then no contractor, a known one keeps its value)."""
    word = (value or "").lower()
    if word not in YES | NO:
        problems.add(line, "contractor", _("write yes or no, not %(value)r", value=value))
    return None if not word else word in YES


def _check_duplicates(rows: list[ImportRow], problems: Problems) -> None:
    first_line: dict[str, int] = {}
    for row in rows:
        number = row.fields.get("enterprise_number")
        if number is None:
            continue
        if number in first_line:
            problems.add(row.line, "enterprise_number", _(
                "the enterprise number %(number)s is also on line %(line)d",
                number=format_enterprise_number(number), line=first_line[number],
            ))
        else:
            first_line[number] = row.line


def _municipalities(organisation_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Municipality.name, Municipality.id).where(Municipality.organisation_id == organisation_id)
    ).all()
    return {name.lower(): municipality_id for name, municipality_id in rows}


def _known_numbers(organisation_id: int, numbers: set[str]) -> dict[str, Target]:
    known: dict[str, Target] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 500):  # stay under database parameter limits
        chunk = ordered[start:start + 500]
        for target in db.session.scalars(
            select(Target).where(Target.organisation_id == organisation_id, Target.enterprise_number.in_(chunk))
            .order_by(Target.id.desc())
        ):
            known[target.enterprise_number] = target  # the oldest wins when the registry has two
    return known
