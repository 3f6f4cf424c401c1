"""Results in the browser: a coordinator analyses the demo round, reads results and the per-target table and
downloads the report; a viewer reads codes only and cannot reach names; charts have text alternatives;
no page scrolls sideways on a phone."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from praktijktest.demo_rounds import LABOUR_TITLE
from praktijktest.extensions import db
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def submit(page, selector: str):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def _demo_round(live_server):
    from praktijktest.rounds.models import Round
    from praktijktest.targets.models import Target

    with live_server.app.app_context():
        round_ = db.session.query(Round).filter_by(title=LABOUR_TITLE).one()
        names = [t.name for t in db.session.query(Target).filter_by(organisation_id=round_.organisation_id)]
        db.session.remove()
        return round_.id, names


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_coordinator_analyses_reads_and_downloads(open_page, live_server):
    round_id, names = _demo_round(live_server)
    page = open_page(as_role="coordinator")
    page.goto(f"/rounds/{round_id}")
    main = page.locator("main").inner_text()
    headings = page.locator("main h2").all_inner_texts()
    assert headings.index("Bevindingen") < headings.index("Opzet")  # the findings first (the tabs say "Opzet" too)
    assert "Markeren als geanalyseerd" not in main
    submit(page, "#findings-heading ~ p a.button")
    violations = axe_violations(page)
    submit(page, "text=Opnieuw analyseren")
    assert "De analyse is bewaard" in page.locator(".flashes").inner_text()
    assert "Samenvatting" in page.locator("main").inner_text()
    image = page.locator("figure.chart img").first
    assert image.get_attribute("alt").startswith("Staafdiagram")
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    submit(page, "text=Tabel per geteste partij met namen")
    table = page.locator("main table").inner_text()
    assert any(name in table for name in names)
    page.check("#flagged")
    submit(page, "main form.filters button")
    assert page.locator("main tbody tr").count() == 6  # the demo's six strong discriminators
    violations += axe_violations(page)
    page.go_back()
    page.go_back()
    with page.expect_download() as download:
        page.click("text=Rapport in het Nederlands (pdf)")
    data = Path(download.value.path()).read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Samenvatting" in text and not any(name in text for name in names)
    assert violations == []


def test_viewer_reads_codes_only_and_cannot_reach_names(open_page, live_server):
    round_id, names = _demo_round(live_server)
    page = open_page(as_role="viewer", viewport={"width": 390, "height": 844})
    page.goto(f"/rounds/{round_id}/results")
    assert page.url.rsplit("/", 2)[-2] == "results"
    assert _no_sideways_scroll(page)
    assert page.locator("text=Opnieuw analyseren").count() == 0
    for img in page.locator("figure.chart img").all():
        assert img.get_attribute("alt")
    submit(page, "text=Tabel per geteste partij (codes)")
    assert _no_sideways_scroll(page)
    body = page.locator("main").inner_text()
    assert "W-" in body and not any(name in body for name in names)
    assert page.locator("text=Namen tonen").count() == 0
    response = page.goto(page.url.split("?")[0] + "/names")
    assert response.status == 403
    assert not any(name in page.content() for name in names)
