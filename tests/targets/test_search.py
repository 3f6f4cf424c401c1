"""The registry search: any part of a name or code, any case and accent, wildcards taken literally."""
from __future__ import annotations

import urllib.parse

import pytest

from tests.conftest import visible_text

NAMES = ("Émile Bakkerij", "ÉCOLE DU CENTRE", "100% Zorg", "Alfa_Bouw", "Alfabouw", "Østerberg BV")


@pytest.fixture
def registry(make_target):
    return {name: make_target(name) for name in NAMES}


def found(client, query: str) -> set[str]:
    text = visible_text(client.get("/targets/?" + urllib.parse.urlencode({"q": query})).get_data(as_text=True))
    return {name for name in NAMES if name in text}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("émile", {"Émile Bakkerij"}),
        ("ÉMILE", {"Émile Bakkerij"}),
        ("école", {"ÉCOLE DU CENTRE"}),
        ("du cent", {"ÉCOLE DU CENTRE"}),
        ("østerb", {"Østerberg BV"}),
        ("%", {"100% Zorg"}),  # a literal per cent sign, not "anything"
        ("_", {"Alfa_Bouw"}),  # a literal underscore, not "any one letter"
        ("alfa", {"Alfa_Bouw", "Alfabouw"}),
        ("zzz", set()),
    ],
)
def test_search_matches_any_part_in_any_case(client, coordinator, registry, query, expected):
    assert found(client, query) == expected


def test_search_by_code_in_lower_case(client, coordinator, registry):
    target = registry["Alfabouw"]
    assert "Alfabouw" in found(client, target.code.lower())
