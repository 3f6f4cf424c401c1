"""The steps of preparing a round, in order, each with its status (the GOV.UK task list pattern).

A draft round's page leads with this list and every step's page links to the
next, so that a coordinator who has never prepared a round sees what is done,
what is left and what has to wait for something else.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from praktijktest.rounds.materials import round_profiles, round_templates
from praktijktest.rounds.models import Round
from praktijktest.rounds.planning import sampled_targets, saved_inputs

DONE, TO_DO, CANNOT_START = "done", "to_do", "cannot_start"
TASK_STATUS_LABELS = {DONE: _l("Done"), TO_DO: _l("To do"), CANNOT_START: _l("Cannot start yet")}


@dataclass(frozen=True)
class Task:
    key: str
    label: str
    endpoint: str | None
    status: str
    anchor: str | None = None
    short: str = ""  # the tab's label, short enough for a row of tabs on a phone

    @property
    def status_label(self) -> str:
        return str(TASK_STATUS_LABELS[self.status])


def _labels(market: str) -> dict[str, object]:
    return {
        "design": _l("Design of the round"),
        "profiles": _l("Profiles (the fictitious candidates)"),
        "templates": _l("Templates (the letters or inquiries)"),
        "sample": _l("Employers and sample") if market != "housing" else _l("Landlords and agencies, and sample"),
        "schedule": _l("Schedule of the tests"),
        "planning": _l("Evidence planning"),
        "lock": _l("Check and lock the protocol"),
    }


SHORT_LABELS = {
    "design": _l("Design"), "profiles": _l("Profiles"), "templates": _l("Templates"), "sample": _l("Sample"),
    "schedule": _l("Schedule"), "planning": _l("Evidence"), "lock": _l("Lock"),
}


def _endpoint(name: str) -> str | None:
    """Sample and schedule are separate features: link only to what is installed."""
    return name if name in current_app.view_functions else None


def round_tasks(round_: Round) -> list[Task]:
    """The preparation steps of `round_` with their status, in the order a coordinator does them."""
    groups_with_profiles = {p.group_id for p in round_profiles(round_)}
    profiles_done = bool(round_.groups) and all(g.id in groups_with_profiles for g in round_.groups)
    templates_done = len(list(round_templates(round_))) >= round_.applications_per_test
    sample_done = bool(sampled_targets(round_))
    schedule_done = bool((round_.planning or {}).get("schedule"))
    planning_done = saved_inputs(round_) is not None
    ready_for_schedule = profiles_done and templates_done and sample_done
    locked = round_.is_locked

    def status(done: bool, can_start: bool = True) -> str:
        if done or locked:
            return DONE
        return TO_DO if can_start else CANNOT_START

    labels = _labels(round_.market)
    steps = [
        ("design", "rounds.edit", status(True), None),
        ("profiles", "rounds.profiles", status(profiles_done), None),
        ("templates", "rounds.templates", status(templates_done), None),
        ("sample", _endpoint("sampling.sample"), status(sample_done), None),
        ("schedule", _endpoint("schedule.index"), status(schedule_done, ready_for_schedule), None),
        ("planning", "rounds.detail", status(planning_done), "planning-section"),
        ("lock", "rounds.lock", status(locked, _can_lock(round_)), None),
    ]
    return [Task(key, str(labels[key]), endpoint, state, anchor, str(SHORT_LABELS[key]))
            for key, endpoint, state, anchor in steps if endpoint is not None]


def _can_lock(round_: Round) -> bool:
    from praktijktest.rounds.preregistration import lock_problems

    return not lock_problems(round_)


def next_task(round_: Round, current: str) -> Task | None:
    """The step after `current`, for the "next step" link at the bottom of each step's page."""
    tasks = round_tasks(round_)
    keys = [t.key for t in tasks]
    if current not in keys or keys.index(current) + 1 >= len(tasks):
        return None
    return tasks[keys.index(current) + 1]
