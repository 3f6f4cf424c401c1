"""Importing targets from a file in the browser: upload, preview, confirm.

The uploaded file waits in the evidence store (folder "pending-imports")
between the preview and the confirmation; the confirmation validates it
again against the registry as it is then, and imports all rows or none.
"""
from __future__ import annotations

import io
from pathlib import PurePath

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from praktijktest import evidence_store
from praktijktest.extensions import db
from praktijktest.organisations.models import Organisation
from praktijktest.permissions import IDENTITY_ROLES, roles_required
from praktijktest.tabular import FileRejected, Problems, Table, read_table
from praktijktest.targets.forms import KIND_LABELS, ConfirmImportForm, ImportForm
from praktijktest.targets.importing import COLUMNS, apply_plan, plan_import
from praktijktest.targets.services import record_identity_view

bp = Blueprint("target_imports", __name__, url_prefix="/targets/import")
SESSION_KEY = "target_import"
PREVIEW_ROWS = 200
ALLOWED_SUFFIXES = ("csv", "txt", "xlsx", "xlsm")


@bp.route("/", methods=["GET", "POST"])
@roles_required(*IDENTITY_ROLES)
def upload():
    form = ImportForm()
    problems = None
    if form.validate_on_submit():
        upload_file = form.file.data
        suffix = PurePath(upload_file.filename or "").suffix.lower().lstrip(".")
        data = upload_file.read()
        try:
            if suffix not in ALLOWED_SUFFIXES:
                raise _rejected(_("choose a CSV or XLSX file"))
            table = read_table_bytes(data, upload_file.filename)
            plan = plan_import(_organisation(), table)
        except FileRejected as error:
            problems = error.problems
        else:
            _forget_pending()
            stored = evidence_store.save_bytes(data, suffix, folder="pending-imports")
            session[SESSION_KEY] = {"path": stored.path, "filename": upload_file.filename,
                                    "user_id": current_user.id, "organisation_id": current_user.organisation_id}
            # The preview puts the file's names next to the codes of the targets they update.
            record_identity_view([row.existing for row in plan.rows[:PREVIEW_ROWS] if row.existing], "import preview")
            return render_template(
                "targets/import_preview.html", plan=plan, rows=plan.rows[:PREVIEW_ROWS], kinds=KIND_LABELS,
                form=ConfirmImportForm(token=stored.path), filename=upload_file.filename, encoding=table.encoding,
            )
    return render_template("targets/import.html", form=form, problems=problems, columns=COLUMNS)


@bp.route("/confirm", methods=["POST"])
@roles_required(*IDENTITY_ROLES)
def confirm():
    form = ConfirmImportForm()
    pending = session.get(SESSION_KEY) or {}
    if not form.validate_on_submit() or form.token.data != pending.get("path") or not _is_own(pending):
        flash(_("There is no file waiting to be imported; upload it again."), "error")
        return redirect(url_for(".upload"))
    try:
        table = read_table_bytes(evidence_store.read_bytes(pending["path"]), pending["filename"])
        result = apply_plan(_organisation(), plan_import(_organisation(), table))
    except evidence_store.EvidenceStoreError:
        session.pop(SESSION_KEY, None)
        flash(_("There is no file waiting to be imported; upload it again."), "error")
        return redirect(url_for(".upload"))
    except FileRejected as error:
        _forget_pending()
        return render_template("targets/import.html", form=ImportForm(), problems=error.problems, columns=COLUMNS)
    _forget_pending()
    flash(_("%(created)d targets added and %(updated)d updated.", created=len(result.created),
            updated=len(result.updated)), "success")
    return redirect(url_for("targets.index"))


def _is_own(pending: dict) -> bool:
    """The waiting file was uploaded by this user, for this organisation (not left by someone else)."""
    return (pending.get("user_id"), pending.get("organisation_id")) == (current_user.id, current_user.organisation_id)


def read_table_bytes(data: bytes, filename: str) -> Table:
    return read_table(io.BytesIO(data), filename)


def _rejected(message: str) -> FileRejected:
    problems = Problems()
    problems.add(None, None, message)
    return FileRejected(problems)


def _organisation() -> Organisation:
    return db.session.get(Organisation, current_user.organisation_id)


def _forget_pending() -> None:
    pending = session.pop(SESSION_KEY, None)
    if pending:
        try:
            evidence_store.remove(pending["path"])
        except evidence_store.EvidenceStoreError:
            pass  # already gone: nothing to clean up
