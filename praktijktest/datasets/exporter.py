"""Export a round in the long format (CSV or XLSX), pseudonymised unless identities are asked for.

Importing an export gives the same analysis: the columns are the ones the
importer reads, dates keep their offset, attributes come back as columns.
A round still in fieldwork also exports its planned applications, with an
empty outcome and a `status` column (planned, sent, responded).

Exports stream: rows are read from the database in batches (`yield_per`,
a server-side cursor on PostgreSQL) and written as they come, the CSV as a
generator, the XLSX by openpyxl's write-only mode into a temporary file,
so a worker's memory does not grow with the round. Every cell goes through
`praktijktest.spreadsheet`: a value that looks like a formula stays data.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import func, select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.organisations.models import Municipality
from praktijktest.rounds.models import Profile, Round, RoundGroup, RoundStatus, Template
from praktijktest.spreadsheet import csv_row, xlsx_row
from praktijktest.targets.models import Target
from praktijktest.timeutil import as_utc

from .validation import LOCAL_TIME

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",  # pass as content_type, not mimetype (charset once)
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
CORE_COLUMNS = ["test_id", "target", "target_type", "group", "outcome"]
OPTIONAL_COLUMNS = ["profile", "template", "send_order", "sent_at", "responded_at"]
FINISHED = {RoundStatus.ANALYSED, RoundStatus.REPORTED, RoundStatus.ARCHIVED}
BATCH = 1000  # rows fetched per round trip while streaming


class ExportError(ValueError):
    """The round cannot be exported as asked."""


def local_text(value: datetime | None) -> str:
    """Brussels time with its offset; a date alone when it is midnight (as dates are imported)."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(LOCAL_TIME)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return local.date().isoformat()
    return local.isoformat(timespec="seconds" if not local.microsecond else "microseconds")


@dataclass(frozen=True)
class ExportPlan:
    """What an export will write: its header, its row count, and how to read its rows again."""

    round_id: int
    with_identities: bool
    with_status: bool
    header: list[str]
    attribute_names: list[str]
    keep: list[int]  # positions of the full row that the header keeps
    count: int

    def rows(self) -> Iterator[list]:
        """The rows, streamed from the database in the order they were stored."""
        for record_ in _stream(_query(self.round_id, self.with_identities)):
            row = _full_row(record_, self.attribute_names, self.with_status)
            yield [row[i] for i in self.keep]


def _query(round_id: int, with_identities: bool):
    return (
        select(Test.external_id, Target.name if with_identities else Target.code, Target.kind, RoundGroup.label,
               Response.outcome, func.coalesce(Profile.name, Application.profile_label),
               func.coalesce(Template.name, Application.template_label), Application.send_order,
               Application.sent_at, Response.responded_at, Test.attributes, Application.attributes,
               Municipality.name)
        .select_from(Application).join(Test, Application.test_id == Test.id)
        .join(Target, Test.target_id == Target.id).join(RoundGroup, Application.group_id == RoundGroup.id)
        .outerjoin(Response, Response.application_id == Application.id)
        .outerjoin(Profile, Application.profile_id == Profile.id)
        .outerjoin(Template, Application.template_id == Template.id)
        .outerjoin(Municipality, Test.municipality_id == Municipality.id)
        .where(Test.round_id == round_id, Test.status != TestStatus.CANCELLED)
        .order_by(Application.id)
    )


def _stream(query):
    # yield_per: batches of BATCH rows, a server-side cursor on PostgreSQL.
    return db.session.execute(query.execution_options(yield_per=BATCH))


def _full_row(record_, attribute_names: list[str], with_status: bool) -> list:
    (test_id, target, kind, group, outcome, profile, template, order, sent, responded,
     test_attributes, application_attributes, municipality) = record_
    attributes = {**(test_attributes or {}), **(application_attributes or {})}
    if municipality and not attributes.get("municipality"):
        attributes["municipality"] = municipality
    row = [test_id, target, kind, group, outcome or "", profile or "", template or "",
           "" if order is None else order, local_text(sent), local_text(responded)]
    row += [attributes.get(name, "") for name in attribute_names]
    if with_status:
        row.append("responded" if outcome else "sent" if sent else "planned")
    return row


def plan_export(round_: Round, *, with_identities: bool = False) -> ExportPlan:
    """A first streamed pass that finds the columns (attributes in order of appearance, filled optional ones).

    Keeping the stored order matters: an imported file comes back row for
    row, so its analysis is identical to the last digit (sums depend on
    their order). The pass keeps only column names and flags, never rows.
    """
    names: dict[str, None] = {}
    filled = [False] * len(OPTIONAL_COLUMNS)
    first_optional = len(CORE_COLUMNS)
    count = 0
    for record_ in _stream(_query(round_.id, with_identities)):
        count += 1
        names.update(dict.fromkeys(record_[10] or {}))
        names.update(dict.fromkeys(record_[11] or {}))
        if record_[12]:
            names.setdefault("municipality")
        values = _full_row(record_, [], False)[first_optional:first_optional + len(OPTIONAL_COLUMNS)]
        filled = [was or value not in ("", None) for was, value in zip(filled, values, strict=True)]
    with_status = round_.status not in FINISHED
    full = CORE_COLUMNS + OPTIONAL_COLUMNS + list(names) + (["status"] if with_status else [])
    # Leave out optional columns no row fills (a tidy file has no empty columns).
    keep = [i for i, name in enumerate(full)
            if name not in OPTIONAL_COLUMNS or filled[OPTIONAL_COLUMNS.index(name)]]
    return ExportPlan(round_.id, with_identities, with_status, [full[i] for i in keep], list(names), keep, count)


def iter_csv(plan: ExportPlan) -> Iterator[bytes]:
    """UTF-8 with a BOM and commas: Excel recognises the encoding, R and Stata read it as is."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row(plan.header))
    pending = 0
    for row in plan.rows():
        writer.writerow(csv_row(row))
        pending += 1
        if pending == BATCH:
            yield _drain(buffer)
            pending = 0
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


def write_xlsx(plan: ExportPlan, out: IO[bytes]) -> None:
    """openpyxl's write-only mode: rows go to a temporary file as they come, not into a tree in memory."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("applications")
    sheet.append(xlsx_row(sheet, plan.header))
    for row in plan.rows():
        sheet.append(xlsx_row(sheet, row))
    workbook.save(out)


def write_export(plan: ExportPlan, fmt: str, out: IO[bytes]) -> None:
    """Write the whole export to a binary file object."""
    if fmt == "csv":
        out.write(b"\xef\xbb\xbf")
        for chunk in iter_csv(plan):
            out.write(chunk)
    else:
        write_xlsx(plan, out)


def record_export(round_: Round, fmt: str = "csv", *, with_identities: bool = False) -> None:
    """Write the export's audit event (the round's stored application count: no pass over its rows)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use csv or xlsx")
    action = "round.export_identities" if with_identities else "round.export"
    record(action, round_, summary=f"{round_.application_count} applications as {fmt}"
           f"{' with target identities' if with_identities else ', pseudonymised'}",
           organisation_id=round_.organisation_id)


def start_export(round_: Round, fmt: str = "csv", *, with_identities: bool = False) -> ExportPlan:
    """Write an export's audit event and plan it; the caller then streams or writes it."""
    record_export(round_, fmt, with_identities=with_identities)
    return plan_export(round_, with_identities=with_identities)


def xlsx_tempfile(plan: ExportPlan) -> IO[bytes]:
    """The XLSX in an anonymous temporary file, rewound, for a response to send and close."""
    handle = tempfile.TemporaryFile()
    write_xlsx(plan, handle)
    handle.seek(0)
    return handle


def export_round(round_: Round, fmt: str = "csv", *, with_identities: bool = False) -> bytes:
    """The round as CSV or XLSX bytes (tests and small callers); audited, identities only when asked for."""
    plan = start_export(round_, fmt, with_identities=with_identities)
    buffer = io.BytesIO()
    write_export(plan, fmt, buffer)
    return buffer.getvalue()
