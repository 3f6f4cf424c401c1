"""The analysis of a stored round as one JSON document (docs/analysis-output.md) or as text.

The statistics engine's own `to_dict()` is kept as it is, with three
changes for readers of the issue's format: the round's identity and its
positive outcomes come first, breakdowns are a list of values per
attribute (their heterogeneity tests move to `heterogeneity`), and
`target_count` says how many targets were tested (`targets` lists the
evidence per target and group).
"""
from __future__ import annotations

from collections.abc import Sequence

from analysis import RoundAnalysis
from praktijktest.rounds.models import Round

from .adapter import INVITATION_ONLY, deviations, invitation_only_flags


def analysis_document(round_: Round, result: RoundAnalysis, positive: Sequence[str] | None = None,
                      *, pseudonymise: bool = False, verified_only: bool = False, loaded=None) -> dict:
    """Plain JSON of one analysed round (rates are fractions, p-values unadjusted unless named q).

    Adds `deviations` (choices that differ from the pre-registration) and, under
    `sensitivity`, the flags when only an invitation counts as positive (on `loaded`,
    the round as `adapter.load_round` gave it, when the caller has it already).
    """
    data = result.to_dict()
    data["deviations"] = deviations(round_, result, positive)
    sensitivity = dict(data.get("sensitivity") or {})
    if set(positive or round_.positive_outcomes) != set(INVITATION_ONLY):
        sensitivity["invitation_only"] = invitation_only_flags(round_, result, pseudonymise, verified_only, loaded,
                                                              positive)
    data["sensitivity"] = sensitivity
    breakdowns = data.pop("breakdowns")
    head = {
        "round_id": round_.id,
        "round_name": round_.title,
        "market": round_.market,
        "status": round_.status,
        "reference_group": data.pop("reference_group"),
        "positive_outcomes": list(positive or round_.positive_outcomes),
    }
    if verified_only:
        from praktijktest.results.snapshots import unverified_count

        head |= {"verified_only": True, "responses_left_out": unverified_count(round_)}
    data["breakdowns"] = {name: b["values"] for name, b in breakdowns.items()}
    data["heterogeneity"] = {
        name: {"tests": b["heterogeneity"], "applications_missing": b["applications_missing"]}
        for name, b in breakdowns.items()
    }
    return head | data


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _p(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def analysis_text(doc: dict) -> str:
    """A short plain-text summary for the terminal."""
    lines = [
        f"Round {doc['round_id']}: {doc['round_name']} ({doc['market']}, {doc['status']})",
        f"{doc['applications']} applications in {doc['tests']} tests at {doc['target_count']} targets; "
        f"positive = {', '.join(doc['positive_outcomes'])}; reference group {doc['reference_group']}",
        "",
        "Positive-response rate per group (95% Wilson interval):",
    ]
    if doc.get("verified_only"):
        lines[2:2] = [f"Verified responses only: {doc['responses_left_out']} responses not yet verified were left out."]
    for g in doc["groups"]:
        low, high = g["ci95"]
        lines.append(f"  {g['group']:<20} {g['positives']:>7} / {g['applications']:<7} {_pct(g['rate']):>8} "
                     f"[{_pct(low)}, {_pct(high)}]")
    for c in doc["comparisons"]:
        lines += _comparison_lines(c)
    for name, values in doc["breakdowns"].items():
        lines += ["", f"By {name}:"]
        for value in values:
            rates = ", ".join(f"{g['group']} {_pct(g['rate'])}" for g in value["groups"])
            lines.append(f"  {value['value']:<20} {rates}")
    flagged = [t for t in doc["targets"] if t["flagged"]]
    lines += ["", f"Targets flagged at a {doc['fdr_level']:.0%} false discovery rate ({doc['target_method']}): "
                  f"{len(flagged)} of {len(doc['targets'])} target comparisons"]
    lines += [f"  {t['target']} ({t['group']}): q = {_p(t['q_value'])}" for t in flagged]
    if doc.get("between_target_sd") is not None:
        lines.append(f"Between-target standard deviation of the gap: {_pct(doc['between_target_sd'])}")
    lines += [f"Note: {note}" for note in doc["notes"]]
    lines += [f"Deviation from the pre-registration: {d['item']} registered {d['registered']}, used {d['used']}"
              for d in doc.get("deviations", [])]
    return "\n".join(lines)


def _comparison_lines(c: dict) -> list[str]:
    counts = c["test_counts"]
    low, high = c["rate_difference_ci95"]
    return [
        "",
        f"{c['reference']} against {c['group']} ({c['tests']} tests with both):",
        f"  rate difference {_pct(c['rate_difference'])} [{_pct(low)}, {_pct(high)}], "
        f"ratio {c['rate_ratio']:.3f}" if c["rate_ratio"] is not None else
        f"  rate difference {_pct(c['rate_difference'])} [{_pct(low)}, {_pct(high)}]",
        f"  tests: {counts['reference_favoured']} favoured {c['reference']}, {counts['group_favoured']} favoured "
        f"{c['group']}, {counts['equal_positive']} both positive, {counts['no_positive']} no positive",
        f"  net discrimination {_pct(c['net_discrimination'])} of tests with a positive; sign test p = "
        f"{_p(c['sign_test_p'])}",
    ]
