"""The round report: a PDF for policymakers, built from one analysis snapshot.

`report_context` builds a plain context (the same as the results page, plus
the charts as data: URLs); `templates/reports/round_report.html` and
`static/round-report.css` lay it out; `pdf.render_pdf` owns WeasyPrint. The
snapshot holds target codes only and the template shows counts, never a
code or a name, so no identity of a tested party reaches the file.
"""
from __future__ import annotations

import base64

from flask import current_app
from flask_babel import force_locale

from praktijktest.audit.services import record
from praktijktest.i18n import format_when
from praktijktest.results.context import results_context
from praktijktest.results.models import AnalysisSnapshot
from praktijktest.results.trend import trend_rows
from praktijktest.rounds.labels import label_functions
from praktijktest.rounds.models import Round, RoundStatus
from praktijktest.timeutil import utcnow

LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en"}
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}  # tagged for screen readers (WeasyPrint's PDF/UA-1)


def _data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def tests_per_target(result: dict) -> list[tuple[int, int]]:
    """How many targets had each number of tests (pseudonymous: counts only)."""
    counts: dict[int, int] = {}
    seen: set[str] = set()
    for t in result.get("targets") or []:
        if not isinstance(t, dict) or t.get("target") in seen:
            continue
        seen.add(t.get("target"))
        counts[int(t.get("tests") or 0)] = counts.get(int(t.get("tests") or 0), 0) + 1
    return sorted(counts.items())


def report_context(round_: Round, snapshot: AnalysisSnapshot, user=None) -> dict:
    """Everything the report template reads; call inside the report's locale."""
    context = results_context(round_, snapshot, trend_rows(round_))
    context["chart_src"] = {key: _data_url(chart.svg()) for key, chart in context["charts"].items()}
    context |= {
        "generated_at": format_when(utcnow(), "long"), "generated_by": getattr(user, "name", None),
        "tests_per_target": tests_per_target(context["result"]), "organisation": round_.organisation,
        **label_functions(),
    }
    return context


def render_round_report(round_: Round, snapshot: AnalysisSnapshot, user=None, lang: str = "nl") -> bytes:
    """The report's PDF bytes in `lang` (nl by default); no audit, no status change."""
    from praktijktest.reports.pdf import render_pdf

    locale = LOCALES.get(lang, LOCALES["nl"])
    with force_locale(locale):
        context = report_context(round_, snapshot, user)
        html = current_app.jinja_env.get_template("reports/round_report.html").render(
            current_locale=locale, **context)
    return render_pdf(html, **PDF_OPTIONS)


def generate_round_report(round_: Round, snapshot: AnalysisSnapshot, user=None, lang: str = "nl") -> bytes:
    """Render the report, audit it, and mark an analysed round as reported when a coordinator made it."""
    data = render_round_report(round_, snapshot, user, lang)
    record("round.report", round_, actor=user, organisation_id=round_.organisation_id,
           summary=f"round report ({lang}) of snapshot {snapshot.sha256}",
           changes={"snapshot_sha256": [None, snapshot.sha256], "language": [None, lang]})
    if round_.status == RoundStatus.ANALYSED and getattr(user, "role", "coordinator") == "coordinator":
        from praktijktest.rounds.services import transition

        transition(round_, RoundStatus.REPORTED, reason=f"round report of snapshot {snapshot.sha256}")
    return data
