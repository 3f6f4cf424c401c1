"""Package boundaries, input validation and JSON safety."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis import Applications, analyse_round

ROOT = Path(__file__).resolve().parents[2]


def test_import_loads_neither_flask_nor_sqlalchemy():
    code = ("import sys, analysis, analysis.power, analysis.regression; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_an_analysis_without_conditional_logit_loads_no_statsmodels_pandas_scipy_stats_or_signal():
    # What `rounds analyse` of a large round (conditional logit skipped) pays at start-up:
    # statsmodels brings pandas and formulaic, about a second; the fits are numpy. scipy.stats
    # costs 0.7-0.9 s more; the distributions come from analysis.distributions.
    code = ("import sys, numpy as np; from analysis import Applications, analyse_round; "
            "rng = np.random.default_rng(1); n = 400; "
            "apps = Applications(test_id=np.repeat(np.arange(n // 2), 2).astype(str), "
            "target=(np.repeat(np.arange(n // 2), 2) % 20).astype(str), group=np.tile(['r', 'o'], n // 2), "
            "positive=rng.random(n) < 0.3, template=np.tile(['A', 'B', 'B', 'A'], n // 4), "
            "attributes={'sector': np.repeat(np.arange(n // 2) % 2, 2).astype(str)}); "
            "analyse_round(apps, 'r', by=['sector'], conditional_logit=False); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('statsmodels', 'pandas', 'formulaic') "
            "or m.startswith(('scipy.signal', 'scipy.stats'))]; print(','.join(bad[:10])); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_arrays_must_be_parallel():
    with pytest.raises(ValueError, match="differ in length"):
        Applications(test_id=["a", "b"], target=["t"], group=["x", "y"], positive=[True, False])


def test_a_test_with_two_targets_is_refused():
    apps = Applications(test_id=["a", "a"], target=["t1", "t2"], group=["x", "y"], positive=[True, False])
    with pytest.raises(ValueError, match="more than one target"):
        analyse_round(apps, "x")


def test_unknown_reference_group_is_refused():
    apps = Applications(test_id=["a", "a"], target=["t", "t"], group=["x", "y"], positive=[True, False])
    with pytest.raises(ValueError, match="unknown group"):
        analyse_round(apps, "z")


def test_degenerate_round_serialises_without_nan():
    # nobody got a positive response, one test has one group only
    apps = Applications(test_id=["a", "a", "b"], target=["t", "t", "u"], group=["x", "y", "x"],
                        positive=[False, False, False])
    result = analyse_round(apps, "x")
    text = json.dumps(result.to_dict(), allow_nan=False)
    data = json.loads(text)
    assert data["comparisons"][0]["tests_left_out"] == 1
    assert data["comparisons"][0]["rate_ratio"] is None


def test_all_validation_rounds_serialise(bm, inter1, krw):
    for apps, ref, by in ((bm, "white", ["municipality"]), (inter1, "Man.F", ["applicant_gender"])):
        data = analyse_round(apps, ref, by=by).to_dict()
        json.dumps(data, allow_nan=False)
    json.dumps(analyse_round(krw, "white", target_method="krw").to_dict(), allow_nan=False)


@pytest.mark.parametrize("name, ref", [("bm", "white"), ("inter1", "Man.F")])
def test_krw_is_refused_on_one_test_per_target(request, name, ref):
    # BM and inter1 test every employer once: the KRW z-test has nothing to stand on.
    with pytest.raises(ValueError, match="tests per target"):
        analyse_round(request.getfixturevalue(name), ref, target_method="krw")


def test_from_records_positive_outcomes_and_attributes():
    rows = [
        {"test_id": "1", "target": "t", "group": "x", "outcome": "invitation", "city": "Gent"},
        {"test_id": "1", "target": "t", "group": "y", "outcome": "information_request", "city": "Gent"},
    ]
    apps = Applications.from_records(rows, positive_outcomes=["invitation"])
    assert apps.positive.tolist() == [True, False]
    assert list(apps.attributes) == ["city"]
    assert np.array_equal(apps.attributes["city"], ["Gent", "Gent"])
