"""Validate a whole long-format file before anything is written.

Every problem is collected with its line and column (tabular.Problem), so
that one run of the import names everything that must be fixed. The
result, a `Plan`, holds the file in columns ready for bulk inserts.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from praktijktest.rounds.models import OUTCOMES
from praktijktest.tabular import Problems, Table
from praktijktest.targets.models import TargetKind

REQUIRED = ("test_id", "target", "group", "outcome")
OPTIONAL = ("profile", "template", "send_order", "sent_at", "responded_at", "target_type", "status")
KNOWN = REQUIRED + OPTIONAL
# Lengths of the columns the values end up in (fieldwork/models.py, targets/models.py).
MAX_LENGTH = {"test_id": 100, "target": 300, "group": 100, "profile": 200, "template": 100}
MAX_ATTRIBUTE_LENGTH = 1000
# Written by `rounds export` for rounds still in fieldwork: such rows are not finished.
UNFINISHED_STATUSES = {"planned", "sent"}
LOCAL_TIME = ZoneInfo("Europe/Brussels")
# Belgian spreadsheets write day/month/year.
DAY_FIRST_FORMATS = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y", "%d-%m-%Y %H:%M")
EMPTY: dict[str, str] = {}  # shared, never mutated
# Checked on every row: plain frozensets, not enum lookups (100,000 rows).
OUTCOME_SET = frozenset(OUTCOMES)
# Outcomes as Flemish and francophone coordinators write them, after lower-casing and
# turning spaces and dashes into underscores ("Geen reactie" -> "geen_reactie").
OUTCOME_WORDS = {
    "invitation": ("uitnodiging", "uitgenodigd", "invitation", "invité", "invite", "uitnodiging_gesprek",
                   "uitnodiging_bezoek", "invitation_entretien", "invitation_visite"),
    "information_request": ("vraag_om_informatie", "vraag_om_meer_informatie", "informatievraag", "meer_info",
                            "demande_d'information", "demande_d'informations",
                            "demande_d’information", "demande_d’informations", "demande_d_information",
                            "demande_de_renseignements"),
    "rejection": ("weigering", "afwijzing", "afgewezen", "geweigerd", "refus", "refusé", "refuse", "rejet"),
    "no_response": ("geen_reactie", "geen_antwoord", "geen_respons", "pas_de_réponse", "pas_de_reponse",
                    "aucune_réponse", "aucune_reponse", "sans_réponse", "sans_reponse"),
}
OUTCOME_ALIASES = {word: code for code, words in OUTCOME_WORDS.items() for word in words}
KIND_SET = frozenset(k.value for k in TargetKind)


@dataclass
class Plan:
    """A validated file, in columns: one entry per application, plus tests and targets."""

    lines: list[int] = field(default_factory=list)
    test_ids: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    profiles: list[str | None] = field(default_factory=list)
    templates: list[str | None] = field(default_factory=list)
    send_orders: list[int | None] = field(default_factory=list)
    sent_at: list[datetime | None] = field(default_factory=list)
    responded_at: list[datetime | None] = field(default_factory=list)
    # test_id -> target name, in the order tests first appear
    test_target: dict[str, str] = field(default_factory=dict)
    # target name -> kind (employer, landlord, agency)
    target_kind: dict[str, str] = field(default_factory=dict)
    # Attribute columns constant within each test live on the test, the others on the application.
    test_attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    application_attributes: list[dict[str, str]] = field(default_factory=list)
    attribute_columns: list[str] = field(default_factory=list)
    single_group_tests: int = 0

    def __len__(self) -> int:
        return len(self.lines)

    def group_counts(self) -> Counter:
        return Counter(self.groups)


def parse_datetime(text: str) -> datetime:
    """ISO 8601 (date or date and time, with or without offset) or day/month/year; local time is Brussels."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
        for pattern in DAY_FIRST_FORMATS:
            try:
                value = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if value is None:
            raise ValueError(text) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TIME)
    return value.astimezone(UTC)


def validate(table: Table, reference: str, default_kind: str) -> tuple[Plan, Problems]:
    """Check every row of `table`; returns the plan and the problems (none: safe to write)."""
    problems = table.problems
    missing = [c for c in REQUIRED if c not in table.columns]
    for column in missing:
        problems.add(1, column, _("this required column is missing from the header"))
    if missing:
        return Plan(), problems
    if not table.rows:
        problems.add(None, None, _("the file has a header but no applications"))
        return Plan(), problems
    plan = Plan(attribute_columns=[c for c in table.columns if c not in KNOWN])
    checker = _RowChecker(plan, problems, default_kind)
    for line, row in table.rows:
        checker.check(line, row)
    _check_groups(plan, problems, reference)
    _split_attributes(plan, table, checker.row_attributes)
    return plan, problems


class _RowChecker:
    """The per-row rules, with the state that spans rows (tests, targets, profiles)."""

    def __init__(self, plan: Plan, problems: Problems, default_kind: str):
        self.plan, self.problems, self.default_kind = plan, problems, default_kind
        self.test_line: dict[str, int] = {}
        self.kind_line: dict[str, int] = {}
        self.profiles_seen: dict[tuple[str, str], int] = {}
        self.row_attributes: list[dict[str, str]] = []
        self.dates: dict[str, datetime] = {}

    def check(self, line: int, row: dict[str, str]) -> None:
        add = self.problems.add
        for column in REQUIRED:
            if not row[column] and not (column == "outcome" and self._unfinished(line, row)):
                add(line, column, _("a value is required here"))
        for column, limit in MAX_LENGTH.items():
            if len(row.get(column) or "") > limit:
                add(line, column, _("the value is longer than %(limit)d characters", limit=limit))
        outcome = row["outcome"]
        if outcome not in OUTCOME_SET:
            outcome = outcome.strip().lower().replace(" ", "_").replace("-", "_")
            outcome = OUTCOME_ALIASES.get(outcome, outcome)
        if outcome and outcome not in OUTCOME_SET:
            add(line, "outcome", _("unknown outcome “%(value)s”; write one of %(choices)s (or uitnodiging, "
                                   "vraag om informatie, weigering, geen reactie)", value=row["outcome"],
                                   choices=", ".join(OUTCOMES)))
        self._check_test(line, row)
        plan = self.plan
        plan.lines.append(line)
        plan.test_ids.append(row["test_id"])
        plan.groups.append(row["group"])
        plan.outcomes.append(outcome)
        plan.profiles.append(row.get("profile") or None)
        plan.templates.append(row.get("template") or None)
        plan.send_orders.append(self._send_order(line, row.get("send_order", "")))
        plan.sent_at.append(self._date(line, row, "sent_at"))
        plan.responded_at.append(self._date(line, row, "responded_at"))
        attributes = {c: row[c] for c in plan.attribute_columns if row[c]}
        for column, value in attributes.items():
            if len(value) > MAX_ATTRIBUTE_LENGTH:
                add(line, column, _("the value is longer than %(limit)d characters", limit=MAX_ATTRIBUTE_LENGTH))
        self.row_attributes.append(attributes)

    def _unfinished(self, line: int, row: dict[str, str]) -> bool:
        status = row.get("status", "").lower()
        if status in UNFINISHED_STATUSES:
            self.problems.add(
                line, "outcome", _("this application is still %(status)s: only finished rounds can be imported",
                                   status=status)
            )
            return True
        return False

    def _check_test(self, line: int, row: dict[str, str]) -> None:
        test_id, target = row["test_id"], row["target"]
        if not test_id or not target:
            return
        plan, add = self.plan, self.problems.add
        known = plan.test_target.setdefault(test_id, target)
        self.test_line.setdefault(test_id, line)
        if known != target:
            add(line, "target", _("test %(test)r belongs to target %(target)r on line %(line)d; a test belongs to "
                                  "one target only", test=test_id, target=known, line=self.test_line[test_id]))
        kind = (row.get("target_type") or "").lower() or self.default_kind
        if kind not in KIND_SET:
            add(line, "target_type", _("unknown target type %(value)r; use employer, landlord or agency",
                                       value=row["target_type"]))
        elif plan.target_kind.setdefault(target, kind) != kind:
            add(line, "target_type", _("target %(target)r is a %(kind)s on line %(line)d; a target has one type",
                                       target=target, kind=plan.target_kind[target], line=self.kind_line[target]))
        self.kind_line.setdefault(target, line)
        profile = row.get("profile")
        if profile:
            first = self.profiles_seen.setdefault((test_id, profile), line)
            if first != line:
                add(line, "profile", _("profile %(profile)r already applied in test %(test)r on line %(line)d",
                                       profile=profile, test=test_id, line=first))

    def _send_order(self, line: int, text: str) -> int | None:
        if not text:
            return None
        if text.isdigit() and int(text) < 2**31:
            return int(text)
        self.problems.add(line, "send_order", _("%(value)r is not a whole number (1, 2, 3, ...)", value=text))
        return None

    def _date(self, line: int, row: dict[str, str], column: str) -> datetime | None:
        text = row.get(column)
        if not text:
            return None
        known = self.dates.get(text)
        if known is not None:  # files repeat the same dates: parse each text once
            return known
        try:
            return self.dates.setdefault(text, parse_datetime(text))
        except ValueError:
            self.problems.add(line, column, _("%(value)r is not a date; write 2024-03-18 or 2024-03-18 14:30",
                                              value=text))
            return None


def _check_groups(plan: Plan, problems: Problems, reference: str) -> None:
    """The reference group must occur and be compared with at least one other group."""
    counts = plan.group_counts()
    counts.pop("", None)
    names = ", ".join(sorted(counts))
    if reference not in counts:
        problems.add(None, "group", _("the reference group %(reference)r does not occur in the file; its groups "
                                      "are %(names)s", reference=reference, names=names))
    elif len(counts) < 2:
        problems.add(None, "group", _("only the group %(reference)r occurs; a comparison needs two groups",
                                      reference=reference))
    groups_of_test: dict[str, set[str]] = {}
    for test_id, group in zip(plan.test_ids, plan.groups, strict=True):
        groups_of_test.setdefault(test_id, set()).add(group)
    plan.single_group_tests = sum(len(g) == 1 for g in groups_of_test.values())


def _split_attributes(plan: Plan, table: Table, row_attributes: list[dict[str, str]]) -> None:
    """Attributes constant within every test go on the test, the others stay on each application."""
    per_test: dict[str, dict[str, str]] = {}
    varying: set[str] = set()
    for test_id, attributes in zip(plan.test_ids, row_attributes, strict=True):
        known = per_test.get(test_id)
        if known is None:
            per_test[test_id] = dict(attributes)
        elif known != attributes:
            varying.update(c for c in set(known) | set(attributes) if known.get(c) != attributes.get(c))
    plan.test_attributes = {t: {c: v for c, v in a.items() if c not in varying} for t, a in per_test.items()}
    if not varying:  # the usual case: one shared empty dict, serialised once when written
        plan.application_attributes = [EMPTY] * len(row_attributes)
        return
    plan.application_attributes = [{c: v for c, v in a.items() if c in varying} or EMPTY for a in row_attributes]
