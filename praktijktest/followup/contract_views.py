"""Contractors: a target's public contracts (coordinators) and the contractors report (coordinators and viewers).

Viewers see the report pseudonymised: target codes and contract numbers,
never a name, an authority, a reference or a date that would name a party.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.followup.contract_forms import ContractForm
from praktijktest.followup.contract_report import contractor_rows, contractors_csv, contractors_pdf
from praktijktest.followup.contracts import (
    ContractError,
    StaleContract,
    TargetContract,
    add_contract,
    contracts_of_target,
    update_contract,
)
from praktijktest.form_errors import form_errors
from praktijktest.organisations.models import Organisation
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.targets.models import Target

bp = Blueprint("contracts", __name__, url_prefix="/follow-up/contractors")


def _pseudonymised() -> bool:
    return current_user.role != Role.COORDINATOR


def _organisation() -> Organisation:
    return db.session.get(Organisation, current_user.organisation_id)


@bp.route("/")
@roles_required(Role.COORDINATOR, Role.VIEWER)
def index():
    pseudonymised = _pseudonymised()
    return render_template("followup/contractors.html", pseudonymised=pseudonymised,
                           rows=contractor_rows(current_user.organisation_id, pseudonymised))


@bp.route("/report.pdf")
@roles_required(Role.COORDINATOR, Role.VIEWER)
def report_pdf():
    lang = request.args.get("lang", "nl")
    data = contractors_pdf(_organisation(), current_user, _pseudonymised(), lang)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": "attachment; filename=contractors.pdf"})


@bp.route("/report.csv")
@roles_required(Role.COORDINATOR, Role.VIEWER)
def report_csv():
    text = contractors_csv(_organisation(), current_user, _pseudonymised())
    return Response("\ufeff" + text, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=contractors.csv"})


def _target_page(target: Target, form: ContractForm, status: int = 200):
    return render_template("followup/contracts.html", target=target, form=form, errors=form_errors(form),
                           contracts=contracts_of_target(target)), status


@bp.route("/targets/<int:target_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def of_target(target_id: int):
    target = get_owned_or_404(Target, target_id)
    form = ContractForm()
    if request.method == "GET":
        return _target_page(target, ContractForm(formdata=None))
    if not form.validate_on_submit():
        return _target_page(target, form)
    try:
        add_contract(target, form.fields_dict(), current_user)
    except ContractError as error:
        db.session.rollback()
        form.reference.errors = [str(error)]
        return _target_page(db.session.get(Target, target_id), form)
    flash(_("The contract is saved."), "success")
    return redirect(url_for(".of_target", target_id=target.id))


def _edit_page(contract: TargetContract, form: ContractForm, status: int = 200):
    return render_template("followup/contract_edit.html", contract=contract, form=form,
                           errors=form_errors(form)), status


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def edit(contract_id: int):
    contract = get_owned_or_404(TargetContract, contract_id)
    if request.method == "GET":
        form = ContractForm(formdata=None, obj=contract)
        form.version.data = str(contract.version)
        return _edit_page(contract, form)
    form = ContractForm()
    if not form.validate_on_submit():
        return _edit_page(contract, form)
    version = int(form.version.data) if (form.version.data or "").isdigit() else -1
    try:
        update_contract(contract, form.fields_dict(), version, current_user)
    except (ContractError, StaleDataError) as error:
        db.session.rollback()
        stale = isinstance(error, (StaleContract, StaleDataError))
        form.reference.errors = [_("Someone else changed this contract in the meantime; reload the page and "
                                   "try again.") if stale else str(error)]
        return _edit_page(db.session.get(TargetContract, contract_id), form, 409 if stale else 200)
    flash(_("The contract is saved."), "success")
    return redirect(url_for(".of_target", target_id=contract.target_id))
