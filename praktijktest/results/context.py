"""One plain context of a snapshot for the results page and the round report alike."""
from __future__ import annotations

from praktijktest.results import presenters as p
from praktijktest.results.figures import all_charts
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.results.snapshots import round_snapshots
from praktijktest.rounds.models import Round

# Keys of the engine's result that the pages show in their own sections; any other key
# (a newer engine's, say `sensitivity`) is shown generically under "Further results".
SHOWN_KEYS = {"reference_group", "applications", "tests", "target_count", "fdr_level", "target_method", "q_method",
              "groups", "comparisons", "breakdowns", "targets", "flagged_targets", "between_target_sd", "mixtures",
              "balance", "notes", "deviations"}


def further_results(result: dict) -> list[tuple[str, object]]:
    """The engine's keys no section shows, with plain values; targets are never among them."""
    return [(k, v) for k, v in result.items() if k not in SHOWN_KEYS and v not in (None, [], {}, "")]


def results_context(round_: Round, snapshot: AnalysisSnapshot, trend: list[dict] | None = None) -> dict:
    """Everything the templates read, computed once; keys absent from the result are simply left out."""
    result = snapshot.result or {}
    comparisons = [c for c in result.get("comparisons") or [] if isinstance(c, dict)]
    targets = [t for t in result.get("targets") or [] if isinstance(t, dict)]
    return {
        "round": round_, "snapshot": snapshot, "result": result, "market": round_.market,
        "verified_note": p.verified_only_note(snapshot.parameters),
        "summary": p.summary_sentences(result, round_.market),
        "comparisons": comparisons,
        "test_labels": [p.test_count_labels(round_.market, c.get("reference") or result.get("reference_group"),
                                            c.get("group")) for c in comparisons],
        "breakdowns": p.informative_breakdowns(result),
        "balance": [b for b in result.get("balance") or [] if isinstance(b, dict)],
        "notes": [str(n) for n in result.get("notes") or []],
        "deviations": [p.deviation_text(d) for d in (snapshot.deviations or []) if isinstance(d, dict)],
        "evidence_counts": p.evidence_counts(targets),
        "target_total": len(targets),
        "flagged_total": sum(1 for t in targets if t.get("flagged")),
        "charts": {c.key: c for c in all_charts(result, round_.market, trend, snapshot.sha256)},
        "trend": trend or [],
        "snapshots": round_snapshots(round_),
        "further": further_results(result),
        "fmt": p,
    }


def round_findings(round_: Round) -> dict | None:
    """What the round page leads with once the round has been analysed: the latest summary."""
    from praktijktest.results.snapshots import ANALYSABLE, latest_snapshot, uses_verification

    snapshot = latest_snapshot(round_)
    can_analyse = round_.status in ANALYSABLE
    if snapshot is None:
        return {"snapshot": None, "summary": [], "can_analyse": can_analyse,
                "uses_verification": can_analyse and uses_verification(round_)}
    return {"snapshot": snapshot, "summary": p.summary_sentences(snapshot.result or {}, round_.market),
            "verified_note": p.verified_only_note(snapshot.parameters), "can_analyse": can_analyse}
