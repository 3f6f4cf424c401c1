"""The evidence sentence in the reader's language, built from the analysis JSON's code and facts."""
from __future__ import annotations

from flask_babel import force_locale

from analysis import Applications, analyse_round
from praktijktest.datasets.evidence_text import evidence_sentence, format_p


def _targets():
    rows = []
    data = {"strong": [(True, False)] * 12, "silent": [(False, False)] * 5, "balanced": [(True, False), (False, True)]}
    data |= {f"q{i}": [(True, True), (False, False)] for i in range(17)}
    for target, tests in data.items():
        for i, (ref, grp) in enumerate(tests):
            rows += [{"test_id": f"{target}-{i}", "target": target, "group": "Belgisch", "positive": ref},
                     {"test_id": f"{target}-{i}", "target": target, "group": "Marokkaans", "positive": grp}]
    result = analyse_round(Applications.from_records(rows), "Belgisch").to_dict()
    return {t["target"]: t for t in result["targets"]}


def test_sentences_in_dutch_follow_the_wording(app):
    targets = _targets()
    with app.test_request_context(), force_locale("nl"):
        strong = evidence_sentence(targets["strong"])
        silent = evidence_sentence(targets["silent"])
        balanced = evidence_sentence(targets["balanced"])
    assert strong.startswith("In 12 van de 12 tests kreeg de groep Belgisch een betere reactie")
    assert "Aangeduid voor opvolging binnen de 20 vergelijkingen van deze testronde" in strong
    assert "hangt af van de andere werkgevers" in strong and "Eenzijdige p 0,0002." in strong  # 2^-12 = 0.000244
    assert "vermoeden van ongelijke behandeling" in strong
    assert "Geen informatieve test" in silent
    assert "Geen aanwijzing dat deze werkgever de groep Belgisch bevoordeelde" in balanced
    assert "Geen informatieve test" not in balanced


def test_sentences_in_french_and_english(app):
    targets = _targets()
    with app.test_request_context(), force_locale("fr"):
        assert "Signalement pour suivi parmi les 20 comparaisons" in evidence_sentence(targets["strong"])
        assert "ait favorisé" in evidence_sentence(targets["balanced"], "housing")
        assert "ce bailleur ou cette agence immobilière" in evidence_sentence(targets["balanced"], "housing")
    with app.test_request_context(), force_locale("en"):
        assert "Flagged for follow-up within this round's set of 20" in evidence_sentence(targets["strong"])


def test_p_values_are_never_printed_as_zero(app):
    with app.test_request_context(), force_locale("nl"):
        assert format_p(0.0) == "< 0,0001" and format_p(0.0123) == "0,012"
