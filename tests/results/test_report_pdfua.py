"""Structural PDF/UA checks of the round report with pypdf (no full validator such as veraPDF is installable here).

Checked: tagged (MarkInfo /Marked, StructTreeRoot), document language, title in the
metadata shown as the window title, headings and tables tagged, every figure
(chart) with alternative text, every font embedded. Not checked: reading order,
the full Matterhorn protocol, contrast; those need veraPDF or a person.
"""
from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from praktijktest.reports.round_report import render_round_report
from praktijktest.results.snapshots import run_analysis


def _elements(node, out: list) -> list:
    """Every structure element below `node` (depth first)."""
    node = node.get_object()
    if isinstance(node, ArrayObject):
        for kid in node:
            _elements(kid, out)
        return out
    if not isinstance(node, DictionaryObject):
        return out
    if "/S" in node:
        out.append(node)
    if "/K" in node:
        _elements(node["/K"], out)
    return out


def _fonts(reader: PdfReader) -> list[DictionaryObject]:
    fonts = []
    for page in reader.pages:
        resources = page.get("/Resources")
        for font in (resources.get_object().get("/Font") or {}).values() if resources else []:
            font = font.get_object()
            fonts += [f.get_object() for f in font.get("/DescendantFonts", [])] or [font]
    return fonts


def test_round_report_is_tagged_with_language_title_alt_texts_and_embedded_fonts(db, app, fieldwork_round):
    round_ = fieldwork_round()
    snapshot = run_analysis(round_)
    with app.test_request_context():
        data = render_round_report(round_, snapshot, None, "en")
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"].get_object()
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712  (a pypdf BooleanObject)
    assert str(root["/Lang"]).lower().startswith("en")
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    assert round_.title in str(reader.metadata.title)
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert round_.title in xmp and "pdfuaid" in xmp  # the PDF/UA identification schema
    elements = _elements(root["/StructTreeRoot"], [])
    kinds = {str(e["/S"]) for e in elements}
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Figure"} <= kinds, kinds
    figures = [e for e in elements if str(e["/S"]) == "/Figure"]
    assert figures and all(str(e.get("/Alt") or "").strip() for e in figures), "a figure without alternative text"
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        descriptor = font["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.get("/BaseFont")
