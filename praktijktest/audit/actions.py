"""Every action the application writes to the audit log, for the log's filter.

A fixed list, because reading the distinct actions from the log itself
scanned the whole table on every view. The list is the keys of
`labels.ACTION_LABELS`, so an action has a name in people's words as soon
as it exists. tests/foundation/test_audit_actions.py fails when a
`record("...")` call names an action missing there: add it with its label.
"""
from __future__ import annotations

from praktijktest.audit.labels import ACTION_LABELS

ACTIONS: tuple[str, ...] = tuple(sorted(ACTION_LABELS))
