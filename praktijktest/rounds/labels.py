"""Readable, translated names for the round vocabulary (markets, grounds, outcomes, statuses)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from praktijktest.rounds.models import Ground, Market, RoundStatus, TestType

MARKET_LABELS = {Market.LABOUR: _l("Labour market"), Market.HOUSING: _l("Housing market")}
TEST_TYPE_LABELS = {
    TestType.CORRESPONDENCE: _l("Correspondence test"),
    TestType.MYSTERY_CALL: _l("Mystery call (asking an agency to exclude a group)"),
}
GROUND_LABELS = {
    Ground.ORIGIN: _l("Origin"),
    Ground.AGE: _l("Age"),
    Ground.GENDER: _l("Gender"),
    Ground.DISABILITY: _l("Disability"),
    Ground.SEXUAL_ORIENTATION: _l("Sexual orientation"),
    Ground.FAMILY_SITUATION: _l("Family situation"),
    Ground.LANGUAGE: _l("Language"),
    Ground.OTHER: _l("Other ground"),
}
OUTCOME_LABELS = {
    "invitation": _l("Invitation (interview, viewing)"),
    "information_request": _l("Request for more information"),
    "rejection": _l("Rejection"),
    "no_response": _l("No response"),
}
STATUS_LABELS = {
    RoundStatus.DRAFT: _l("Draft"),
    RoundStatus.READY: _l("Ready (protocol locked)"),
    RoundStatus.FIELDWORK: _l("Fieldwork"),
    RoundStatus.ANALYSED: _l("Analysed"),
    RoundStatus.REPORTED: _l("Reported"),
    RoundStatus.ARCHIVED: _l("Archived"),
    RoundStatus.CANCELLED: _l("Cancelled"),
}
# The button that moves a round to each status (analysed and reported have none: they follow
# from running the analysis and generating the round report).
STATUS_ACTIONS = {
    RoundStatus.FIELDWORK: _l("Start fieldwork"),
    RoundStatus.ARCHIVED: _l("Archive"),
}


def transition_message(error) -> str:
    """An IllegalTransition in the reader's language, saying what to do."""
    if error.code == "reason_required":
        return str(_l("Write down why you cancel this round, then press the cancel button again."))
    return str(_l("A round that is %(current)s cannot become %(wanted)s.",
                  current=str(STATUS_LABELS.get(error.from_status, error.from_status)).lower(),
                  wanted=str(STATUS_LABELS.get(error.to_status, error.to_status)).lower()))


def label_functions() -> dict:
    """Template globals: market_label(value), ground_label(value), ... (the value itself when unknown)."""
    tables = {"market_label": MARKET_LABELS, "test_type_label": TEST_TYPE_LABELS, "ground_label": GROUND_LABELS,
              "outcome_label": OUTCOME_LABELS, "status_label": STATUS_LABELS}
    return {name: (lambda value, table=table: table.get(value, value)) for name, table in tables.items()}
