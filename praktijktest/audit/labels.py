"""The audit log in people's language: names for accounts and objects, actions and changes in words.

Display only: the stored events keep their codes ("target.identity_view")
and raw values, which is what makes the log checkable; this module turns
them into what a coordinator can read ("Chris Coördinator bekeek de
identiteit van W-M5AQ"). Names are looked up per page in one query per
kind of object. Targets are shown by their code, never their name: the log
is no back door to identities.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from praktijktest.extensions import db

ACTION_LABELS = {
    "retention.update": _l("Retention periods changed"),
    "retention.processing_record": _l("Record of processing downloaded"),
    "retention.identities": _l("Identities replaced by codes after the retention period"),
    "retention.evidence": _l("Evidence files deleted after the retention period"),
    "retention.listings": _l("Ad snapshots deleted after the retention period"),
    "retention.notes": _l("Response notes cleared after the retention period"),
    "retention.call_recordings": _l("Call recordings deleted after the retention period"),
    "retention.call_notes": _l("Call notes cleared after the retention period"),
    "retention.tester_deactivate": _l("Tester account deactivated after its retention period"),
    "retention.tester_anonymise": _l("Tester account anonymised after its retention period"),
    "data_request.create": _l("Request from a tested person recorded"),
    "data_request.decide": _l("Decision on a request from a tested person recorded"),
    "data_request.export": _l("Everything held about a target downloaded (access request)"),
    "login": _l("Logged in"),
    "login.failed": _l("Failed login attempt"),
    "user.create": _l("Account created"),
    "user.update": _l("Account changed"),
    "user.password_change": _l("Password changed"),
    "organisation.create": _l("Organisation created"),
    "organisation.update": _l("Organisation changed"),
    "round.create": _l("Round created"),
    "round.update": _l("Design of the round changed"),
    "round.copy": _l("Round copied from another round"),
    "round.planning": _l("Evidence planning saved"),
    "round.sample": _l("Sample drawn"),
    "round.lock": _l("Protocol locked and pre-registered"),
    "round.status": _l("Status of the round changed"),
    "round.import": _l("Round data imported"),
    "round.export": _l("Round data downloaded (codes only)"),
    "round.export_identities": _l("Round data downloaded with identities"),
    "round.preregistration_download": _l("Pre-registration downloaded"),
    "profile.create": _l("Profile added"),
    "profile.update": _l("Profile changed"),
    "profile.delete": _l("Profile deleted"),
    "template.create": _l("Template added"),
    "template.update": _l("Template changed"),
    "template.delete": _l("Template deleted"),
    "schedule.generate": _l("Schedule generated"),
    "schedule.remove": _l("Schedule removed"),
    "target.create": _l("Employer or landlord added to the registry"),
    "target.update": _l("Employer or landlord changed"),
    "target.merge": _l("Duplicate merged"),
    "target.import": _l("Employers and landlords imported"),
    "target.identity_view": _l("Identity of an employer or landlord viewed"),
    "listing.create": _l("Vacancy or ad added"),
    "evidence.download": _l("Evidence downloaded"),
    "evidence.rotate_key_start": _l("Evidence key rotation started"),
    "evidence.rotate_key": _l("Evidence files re-encrypted under a new key"),
    "response.synthetic": _l("Synthetic responses generated (demo)"),
    "login.throttled": _l("Login attempt held back after repeated failures"),
    "user.password_check_failed": _l("Wrong current password when changing the password"),
    "user.password_check_throttled": _l("Password change held back after repeated wrong passwords"),
    "user.password_reset": _l("Password set by an administrator"),
    "user.sessions_end": _l("Logged out everywhere by an administrator"),
    "round.analyse": _l("Analysis run and stored"),
    "round.report": _l("Round report generated"),
    "followup.open": _l("Follow-up case opened"),
    "followup.step": _l("Step of a follow-up case recorded"),
    "followup.clause_step": _l("Step of a contractor's non-discrimination clause recorded on a follow-up case"),
    "followup.dossier": _l("Confidential dossier of a target generated"),
    "followup.letters": _l("Follow-up letters generated"),
    "followup.letter_sent": _l("Follow-up letters recorded as sent"),
    "followup.letter_template": _l("Wording of a follow-up letter changed"),
    "followup.retest": _l("Retest round created from follow-up cases"),
    "round.sequential_rule": _l("Sequential stopping rule of a retest pre-registered or changed"),
    "round.sequential_stop": _l("Targets stopped by the retest's sequential rule"),
    "round.sequential_stop_revised": _l("Stop of the retest's sequential rule lifted or moved after a correction"),
    "test.assign": _l("Test given to a tester"),
    "test.cancel": _l("Test cancelled"),
    "test.listing": _l("Vacancy or ad recorded for a test"),
    "application.sent": _l("Sending recorded"),
    "response.create": _l("Response recorded"),
    "response.update": _l("Response changed"),
    "response.verify": _l("Response checked against its evidence"),
    "response.second_entry": _l("Response entered a second time"),
    "response.resolve": _l("Disagreement between two entries resolved"),
    "response.window_closed": _l("No response within the response window"),
    "response.decline_sent": _l("Invitation declined"),
    "evidence.upload": _l("Evidence added"),
    "call.record": _l("Mystery call recorded"),
    "fieldwork.close": _l("Fieldwork closed"),
    "fieldwork.decline_texts": _l("Texts for declining changed"),
    "fieldwork.second_entry": _l("Second entry switched on or off"),
    "mail.fetch": _l("Profile mailbox read"),
    "mail.confirm": _l("E-mail confirmed as a response"),
    "mail.assign": _l("E-mail assigned to an application"),
    "mail.dismiss": _l("E-mail set aside as no response"),
    "mail.settings": _l("What fetching does on the mail server changed"),
    "mailbox.create": _l("Mailbox of a profile added"),
    "mailbox.update": _l("Mailbox of a profile changed"),
    "contract.create": _l("Public contract of a contractor added"),
    "contract.update": _l("Public contract of a contractor changed"),
    "contract.report": _l("Report of the contractors tested generated"),
}
OBJECT_LABELS = {
    "Round": _l("Round"),
    "Target": _l("Employer or landlord"),
    "User": _l("Account"),
    "Organisation": _l("Organisation"),
    "Profile": _l("Profile"),
    "Template": _l("Template"),
    "Listing": _l("Vacancy or ad"),
    "Test": _l("Test"),
    "TargetContract": _l("Public contract"),
}
FIELD_LABELS = {
    "title": _l("title"), "name": _l("name"), "email": _l("e-mail address"), "role": _l("role"),
    "is_active": _l("active"), "status": _l("status"), "market": _l("market"), "test_type": _l("test type"),
    "protocol": _l("protocol"), "fdr_level": _l("accepted share of wrongly flagged targets (FDR)"),
    "planned_tests_per_target": _l("planned tests per target"), "response_window_days": _l("response window"),
    "positive_outcomes": _l("positive outcomes"), "municipalities": _l("municipalities"),
    "protocol_sha256": _l("protocol hash (SHA-256)"), "preregistration_sha256": _l("hash of the PDF (SHA-256)"),
    "is_awareness_only": _l("awareness only"), "power": _l("evidence planning"), "seed": _l("draw number"),
    "schedule_seed": _l("draw number of the schedule"), "sample_seed": _l("draw number of the sample"),
    "targets": _l("employers or landlords"), "targets_created": _l("added"), "targets_updated": _l("updated"),
    "created": _l("added"), "updated": _l("updated"),
    "reference_rate": _l("expected rate, reference group"), "other_rate": _l("expected rate, other group"),
    "discordance": _l("tests with unequal treatment"), "alpha": _l("significance level"),
    "copied_from_id": _l("copied from round"), "source_protocol_sha256": _l("protocol hash of the source"),
    "kind": _l("kind"), "enterprise_number": _l("enterprise number"), "sector": _l("sector"),
    "address": _l("address"), "contact": _l("contact"), "attributes": _l("attributes"), "subject": _l("subject"),
    "sampling_seed": _l("draw number of the sample"), "replaced_targets": _l("replaced employers or landlords"),
    "strata": _l("strata"), "is_retest": _l("retest"), "view": _l("page"), "count": _l("number"),
    "power_target": _l("aimed chance to detect a difference (power)"),
    "body": _l("text"), "group": _l("group"), "phone": _l("phone number"), "cancel_reason": _l("reason for cancelling"),
    "contracting_authority": _l("contracting authority"), "reference": _l("reference"), "starts_on": _l("starts on"),
    "ends_on": _l("ends on"), "has_clause": _l("non-discrimination clause"),
    "accepted_open_items": _l("open items accepted"),
    "after_fetch": _l("after fetching"),
    "already": _l("already stored"),
    "application_id": _l("application"),
    "application_ids": _l("applications"),
    "at_discordant": _l("at informative test"),
    "candidates": _l("candidates"),
    "case_ids": _l("follow-up files"),
    "clause_step": _l("step of the non-discrimination clause"),
    "note": _l("note"),
    "occurred_on": _l("date it happened"),
    "decision": _l("decision"),
    "decline_sent_at": _l("decline sent at"),
    "duplicates": _l("duplicates"),
    "failed": _l("failed"),
    "fields": _l("fields"),
    "filled_fields": _l("filled fields"),
    "ids": _l("numbers"),
    "input_sha256": _l("hash of the data (SHA-256)"),
    "kept": _l("kept"),
    "key_id": _l("key"),
    "language": _l("language"),
    "languages": _l("languages"),
    "learned_senders": _l("senders learned"),
    "letters": _l("letters"),
    "listing_id": _l("vacancy or ad"),
    "merged_target": _l("merged employer or landlord"),
    "moved": _l("moved"),
    "outcome": _l("outcome"),
    "rotated": _l("re-encrypted"),
    "round_id": _l("test round"),
    "rule": _l("stopping rule"),
    "second_entry": _l("second entry"),
    "second_outcome": _l("outcome of the second entry"),
    "sent_at": _l("sent at"),
    "sent_channel": _l("sent by"),
    "sent_on": _l("sent on"),
    "sha256": _l("hash (SHA-256)"),
    "snapshot_sha256": _l("hash of the analysis (SHA-256)"),
    "source_round_id": _l("source test round"),
    "state": _l("state"),
    "stop": _l("stop"),
    "stops": _l("stops"),
    "stored": _l("stored"),
    "target": _l("employer or landlord"),
    "target_id": _l("employer or landlord"),
    "tester_id": _l("tester"),
    "tests_per_target": _l("tests per employer or landlord"),
    "too_large_uids": _l("messages too large"),
    "verified_at": _l("verified at"),
    "wait_seconds": _l("wait (seconds)"),
}
PERCENT_FIELDS = {"reference_rate", "other_rate", "discordance", "alpha", "power", "fdr_level"}
MAX_VALUE_CHARS = 120
MAX_LIST_ITEMS = 8


@dataclass(frozen=True)
class Change:
    field: str
    old: str | None
    new: str


def action_known(code: str) -> bool:
    """Known actions are told in words; their stored summary (English, for operators) is not shown."""
    return code in ACTION_LABELS


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


def object_label(object_type: str | None) -> str:
    return str(OBJECT_LABELS.get(object_type, object_type or ""))


def actor_names(events) -> dict[int, str]:
    """{user id: name} for the accounts behind `events`, in one query."""
    from praktijktest.accounts.models import User

    ids = {e.user_id for e in events if e.user_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def object_names(events) -> dict[tuple[str, str], str]:
    """{(type, id): readable name} for the objects of `events`: one query per kind of object."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.object_type and str(event.object_id or "").isdigit():
            wanted.setdefault(event.object_type, set()).add(int(event.object_id))
    names: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        column = _name_column(object_type)
        if column is None:
            continue
        model = column.class_
        for object_id, name in db.session.execute(select(model.id, column).where(model.id.in_(ids))).all():
            names[(object_type, str(object_id))] = name
    return names


def _name_column(object_type: str):
    from praktijktest.accounts.models import User
    from praktijktest.organisations.models import Organisation
    from praktijktest.rounds.models import Profile, Round, Template
    from praktijktest.targets.models import Listing, Target

    # A target by its code only: the audit log must not show identities.
    return {"Round": Round.title, "Target": Target.code, "User": User.name, "Organisation": Organisation.name,
            "Profile": Profile.name, "Template": Template.name, "Listing": Listing.title}.get(object_type)


def readable_changes(changes) -> list[Change]:
    """The stored {field: [old, new]} (or free-form details) as short labelled values."""
    if not isinstance(changes, dict):
        return []
    result = []
    for field, change in changes.items():
        label = str(FIELD_LABELS.get(field, field.replace("_", " ")))
        if isinstance(change, list | tuple) and len(change) == 2 and not _is_code_list(field):
            result.append(Change(label, _value(field, change[0]), _value(field, change[1])))
        else:
            result.append(Change(label, None, _value(field, change)))
    return result


def _is_code_list(field: str) -> bool:
    return field in ("targets", "targets_created", "targets_updated", "created", "updated")


# Where an identity was shown (`record_identity_view(..., view)`), in people's words.
VIEW_LABELS = {
    "registry": _l("list of employers and landlords"),
    "detail": _l("page of the employer or landlord"),
    "edit": _l("edit form of the employer or landlord"),
    "merge": _l("merging duplicates"),
    "sample": _l("sample of the round"),
    "listing form": _l("form for a vacancy or ad"),
    "import preview": _l("preview of an import"),
    "schedule.csv": _l("download of the schedule"),
    "template preview": _l("preview of a template"),
    "fieldwork test page": _l("a tester's test page"),
    "mail message": _l("an e-mail from a profile's mailbox"),
    "results table": _l("results per employer or landlord, with names"),
    "follow-up case": _l("follow-up case"),
}


def _value(field: str, value) -> str:
    from flask_babel import gettext as _

    from praktijktest.rounds.labels import STATUS_LABELS

    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field == "status":
        return str(STATUS_LABELS.get(value, value))
    if field == "view":
        return str(VIEW_LABELS.get(value, value))
    if isinstance(value, dict):
        # Inside the planning, "power" is the aimed chance, not the planning itself.
        parts = [f"{FIELD_LABELS.get('power_target' if k == 'power' else k, k.replace('_', ' '))}: {_value(k, v)}"
                 for k, v in value.items() if not isinstance(v, dict | list)]
        return _shorten("; ".join(parts))
    if isinstance(value, list | tuple):
        shown = ", ".join(_value(field, v) for v in value[:MAX_LIST_ITEMS])
        more = len(value) - MAX_LIST_ITEMS
        return shown + (" " + _("and %(n)s more", n=more) if more > 0 else "")
    if isinstance(value, int | float) and field in PERCENT_FIELDS:
        from praktijktest.i18n import format_percent

        return format_percent(value)
    if isinstance(value, float):
        from praktijktest.i18n import format_number

        return format_number(value)
    return _shorten(str(value))


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def init_app(app) -> None:
    app.jinja_env.globals.update(
        audit_action_label=action_label, audit_action_known=action_known, audit_object_label=object_label,
        audit_actor_names=actor_names,
        audit_object_names=object_names, audit_changes=readable_changes,
    )
