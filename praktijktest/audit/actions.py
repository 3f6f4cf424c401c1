"""Every action the application writes to the audit log, for the log's filter.

A fixed list, because reading the distinct actions from the log itself
scanned the whole table on every view. tests/foundation/test_audit_actions.py
fails when a `record("...")` call names an action missing here: add it.
"""
from __future__ import annotations

ACTIONS: tuple[str, ...] = (
    "evidence.download",
    "listing.create",
    "login",
    "login.failed",
    "organisation.create",
    "organisation.update",
    "profile.create",
    "profile.delete",
    "profile.update",
    "response.synthetic",
    "round.copy",
    "round.create",
    "round.export",
    "round.export_identities",
    "round.import",
    "round.lock",
    "round.planning",
    "round.preregistration_download",
    "round.sample",
    "round.status",
    "round.update",
    "schedule.generate",
    "schedule.remove",
    "target.create",
    "target.identity_view",
    "target.import",
    "target.merge",
    "target.update",
    "template.create",
    "template.delete",
    "template.update",
    "user.create",
    "user.password_change",
    "user.update",
)
