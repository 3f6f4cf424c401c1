"""Strength of evidence and further tests needed, on small rounds built by hand."""
from __future__ import annotations

import numpy as np

from analysis import Applications, analyse_round
from analysis.evidence import further_tests_sign


def _pairs(per_target: dict[str, list[tuple[bool, bool]]]) -> Applications:
    rows = []
    for target, tests in per_target.items():
        for i, (ref, grp) in enumerate(tests):
            rows.append({"test_id": f"{target}-{i}", "target": target, "group": "ref", "positive": ref})
            rows.append({"test_id": f"{target}-{i}", "target": target, "group": "grp", "positive": grp})
    return Applications.from_records(rows)


def test_levels_and_further_tests():
    fav, agst, both, none = (True, False), (False, True), (True, True), (False, False)
    data = {
        "strong": [fav] * 12 + [none] * 3,
        "few": [fav] * 3 + [none],
        "mixed": [fav] * 5 + [agst] * 4,
        "against": [agst] * 3 + [both],
    }
    data |= {f"quiet{i}": [none, both] for i in range(16)}
    result = analyse_round(_pairs(data), "ref")
    by = {t.target: t for t in result.targets}
    assert by["strong"].flagged and by["strong"].evidence_level == "strong"
    assert by["strong"].further_tests_needed is None
    assert by["few"].evidence_level == "insufficient"
    assert by["mixed"].evidence_level == "weak"
    assert by["against"].evidence_level == "none" and by["against"].further_tests_needed is None
    # 'few': 3 of its 4 tests favour the reference, none the group. With 'strong'
    # flagged, BH flags it too once p <= 0.05 * 2 / 20 = 0.005, i.e. 2^-m with
    # m = 8 discordant tests: 8 / (3/4) = 10.7 tests in all, 6 or 7 more.
    assert result.flagged_targets == 1
    assert 2.0**-8 <= 0.005 < 2.0**-7
    assert by["few"].further_tests_needed in (6, 7)
    assert "ref applicant was favoured 3 times" in by["few"].evidence


def test_further_tests_sign_reaches_the_threshold():
    extra = further_tests_sign(np.array([10]), np.array([6]), np.array([1]), 0.001)[0]
    from scipy.stats import binom

    def p_after(x):
        m = round(7 * (10 + x) / 10)
        return binom.sf(round(m * 6 / 7) - 1, m, 0.5)

    assert p_after(extra) <= 0.001 < p_after(extra - 1)
