"""The results pages: who reads what, names only on the coordinators' audited route, server-side sorting."""
from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from praktijktest.audit.models import AuditEvent
from praktijktest.results.snapshots import latest_snapshot, run_analysis
from praktijktest.rounds.models import Round
from praktijktest.targets.models import Target
from tests.conftest import visible_text
from tests.rounds.util import fresh


def _names(db, round_) -> list[str]:
    return [t.name for t in db.session.query(Target).filter_by(organisation_id=round_.organisation_id)]


def test_coordinator_analyses_and_reads_the_results(db, client, login_as, fieldwork_round):
    login_as("coordinator")
    round_ = fieldwork_round()
    response = client.post(f"/rounds/{round_.id}/analyse", data={"version": str(round_.version)})
    round_ = fresh(db, Round, round_.id)
    snapshot = latest_snapshot(round_)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/results/{snapshot.id}")
    assert round_.status == "analysed"
    text = visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    # 12 of 20 and 6 of 20 positive; the Wilson interval computed by statsmodels, not by the engine.
    assert "60.0%" in text and "30.0%" in text
    low, high = proportion_confint(12, 20, method="wilson")
    assert f"{100 * low:.2f}% to {100 * high:.2f}%" in text
    assert "In 8 of the 20 tests only the reference group was treated better, in 2 tests" in text
    assert not any(name in text for name in _names(db, round_))


def test_a_stale_analyse_form_is_refused(db, client, login_as, fieldwork_round):
    login_as("coordinator")
    round_ = fieldwork_round()
    client.post(f"/rounds/{round_.id}/analyse", data={"version": str(round_.version - 1)})
    round_ = fresh(db, Round, round_.id)
    assert round_.status == "fieldwork" and latest_snapshot(round_) is None


def test_a_round_without_responses_cannot_be_analysed(db, client, login_as, make_round):
    login_as("coordinator")
    round_ = make_round(status="fieldwork")
    response = client.post(f"/rounds/{round_.id}/analyse", data={})
    assert response.status_code == 302
    round_ = fresh(db, Round, round_.id)
    assert round_.status == "fieldwork" and latest_snapshot(round_) is None


def test_viewer_sees_codes_and_cannot_reach_names(db, client, login_as, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    login_as("viewer")
    base = f"/rounds/{round_.id}/results/{snapshot.id}"
    names = _names(db, round_)
    for url in (base, f"{base}/targets", f"{base}/targets?flagged=1", f"{base}/charts/rates.svg"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not any(name in response.get_data(as_text=True) for name in names), url
    codes = visible_text(client.get(f"{base}/targets").get_data(as_text=True))
    assert all(t["target"] in codes for t in snapshot.result["targets"])
    assert "Show names" not in codes
    assert client.get(f"{base}/targets/names").status_code == 403
    assert db.session.query(AuditEvent).filter_by(action="target.identity_view").count() == 0


def test_coordinator_names_are_an_audited_identity_view(db, client, login_as, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    login_as("coordinator")
    text = client.get(f"/rounds/{round_.id}/results/{snapshot.id}/targets/names").get_data(as_text=True)
    assert all(name in text for name in _names(db, round_))
    event = db.session.query(AuditEvent).filter_by(action="target.identity_view").one()
    assert event.changes["count"] == 20


def test_sorting_and_filtering_on_the_server(db, client, login_as, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    login_as("viewer")
    base = f"/rounds/{round_.id}/results/{snapshot.id}/targets"
    html = client.get(f"{base}?sort=target&dir=desc").get_data(as_text=True)
    codes = sorted(t["target"] for t in snapshot.result["targets"])
    positions = [html.index(code) for code in reversed(codes)]
    assert positions == sorted(positions)
    flagged = [t["target"] for t in snapshot.result["targets"] if t["flagged"]]
    only = client.get(f"{base}?flagged=1").get_data(as_text=True)
    assert all(code in only for code in flagged)
    assert not any(t["target"] in only for t in snapshot.result["targets"] if not t["flagged"])


@pytest.mark.parametrize("query", ["sort=__class__", "dir=sideways", "page=-4", "page=99999999999999", "flagged=yes"])
def test_hostile_table_arguments_fall_back(db, client, login_as, fieldwork_round, query):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    login_as("viewer")
    assert client.get(f"/rounds/{round_.id}/results/{snapshot.id}/targets?{query}").status_code == 200


def test_chart_is_svg_with_its_own_policy_and_a_text_alternative(db, client, login_as, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    login_as("viewer")
    response = client.get(f"/rounds/{round_.id}/results/{snapshot.id}/charts/rates.svg")
    assert response.mimetype == "image/svg+xml" and b"<script" not in response.data
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert b"60.00%" in response.data  # the value is a direct label on the bar
    html = client.get(f"/rounds/{round_.id}/results/{snapshot.id}").get_data(as_text=True)
    assert 'alt="Bar chart of the positive-response rate per group: Belgisch 60.00%' in html
    assert client.get(f"/rounds/{round_.id}/results/{snapshot.id}/charts/nothing.svg").status_code == 404


def test_a_snapshot_is_only_found_under_its_own_round(db, client, login_as, fieldwork_round):
    first, second = fieldwork_round(), fieldwork_round(title="Tweede ronde")
    snapshot = run_analysis(first)
    login_as("coordinator")
    assert client.get(f"/rounds/{second.id}/results/{snapshot.id}").status_code == 404
    assert client.get(f"/rounds/{second.id}/results/{snapshot.id}/report.pdf").status_code == 404


def test_earlier_snapshots_stay_listed_and_open(db, client, login_as, fieldwork_round):
    from praktijktest.results.snapshots import RunRequest

    round_ = fieldwork_round()
    first = run_analysis(round_)
    second = run_analysis(round_, request=RunRequest(fdr=0.2))
    login_as("viewer")
    text = visible_text(client.get(f"/rounds/{round_.id}/results/{first.id}").get_data(as_text=True))
    assert "This is an earlier analysis" in text and second.short_hash in text
    latest = visible_text(client.get(f"/rounds/{round_.id}/results/{second.id}").get_data(as_text=True))
    assert "false discovery rate: pre-registered 5%, used 20%" in latest and "earlier analysis" not in latest
    assert client.get(f"/rounds/{round_.id}/results").headers["Location"].endswith(f"/results/{second.id}")


def test_round_page_leads_with_findings(db, client, login_as, fieldwork_round):
    round_ = fieldwork_round()
    login_as("coordinator")
    before = visible_text(client.get(f"/rounds/{round_.id}").get_data(as_text=True))
    assert "Analyse" in before and "Mark as analysed" not in before
    run_analysis(round_)
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert html.index('id="findings-heading"') < html.index('id="design-heading"')  # the tabs also say "Design"
    assert "Mark as reported" not in visible_text(html)


def test_cached_charts_follow_the_language(db, client, login_as, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    login_as("viewer")
    url = f"/rounds/{round_.id}/results/{snapshot.id}/charts/rates.svg"
    english = client.get(url).data
    assert client.get(url).data == english  # drawn once, served again
    client.post("/language", data={"locale": "nl_BE"})
    dutch = client.get(url).data
    assert "60,00\u00a0%".encode() in dutch and b"60.00%" not in dutch


def test_imported_round_page_shows_no_design_phase_errors(db, client, login_as, import_round, tmp_path):
    from tests.results.conftest import small_csv

    login_as("coordinator")
    round_id = import_round(small_csv(tmp_path), "ref")["round_id"]
    html = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "flash-error" not in html and "Evidence planning" not in html
    assert "Analyse" in visible_text(html)
    client.post(f"/rounds/{round_id}/analyse", data={})
    html = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert html.index('id="findings-heading"') < html.index('id="design-heading"') and "flash-error" not in html


def test_trend_across_comparable_rounds_names_protocol_differences(db, client, login_as, fieldwork_round):
    first = fieldwork_round(title="Arbeidsmarkt 2024")
    second = fieldwork_round(title="Arbeidsmarkt 2025")
    third = fieldwork_round(title="Arbeidsmarkt 2026", response_window_days=21)
    for round_ in (first, second, third):
        run_analysis(round_)
    snapshot = latest_snapshot(third)
    login_as("viewer")
    text = visible_text(client.get(f"/rounds/{third.id}/results/{snapshot.id}").get_data(as_text=True))
    trend = text[text.index("Trend"):]
    assert "Arbeidsmarkt 2024" in trend and "Arbeidsmarkt 2025" in trend and "(this round)" in trend
    assert trend.count("differs in: response_window_days") == 2
    assert first.protocol_sha256[:12] in trend and third.protocol_sha256[:12] in trend
    chart = client.get(f"/rounds/{third.id}/results/{snapshot.id}/charts/trend.svg")
    assert chart.status_code == 200 and b"Arbeidsmarkt 2024" in chart.data


def test_keys_a_newer_engine_adds_are_shown_and_missing_ones_are_not(db, client, login_as, fieldwork_round):
    from praktijktest.results.models import AnalysisSnapshot

    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    result = dict(snapshot.result, sensitivity={"mid_p": {"flagged": 3}}, family_wise={"holm_flagged": 1},
                  mixtures=[{"group": "Marokkaans", "share_discriminating": 0.125, "targets": 20, "identified": True}])
    del result["balance"], result["comparisons"]
    newer = AnalysisSnapshot(round_id=round_.id, organisation_id=round_.organisation_id, sha256="f" * 64,
                             input_sha256=snapshot.input_sha256, parameters={}, deviations=[{"text": "Engine says"}],
                             result=result, software_version="next", applications=40)
    db.session.add(newer)
    db.session.flush()
    login_as("viewer")
    text = visible_text(client.get(f"/rounds/{round_.id}/results/{newer.id}").get_data(as_text=True))
    assert "sensitivity" in text and "mid_p: flagged: 3" in text and "holm_flagged: 1" in text
    assert "Estimated share of targets that treat the groups unequally" in text and "12.5%" in text
    assert "Engine says" in text and "Randomisation balance" not in text and "compared with" not in text
