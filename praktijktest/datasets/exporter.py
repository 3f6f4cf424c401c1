"""Export a round in the long format (CSV or XLSX), pseudonymised unless identities are asked for.

Importing an export gives the same analysis: the columns are the ones the
importer reads, dates keep their offset, attributes come back as columns.
A round still in fieldwork also exports its planned applications, with an
empty outcome and a `status` column (planned, sent, responded).
"""
from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import func, select

from praktijktest.audit.services import record
from praktijktest.extensions import db
from praktijktest.fieldwork.models import Application, Response, Test, TestStatus
from praktijktest.organisations.models import Municipality
from praktijktest.rounds.models import Profile, Round, RoundGroup, RoundStatus, Template
from praktijktest.targets.models import Target
from praktijktest.timeutil import as_utc

from .validation import LOCAL_TIME

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
CORE_COLUMNS = ["test_id", "target", "target_type", "group", "outcome"]
OPTIONAL_COLUMNS = ["profile", "template", "send_order", "sent_at", "responded_at"]
FINISHED = {RoundStatus.ANALYSED, RoundStatus.REPORTED, RoundStatus.ARCHIVED}


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


def export_rows(round_: Round, *, with_identities: bool = False) -> tuple[list[str], list[list]]:
    """The header and the rows of the long format, one per application, in the order they were stored.

    Keeping that order matters: an imported file comes back row for row, so
    its analysis is identical to the last digit (sums depend on their order).
    """
    query = (
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
        .where(Test.round_id == round_.id, Test.status != TestStatus.CANCELLED)
        .order_by(Application.id)
    )
    records = db.session.execute(query).all()
    attribute_names = _attribute_names(records)
    with_status = round_.status not in FINISHED
    rows = []
    for (test_id, target, kind, group, outcome, profile, template, order, sent, responded,
         test_attributes, application_attributes, municipality) in records:
        attributes = {**(test_attributes or {}), **(application_attributes or {})}
        if municipality and not attributes.get("municipality"):
            attributes["municipality"] = municipality
        row = [test_id, target, kind, group, outcome or "", profile or "", template or "",
               "" if order is None else order, local_text(sent), local_text(responded)]
        row += [attributes.get(name, "") for name in attribute_names]
        if with_status:
            row.append("responded" if outcome else "sent" if sent else "planned")
        rows.append(row)
    header = CORE_COLUMNS + OPTIONAL_COLUMNS + attribute_names + (["status"] if with_status else [])
    return _drop_empty_optional(header, rows)


def _attribute_names(records) -> list[str]:
    """Attribute columns in the order they first appear (as the imported file had them)."""
    names: dict[str, None] = {}
    for record_ in records:
        names.update(dict.fromkeys(record_[10] or {}))
        names.update(dict.fromkeys(record_[11] or {}))
        if record_[12]:
            names.setdefault("municipality")
    return list(names)


def _drop_empty_optional(header: list[str], rows: list[list]) -> tuple[list[str], list[list]]:
    """Leave out optional columns no row fills (a tidy file has no empty columns)."""
    keep = [i for i, name in enumerate(header)
            if name not in OPTIONAL_COLUMNS or any(row[i] not in ("", None) for row in rows)]
    if len(keep) == len(header):
        return header, rows
    return [header[i] for i in keep], [[row[i] for i in keep] for row in rows]


def write_csv(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a BOM and commas: Excel recognises the encoding, R and Stata read it as is."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("applications")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_round(round_: Round, fmt: str = "csv", *, with_identities: bool = False) -> bytes:
    """The round as a CSV or XLSX file; audited, and with identities only when asked for."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use csv or xlsx")
    header, rows = export_rows(round_, with_identities=with_identities)
    data = write_csv(header, rows) if fmt == "csv" else write_xlsx(header, rows)
    action = "round.export_identities" if with_identities else "round.export"
    record(action, round_, summary=f"{len(rows)} applications as {fmt}"
           f"{' with target identities' if with_identities else ', pseudonymised'}",
           organisation_id=round_.organisation_id)
    return data


def export_filename(round_: Round, fmt: str, with_identities: bool) -> str:
    suffix = "-identities" if with_identities else ""
    return f"round-{round_.id}{suffix}.{fmt}"
