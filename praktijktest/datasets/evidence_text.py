"""The evidence sentence of one target in the reader's language, from the analysis JSON.

`analysis/` has no Flask: it gives each target an `evidence_level` code and its
figures in `evidence_facts` (docs/analysis-output.md). This module builds the
translated sentence from those, in the terms of the project's wording guide (WORDING.md): observed
facts first, then what the figure means, one-sided, within this round's set of
targets; a flag depends on the other targets and says so.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from praktijktest.i18n import format_number, format_percent


def format_p(value: float | None) -> str:
    """A p- or q-value in the reader's locale; never "0" (below 0.0001 it reads "< 0.0001")."""
    if value is None:
        return "–"
    if value < 1e-4:
        return "< " + format_number(0.0001, 4)
    return format_number(value, 4 if value < 0.001 else 3)


def evidence_sentence(target: dict, market: str = "labour") -> str:
    """The translated evidence sentence of one target (a `targets` entry of the analysis JSON)."""
    facts = target.get("evidence_facts") or {}
    code = target.get("evidence_level")
    if not facts or code not in _LEVELS:
        return target.get("evidence", "")
    return " ".join(part for part in (_counts(facts), _LEVELS[code](facts, market)) if part)


def _counts(f: dict) -> str:
    alike = f["tests"] - f["reference_favoured"] - f["group_favoured"]
    return ngettext("In %(b)s of its %(num)s test the group %(ref)s got the better response, in %(c)s the group "
                    "%(grp)s; in %(alike)s both were treated alike.",
                    "In %(b)s of its %(num)s tests the group %(ref)s got the better response, in %(c)s the group "
                    "%(grp)s; in %(alike)s both were treated alike.",
                    f["tests"], b=f["reference_favoured"], c=f["group_favoured"], ref=f["reference"],
                    grp=f["group"], alike=alike)


def _nouns(market: str) -> dict:
    """The tested party in the market's own words (WORDING.md, the project's wording guide)."""
    if market == "housing":
        return {"this": _("this landlord or agency"), "parties": _("landlords and agencies")}
    return {"this": _("this employer"), "parties": _("employers")}


def _values(f: dict, market: str) -> dict:
    return {"p": format_p(f["p"]), "q": format_p(f["q"]), "fdr": format_percent(f["fdr"], 0),
            "m": f["comparisons"], "k": f["informative_tests"], "ref": f["reference"], **_nouns(market)}


def _further(f: dict, market: str) -> str:
    if not f.get("further"):
        return ""
    return " " + ngettext("About %(num)s further test with the same pattern would be needed to flag %(this)s alone.",
                          "About %(num)s further tests with the same pattern would be needed to flag %(this)s "
                          "alone.", f["further"], **_nouns(market))


def _flagged(f: dict, market: str) -> str:
    text = _("One-sided p %(p)s. Flagged for follow-up within this round's set of %(m)s comparisons at a false "
             "discovery rate of %(fdr)s (q %(q)s): of all flagged %(parties)s at most about %(fdr)s are expected to "
             "be flagged wrongly. The flag depends on the other %(parties)s of the round.", **_values(f, market))
    threshold = format_p(f["familywise_threshold"])
    if f.get("familywise_flagged"):
        text += " " + _("It also holds on its own under a family-wise rule (Tarone): p is at most %(t)s.", t=threshold)
    else:
        text += " " + _("It does not hold on its own under a family-wise rule (Tarone), which needs p at most %(t)s.",
                        t=threshold)
    if f.get("awareness_only"):
        return text + " " + _("The round was planned for awareness only: its results are not used as evidence "
                              "against single %(parties)s.", **_nouns(market))
    return text + " " + _("These are facts that can support a presumption of unequal treatment.")


def _single(f: dict, market: str) -> str:
    return _("One-sided p %(p)s for %(this)s alone: below 5%%, but not enough to flag it within this round's set "
             "of %(m)s comparisons (q %(q)s).", **_values(f, market)) + _further(f, market)


def _weak(f: dict, market: str) -> str:
    return (_("One-sided p %(p)s: a difference like this is common under equal treatment.", **_values(f, market))
            + _further(f, market))


def _cannot_reach(f: dict, market: str) -> str:
    values = _values(f, market)
    if f["reference_favoured"] == f["informative_tests"] and f["group_favoured"] == 0 and f.get("paired"):
        text = ngettext("Its %(num)s informative test favoured the group %(ref)s, but that is too few to flag "
                        "%(this)s alone within this round's set of %(m)s comparisons at a false discovery rate of "
                        "%(fdr)s.",
                        "All %(num)s informative tests favoured the group %(ref)s, but that is too few to flag "
                        "%(this)s alone within this round's set of %(m)s comparisons at a false discovery rate of "
                        "%(fdr)s.", f["informative_tests"], **values)
    else:
        text = ngettext("Even if its %(num)s informative test had favoured the group %(ref)s, %(this)s could not be "
                        "flagged alone within this round's set of %(m)s comparisons at a false discovery rate of "
                        "%(fdr)s.",
                        "Even if all %(num)s informative tests had favoured the group %(ref)s, %(this)s could not be "
                        "flagged alone within this round's set of %(m)s comparisons at a false discovery rate of "
                        "%(fdr)s.", f["informative_tests"], **values)
    return text + _further(f, market)


def _no_indication(f: dict, market: str) -> str:
    return _("No indication that the group %(ref)s was favoured by %(this)s (one-sided p %(p)s).",
             **_values(f, market))


def _no_informative(f: dict, market: str) -> str:
    return _("No informative test: in none of its tests did one group get a better response than the other, so "
             "these tests say nothing either way.")


_LEVELS = {"flagged": _flagged, "single_target": _single, "weak": _weak, "cannot_reach": _cannot_reach,
           "no_indication": _no_indication, "no_informative_test": _no_informative}
