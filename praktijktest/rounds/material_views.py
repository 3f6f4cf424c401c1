"""Profile and template pages of a round: list and add, edit, delete, preview. Coordinators only."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from praktijktest.accounts.models import Role
from praktijktest.extensions import db
from praktijktest.permissions import get_owned_or_404, roles_required
from praktijktest.rounds.blueprint import bp
from praktijktest.rounds.forms import ActionForm, ProfileForm, TemplateForm
from praktijktest.rounds.labels import GROUND_LABELS
from praktijktest.rounds.materials import (
    TemplateProblem,
    add_profile,
    add_template,
    delete_profile,
    delete_template,
    parse_attributes,
    render_template_for,
    round_profiles,
    round_templates,
    update_profile,
    update_template,
)
from praktijktest.rounds.models import Profile, Round, RoundGroup, RoundTarget, Template
from praktijktest.rounds.services import RoundError

MAX_PREVIEW_LISTINGS = 50


@bp.route("/<int:round_id>/profiles", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def profiles(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = _profile_form(round_)
    if form.validate_on_submit() and _save_profile(form, round_, None):
        return redirect(url_for(".profiles", round_id=round_.id))
    return render_template("rounds/profiles.html", round=round_, form=form, profiles=list(round_profiles(round_)),
                           action_form=ActionForm())


@bp.route("/<int:round_id>/profiles/<int:profile_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def profile_edit(round_id: int, profile_id: int):
    round_ = get_owned_or_404(Round, round_id)
    profile = _child_or_404(Profile, profile_id, round_)
    form = _profile_form(round_, profile)
    if form.validate_on_submit() and _save_profile(form, round_, profile):
        return redirect(url_for(".profiles", round_id=round_.id))
    return render_template("rounds/profile_form.html", round=round_, form=form, profile=profile)


@bp.route("/<int:round_id>/profiles/<int:profile_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR)
def profile_delete(round_id: int, profile_id: int):
    round_ = get_owned_or_404(Round, round_id)
    profile = _child_or_404(Profile, profile_id, round_)
    _delete(lambda: delete_profile(profile, round_), _("Profile deleted."))
    return redirect(url_for(".profiles", round_id=round_.id))


@bp.route("/<int:round_id>/templates", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def templates(round_id: int):
    round_ = get_owned_or_404(Round, round_id)
    form = TemplateForm()
    if form.validate_on_submit() and _save_template(form, round_, None):
        return redirect(url_for(".templates", round_id=round_.id))
    return render_template("rounds/templates.html", round=round_, form=form, templates=list(round_templates(round_)),
                           action_form=ActionForm())


@bp.route("/<int:round_id>/templates/<int:template_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR)
def template_edit(round_id: int, template_id: int):
    round_ = get_owned_or_404(Round, round_id)
    template = _child_or_404(Template, template_id, round_)
    form = TemplateForm(obj=template)
    if form.validate_on_submit() and _save_template(form, round_, template):
        return redirect(url_for(".templates", round_id=round_.id))
    return render_template("rounds/template_form.html", round=round_, form=form, template=template)


@bp.route("/<int:round_id>/templates/<int:template_id>/delete", methods=["POST"])
@roles_required(Role.COORDINATOR)
def template_delete(round_id: int, template_id: int):
    round_ = get_owned_or_404(Round, round_id)
    template = _child_or_404(Template, template_id, round_)
    _delete(lambda: delete_template(template, round_), _("Template deleted."))
    return redirect(url_for(".templates", round_id=round_.id))


@bp.route("/<int:round_id>/templates/<int:template_id>/preview")
@roles_required(Role.COORDINATOR)
def template_preview(round_id: int, template_id: int):
    round_ = get_owned_or_404(Round, round_id)
    template = _child_or_404(Template, template_id, round_)
    profiles, listings = list(round_profiles(round_)), _round_listings(round_)
    profile = _pick(profiles, request.args.get("profile_id", type=int))
    listing = _pick(listings, request.args.get("listing_id", type=int))
    try:
        rendered, problem = render_template_for(template, profile, listing), None
    except TemplateProblem as error:
        rendered, problem = None, str(error)
    # Listing titles and URLs usually name the employer: the page is an identity view, audited like names.
    from praktijktest.targets.services import record_identity_view

    record_identity_view(list({item.target_id: item.target for item in listings}.values()), "template preview",
                         round_.organisation_id)
    return render_template("rounds/template_preview.html", round=round_, template=template, profiles=profiles,
                           listings=listings, profile=profile, listing=listing, rendered=rendered, problem=problem)


def _profile_form(round_: Round, profile: Profile | None = None) -> ProfileForm:
    if profile is not None and request.method == "GET":
        form = ProfileForm(obj=profile, data={
            "group": profile.group_id,
            "attributes": "\n".join(f"{k}={v}" for k, v in (profile.attributes or {}).items())})
    else:
        form = ProfileForm()
    form.group.choices = [SelectChoice(g.id, _group_label(g)) for g in round_.groups]
    return form


def _group_label(group: RoundGroup) -> str:
    kind = _("reference group") if group.is_reference else GROUND_LABELS.get(group.ground.ground, group.ground.ground)
    return f"{group.label} ({kind})"


def _save_profile(form: ProfileForm, round_: Round, profile: Profile | None) -> bool:
    group = db.session.get(RoundGroup, form.group.data)
    try:
        attributes = parse_attributes(form.attributes.data)
    except RoundError as error:
        form.attributes.errors.append(str(error))
        return False
    values = {"email": form.email.data, "phone": form.phone.data, "attributes": attributes}
    try:
        if group is None or group.round_id != round_.id:
            raise RoundError(_("Choose a group of this round."))
        if profile is None:
            add_profile(round_, group, form.name.data, **values)
        else:
            update_profile(profile, round_, group, form.name.data, **values)
    except RoundError as error:
        form.name.errors.append(str(error))
        return False
    flash(_("Profile %(name)s saved.", name=form.name.data.strip()), "success")
    return True


def _save_template(form: TemplateForm, round_: Round, template: Template | None) -> bool:
    try:
        if template is None:
            add_template(round_, form.name.data, form.subject.data, form.body.data)
        else:
            update_template(template, round_, form.name.data, form.subject.data, form.body.data)
    except TemplateProblem as problem:
        form.body.errors.append(str(problem))
        return False
    except RoundError as error:
        form.name.errors.append(str(error))
        return False
    flash(_("Template %(name)s saved.", name=form.name.data.strip()), "success")
    return True


def _delete(action, message: str) -> None:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action()
    except RoundError as error:
        flash(str(error), "error")
    else:
        flash(message, "success")


def _child_or_404(model, object_id: int, round_: Round):
    obj = db.session.get(model, object_id)
    if obj is None or obj.round_id != round_.id:
        abort(404)
    return obj


def _round_listings(round_: Round) -> list:
    from praktijktest.targets.models import Listing

    return list(db.session.scalars(
        select(Listing).join(RoundTarget, RoundTarget.target_id == Listing.target_id)
        .where(RoundTarget.round_id == round_.id).order_by(Listing.id).limit(MAX_PREVIEW_LISTINGS)))


def _pick(objects: list, object_id: int | None):
    if object_id is None:
        return objects[0] if objects else None
    return next((o for o in objects if o.id == object_id), objects[0] if objects else None)
