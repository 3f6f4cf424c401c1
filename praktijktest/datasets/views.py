"""Coordinator pages: import a finished round (upload, preview, confirm) and download a round's data.

Between the preview and the confirmation the uploaded file waits under the
instance folder, named by a random token kept in the (signed) session: the
browser never sends the file twice, so what is confirmed is what was
previewed. The confirmation validates the file again, against the
database as it is then, and imports everything or nothing.

Downloads are for coordinators only. Viewers read pseudonymised reports,
but application-level rows (municipality, sector, occupation, dates) can
identify an employer even behind a code, so DOMAIN.md's least-privilege
rule keeps the raw data with the coordinators.
"""
from __future__ import annotations

import io
import re
import secrets
from pathlib import Path, PurePath

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from praktijktest import evidence_store
from praktijktest.accounts.models import Role
from praktijktest.database import deferred_begin
from praktijktest.extensions import db
from praktijktest.file_names import round_export_name
from praktijktest.maintenance import private_dir, sweep_uploads, write_private
from praktijktest.organisations.models import Organisation
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.rounds.models import Round
from praktijktest.tabular import MAX_REPORTED_PROBLEMS, FileRejected, Problems

from .exporter import FORMATS, MEDIA_TYPES, iter_csv, plan_export, record_export, xlsx_tempfile
from .forms import ConfirmImportForm, IdentitiesExportForm, ImportRoundForm
from .importer import ImportRequest, check_file, import_plan

bp = Blueprint("datasets", __name__, url_prefix="/datasets")
SESSION_KEY = "dataset_import"
SUFFIXES = {".csv", ".txt", ".xlsx"}
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _pending_dir() -> Path:
    folder = Path(current_app.config.get("DATASET_UPLOAD_DIR") or Path(current_app.instance_path) / "dataset-imports")
    return private_dir(folder)  # 0700: the files hold identities


def _pending_path(pending: dict) -> Path | None:
    token, suffix = pending.get("token", ""), pending.get("suffix", "")
    if not TOKEN.match(token) or suffix not in SUFFIXES:
        return None
    return _pending_dir() / f"{token}{suffix}"


def _forget_pending() -> None:
    pending = session.pop(SESSION_KEY, None) or {}
    path = _pending_path(pending)
    if path is not None:
        path.unlink(missing_ok=True)


def _sweep_old_uploads() -> None:
    """Files whose confirmation never came (a closed tab) are removed (also by `maintenance sweep`)."""
    sweep_uploads(current_app._get_current_object())


def _organisation() -> Organisation:
    return db.session.get(Organisation, current_user.organisation_id)


def _request_from(values: dict, filename: str) -> ImportRequest:
    return ImportRequest(_organisation(), values["title"], values["market"], values["ground"], values["reference"],
                         values["positive"], filename, current_user._get_current_object())


def _rejected(message: str) -> FileRejected:
    problems = Problems()
    problems.add(None, None, message)
    return FileRejected(problems)


def _check(path: Path, values: dict, filename: str):
    """Validate a stored upload; unexpected failures of the readers become a rejection, never a 500."""
    try:
        # Kept encrypted while it waits (it holds identities): evidence_store.seal/unseal.
        return check_file(io.BytesIO(evidence_store.unseal(path.read_bytes())), filename,
                          _request_from(values, filename))
    except FileRejected:
        raise
    except Exception:  # a damaged file can surprise openpyxl or csv in ways not listed anywhere
        current_app.logger.exception("Reading an uploaded round file failed")
        raise _rejected(_("The file cannot be read. Save it again as CSV UTF-8 or XLSX and retry.")) from None


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def upload():
    form = ImportRoundForm()
    problems = None
    if form.validate_on_submit():
        upload_file = form.file.data
        filename = PurePath(upload_file.filename or "upload").name
        suffix = PurePath(filename).suffix.lower()
        values = {k: form[k].data for k in ("title", "market", "ground", "reference", "positive")}
        if suffix not in SUFFIXES:
            problems = _rejected(_("Choose a CSV or XLSX file.")).problems
        else:
            _forget_pending()
            _sweep_old_uploads()
            token = secrets.token_urlsafe(24)
            path = _pending_dir() / f"{token}{suffix}"
            write_private(path, evidence_store.seal(upload_file.read()))  # 0600, encrypted at rest
            try:
                preview = _check(path, values, filename)[1]
            except FileRejected as rejected:
                path.unlink(missing_ok=True)
                problems = rejected.problems
            else:
                session[SESSION_KEY] = {"token": token, "suffix": suffix, "filename": filename, "values": values,
                                        "user_id": current_user.id, "organisation_id": current_user.organisation_id}
                return render_template("datasets/preview.html", preview=preview, values=values, filename=filename,
                                       form=ConfirmImportForm())
    return render_template("datasets/import.html", form=form, problems=problems, limit=MAX_REPORTED_PROBLEMS)


@bp.route("/import/confirm", methods=["POST"])
@roles_required(Role.COORDINATOR)
def confirm():
    form = ConfirmImportForm()
    pending = session.get(SESSION_KEY) or {}
    path = _pending_path(pending)
    if form.cancel.data:
        _forget_pending()
        flash(_("The import was cancelled; nothing was imported."), "info")
        return redirect(url_for(".upload"))
    if (not form.validate_on_submit() or path is None or not path.exists()
            or (pending.get("user_id"), pending.get("organisation_id"))
            != (current_user.id, current_user.organisation_id)):
        flash(_("There is no file waiting to be imported; upload it again."), "error")
        return redirect(url_for(".upload"))
    try:
        plan, _preview = _check(path, pending["values"], pending["filename"])
    except FileRejected as rejected:
        _forget_pending()
        return render_template("datasets/import.html", form=ImportRoundForm(data=pending["values"]),
                               problems=rejected.problems, limit=MAX_REPORTED_PROBLEMS)
    round_ = import_plan(plan, _request_from(pending["values"], pending["filename"]))
    _forget_pending()
    flash(_("Round %(title)s imported: %(count)d applications.", title=round_.title, count=len(plan)), "success")
    if "rounds.detail" in current_app.view_functions:
        return redirect(url_for("rounds.detail", round_id=round_.id))
    return redirect(url_for(".upload"))


def _download(round_: Round, fmt: str, with_identities: bool) -> Response:
    """Stream the export: the audit event is committed with the request, the rows follow.

    Everything after the audit event only reads, so it runs in the body, after the request has
    committed: on SQLite the request holds the write lock that every other request waits for, and a
    pass over a round's rows (let alone building a workbook) must not happen while it does.
    """
    if fmt not in FORMATS:
        fmt = "csv"
    record_export(round_, fmt, with_identities=with_identities)
    filename = round_export_name(round_.id, fmt, with_identities)  # in the reader's language
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    body = _xlsx_body if fmt == "xlsx" else _csv_body
    return Response(body(current_app._get_current_object(), round_.id, with_identities),
                    content_type=MEDIA_TYPES[fmt], headers=headers)


def _read_only_plan(round_id: int, with_identities: bool):
    return plan_export(db.session.get(Round, round_id), with_identities=with_identities)


def _file_chunks(handle, size: int = 256 * 1024):
    """A temporary file in chunks, closed (and so deleted) once sent."""
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()


def _xlsx_body(app, round_id: int, with_identities: bool):
    """The workbook, planned and built in the body like the CSV (see `_csv_body`)."""
    with deferred_begin(), app.app_context():
        handle = xlsx_tempfile(_read_only_plan(round_id, with_identities))
    yield from _file_chunks(handle)


def _csv_body(app, round_id: int, with_identities: bool):
    """The CSV, planned and read in an app context of its own: the request's has ended (and committed)
    by the time the server sends the body, and the body reads only committed rows. It only reads, so on
    SQLite it begins without the write lock that every other request would wait for while it runs."""
    yield "\ufeff".encode()
    with deferred_begin(), app.app_context():
        yield from iter_csv(_read_only_plan(round_id, with_identities))


@bp.route("/rounds/<int:round_id>/export")
@roles_required(Role.COORDINATOR)
def export(round_id: int):
    """The round's applications with target codes (audited as an export)."""
    round_ = get_owned_or_404(Round, round_id)
    return _download(round_, request.args.get("format", "csv"), with_identities=False)


@bp.route("/rounds/<int:round_id>/export/identities", methods=["POST"])
@roles_required(Role.COORDINATOR)
def export_identities(round_id: int):
    """The same with the names of the tested targets: a deliberate POST, written to the audit log."""
    round_ = get_owned_or_404(Round, round_id)
    form = IdentitiesExportForm()
    fmt = form.format.data if form.validate_on_submit() else "csv"
    return _download(round_, fmt, with_identities=True)
