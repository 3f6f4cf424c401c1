"""Example import files, as CSV and XLSX, with the rows of docs/data-format.md.

A coordinator who starts from a file that is known to import cleanly makes
far fewer mistakes than one who reads a column table. The rows are the
documented examples (tests/datasets/test_examples.py imports every one of
these files, so the examples cannot drift from what the importer accepts).
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response

from praktijktest.accounts.models import Role
from praktijktest.file_names import example_name
from praktijktest.permissions import roles_required

bp = Blueprint("examples", __name__, url_prefix="/examples")

TARGET_ROWS = [
    ["name", "kind", "enterprise_number", "nace_code", "sector", "municipality", "address", "contact", "contractor",
     "contract_reference"],
    ["Garage Janssens", "employer", "BE 0123.456.749", "45.201", "Auto", "Demostad", "Kerkstraat 1",
     "info@garage.example", "ja", "OPDR-2026-12"],
    ["Mevrouw Peeters", "landlord", "", "", "", "Leuven", "Stationsstraat 4", "", "", ""],
    ["Immo Zuid", "agency", "0987.654.394", "68.31", "Vastgoed", "Demodorp", "", "", "nee", ""],
]
ROUND_ROWS = [
    ["test_id", "target", "group", "outcome", "profile", "send_order", "sent_at", "municipality", "sector"],
    ["V-001", "Bakkerij Peeters", "belgian", "invitation", "Jan Peeters", "1", "2024-03-18", "Gent", "retail"],
    ["V-001", "Bakkerij Peeters", "moroccan", "no_response", "Mohamed El Amrani", "2", "2024-03-19", "Gent", "retail"],
    ["V-002", "Garage Noord", "belgian", "rejection", "Jan Peeters", "2", "2024-03-20", "Gent", "automotive"],
    ["V-002", "Garage Noord", "moroccan", "rejection", "Mohamed El Amrani", "1", "2024-03-20", "Gent", "automotive"],
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_csv(rows: list[list[str]], delimiter: str) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the accents."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)  # all text: an enterprise number must not lose its leading zero
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _download(data: bytes, mimetype: str, name: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# One route per file, without URL arguments: four fixed downloads.
@bp.route("/targets.csv")
@roles_required(Role.COORDINATOR)
def targets_csv():
    # Semicolons, as Belgian Excel writes them.
    return _download(as_csv(TARGET_ROWS, ";"), "text/csv; charset=utf-8", example_name("targets", "csv"))


@bp.route("/targets.xlsx")
@roles_required(Role.COORDINATOR)
def targets_xlsx():
    return _download(as_xlsx(TARGET_ROWS), XLSX_TYPE, example_name("targets", "xlsx"))


@bp.route("/round.csv")
@roles_required(Role.COORDINATOR)
def round_csv():
    return _download(as_csv(ROUND_ROWS, ","), "text/csv; charset=utf-8", example_name("responses", "csv"))


@bp.route("/round.xlsx")
@roles_required(Role.COORDINATOR)
def round_xlsx():
    return _download(as_xlsx(ROUND_ROWS), XLSX_TYPE, example_name("responses", "xlsx"))
