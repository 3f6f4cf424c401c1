"""From a snapshot's result JSON to what pages and the report show, defensively.

The statistics engine's output grows (new keys, new evidence levels): every
reader here uses `.get` and shows a key only when it is there, so the pages
follow the engine without change. Nothing here queries the database.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from praktijktest.i18n import format_number, format_percent

# The engine's evidence codes (docs/analysis-output.md), strongest first: the sort order of the table.
EVIDENCE_LABELS = {
    "flagged": _l("Flagged for follow-up within this round"),
    "single_target": _l("Notable for this target alone, not flagged within the round"),
    "weak": _l("Weak indication"),
    "cannot_reach": _l("Too few informative tests to be flagged alone"),
    "no_indication": _l("No indication of unequal treatment"),
    "no_informative_test": _l("No informative test"),
}
BREAKDOWN_LABELS = {
    "municipality": _l("Member municipality"),
    "sector": _l("Sector"),
    "target_type": _l("Type of tested party"),
    "template": _l("Template"),
    "send_order": _l("Send order"),
}
BALANCE_LABELS = {"template": _l("Template"), "send_order": _l("Send order")}
TEST_COUNT_KEYS = ("reference_favoured", "group_favoured", "equal_positive", "no_positive")


def evidence_label(level) -> str:
    return str(EVIDENCE_LABELS.get(level, level or "–"))


def evidence_sentence(target: dict, market: str) -> str:
    """What was observed for one target and what its figures mean, in the reader's language."""
    from praktijktest.datasets.evidence_text import evidence_sentence as sentence

    return sentence(target, market)


def breakdown_label(name: str) -> str:
    return str(BREAKDOWN_LABELS.get(name, name))


def interval(ci, digits: int = 2) -> str:
    """A 95% interval of fractions as percentages: '[6,0 %; 9,1 %]'."""
    if not ci or len(ci) != 2 or ci[0] is None or ci[1] is None:
        return "–"
    return _("%(low)s to %(high)s", low=format_percent(ci[0], digits), high=format_percent(ci[1], digits))


def points(value, digits: int = 1) -> str:
    """A difference of fractions in percentage points."""
    if value is None:
        return "–"
    return _("%(n)s percentage points", n=format_number(100 * value, digits))


def ratio(value, digits: int = 2) -> str:
    return format_number(value, digits) if value is not None else "–"


def probability(value) -> str:
    """p- and q-values: three significant digits, very small ones as '< 0.001'."""
    if value is None:
        return "–"
    if value < 0.001:
        return "< " + format_number(0.001, 3)
    return format_number(value, 3)


def test_count_labels(market: str, reference: str, group: str) -> dict[str, str]:
    """Readable names of the four kinds of test (who was favoured)."""
    return {
        "reference_favoured": _("%(group)s favoured", group=reference),
        "group_favoured": _("%(group)s favoured", group=group),
        "equal_positive": _("both positive"),
        "no_positive": _("neither positive"),
    }


def summary_sentences(result: dict, market: str) -> list[str]:
    """The findings first, in plain words: rates, the gap, who was favoured, flagged targets."""
    sentences = []
    for comp in result.get("comparisons") or []:
        group, ref = comp.get("group"), comp.get("reference") or result.get("reference_group")
        if comp.get("group_rate") is not None and comp.get("reference_rate") is not None:
            text = (_('Candidates of the group "%(group)s" got a positive response to %(rate)s of their rental '
                      'inquiries, candidates of the reference group "%(ref)s" to %(ref_rate)s.',
                      group=group, ref=ref, rate=format_percent(comp["group_rate"]),
                      ref_rate=format_percent(comp["reference_rate"]))
                    if market == "housing" else
                    _('Candidates of the group "%(group)s" got a positive response to %(rate)s of their '
                      'applications, candidates of the reference group "%(ref)s" to %(ref_rate)s.',
                      group=group, ref=ref, rate=format_percent(comp["group_rate"]),
                      ref_rate=format_percent(comp["reference_rate"])))
            sentences.append(text)
        if comp.get("rate_difference") is not None:
            sentences.append(_("The difference is %(diff)s (95%% interval %(ci)s).",
                               diff=points(comp["rate_difference"]),
                               ci=points_interval(comp.get("rate_difference_ci95"))))
        counts = comp.get("test_counts") or {}
        if counts.get("reference_favoured") is not None and counts.get("group_favoured") is not None:
            sentences.append(_("In %(ref)s of the %(tests)s tests only the reference group was treated better, in "
                               "%(grp)s tests only the group \"%(group)s\".",
                               ref=format_number(counts["reference_favoured"]),
                               grp=format_number(counts["group_favoured"]), tests=format_number(comp.get("tests")),
                               group=group))
    if result.get("targets") is not None and result.get("flagged_targets") is not None:
        sentences.append(_flag_sentence(result, market))
    return sentences


def _flag_sentence(result: dict, market: str) -> str:
    values = {"n": format_number(result["flagged_targets"]), "m": format_number(result.get("target_count")),
              "q": format_percent(result.get("fdr_level"), 0)}
    if market == "housing":
        return _("%(n)s of the %(m)s tested landlords and agencies are flagged for follow-up (false discovery rate "
                 "%(q)s).", **values)
    return _("%(n)s of the %(m)s tested employers are flagged for follow-up (false discovery rate %(q)s).", **values)


def points_interval(ci) -> str:
    if not ci or len(ci) != 2 or ci[0] is None or ci[1] is None:
        return "–"
    return _("%(low)s to %(high)s", low=points(ci[0]), high=points(ci[1]))


def informative_breakdowns(result: dict) -> list[tuple[str, dict]]:
    """The breakdowns with at least two values (one value explains nothing)."""
    out = []
    for name, data in (result.get("breakdowns") or {}).items():
        if isinstance(data, dict) and len(data.get("values") or []) > 1:
            out.append((name, data))
    return out


def evidence_counts(targets: list[dict]) -> list[tuple[str, int]]:
    """How many target comparisons have each evidence level, in the engine's order of appearance."""
    counts: dict[str, int] = {}
    for t in targets:
        counts[t.get("evidence_level")] = counts.get(t.get("evidence_level"), 0) + 1
    order = list(EVIDENCE_LABELS) + [k for k in counts if k not in EVIDENCE_LABELS]
    return [(evidence_label(k), counts[k]) for k in order if k in counts]


def verified_only_note(parameters: dict | None) -> str | None:
    """The plain sentence for an analysis limited to verified responses, or None for all responses."""
    if not (parameters or {}).get("verified_only"):
        return None
    left_out = int((parameters or {}).get("responses_left_out") or 0)
    return ngettext("These figures use verified responses only: %(num)d response that was not yet verified "
                    "was left out.",
                    "These figures use verified responses only: %(num)d responses that were not yet verified "
                    "were left out.", left_out)


def deviation_text(deviation: dict) -> str:
    """One deviation from the pre-registration in words."""
    kind = deviation.get("kind")
    if kind == "no_preregistration":
        return _("This round has no pre-registered protocol (it was imported or never locked): the analysis uses "
                 "the round's own settings.")
    if kind == "verified_only":
        return verified_only_note({"verified_only": True, "responses_left_out": deviation.get("left_out")})
    if kind == "parameter":
        names = {"positive_outcomes": _("positive outcomes"), "fdr_level": _("false discovery rate"),
                 "target_method": _("method per target"), "q_method": _("method for q-values")}
        return _("%(field)s: pre-registered %(planned)s, used %(used)s.",
                 field=names.get(deviation.get("field"), deviation.get("field")),
                 planned=_value(deviation.get("planned")), used=_value(deviation.get("used")))
    for key in ("text", "description", "message", "sentence"):
        if deviation.get(key):
            return str(deviation[key])
    return ", ".join(f"{k}: {_value(v)}" for k, v in deviation.items())


def _value(value) -> str:
    if isinstance(value, float):
        return format_percent(value, 0) if 0 < value < 1 else format_number(value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "–" if value is None else str(value)


def ci_label() -> str:
    """'interval (95%)', from Python: Jinja's gettext would read its % as a placeholder."""
    return _("interval (95%)")
