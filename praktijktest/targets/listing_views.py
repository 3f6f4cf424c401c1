"""Listings of a target: add one with its snapshot; download the snapshot (audited).

The download is a POST (a button, not a link): fetching evidence is an
audited act, and link prefetchers or crawlers must not trigger it.
"""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from praktijktest.permissions import IDENTITY_ROLES, get_owned_or_404, roles_required
from praktijktest.targets.forms import ListingForm
from praktijktest.targets.listings import ListingError, add_listing, snapshot_download, snapshot_max_bytes
from praktijktest.targets.models import Listing, Target
from praktijktest.targets.services import record_identity_view

bp = Blueprint("listings", __name__)
# A downloaded file is never a page of ours: no scripts, no plugins, no same origin.
DOWNLOAD_CSP = "sandbox; default-src 'none'"


@bp.route("/targets/<int:target_id>/listings/new", methods=["GET", "POST"])
@roles_required(*IDENTITY_ROLES)
def create(target_id: int):
    target = get_owned_or_404(Target, target_id)
    form = ListingForm()
    if form.validate_on_submit():
        upload = form.snapshot.data
        snapshot = (upload.filename, upload.read(snapshot_max_bytes() + 1)) if upload and upload.filename else None
        try:
            listing = add_listing(
                target, form.title.data, url=form.url.data, seen_on=form.seen_on.data,
                occupation=form.occupation.data, monthly_rent=form.monthly_rent.data, snapshot=snapshot,
            )
        except ListingError as error:
            form.snapshot.errors = [str(error)]
        else:
            flash(_("Listing %(id)d added to %(code)s.", id=listing.id, code=target.code), "success")
            return redirect(url_for("targets.detail", target_id=target.id))
    record_identity_view([target], "listing form")
    return render_template("targets/listing_form.html", form=form, target=target)


@bp.route("/listings/<int:listing_id>/snapshot", methods=["POST"])
@roles_required(*IDENTITY_ROLES)
def snapshot(listing_id: int):
    listing = get_owned_or_404(Listing, listing_id)
    try:
        download = snapshot_download(listing)
    except ListingError as error:
        flash(str(error), "error")
        return redirect(url_for("targets.detail", target_id=listing.target_id))
    response = send_file(
        io.BytesIO(download.data), mimetype=download.mimetype, as_attachment=True,
        download_name=download.filename, max_age=0,
    )
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
