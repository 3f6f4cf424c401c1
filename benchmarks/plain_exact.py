"""Baseline for `rounds analyse`: per-target exact one-sided p-values with pandas and scipy only.

    python benchmarks/plain_exact.py FILE.csv REFERENCE

Within each test the number of positives of the reference group, given the
test's total of positives, is hypergeometric under equal treatment; a
target's statistic is the sum over its tests, whose null distribution is the
convolution of those hypergeometric distributions. p = P(X >= observed).
"""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy.stats import hypergeom

POSITIVE = ("invitation", "information_request")


def target_p_values(path: str, reference: str) -> pd.Series:
    data = pd.read_csv(path, usecols=["test_id", "target", "group", "outcome"])
    data["positive"] = data["outcome"].isin(POSITIVE)
    data["is_ref"] = data["group"] == reference
    data["positive_ref"] = data["positive"] & data["is_ref"]
    per_test = data.groupby(["target", "test_id"]).agg(
        n_ref=("is_ref", "sum"), n=("is_ref", "size"), k=("positive", "sum"), k_ref=("positive_ref", "sum"))
    out = {}
    for target, tests in per_test.groupby(level=0):
        dist = np.array([1.0])
        for n_ref, n, k in zip(tests["n_ref"], tests["n"], tests["k"], strict=True):
            support = np.arange(0, n_ref + 1)
            dist = np.convolve(dist, hypergeom.pmf(support, n, k, n_ref))
        observed = int(tests["k_ref"].sum())
        out[target] = float(dist[observed:].sum())
    return pd.Series(out)


if __name__ == "__main__":
    print(target_p_values(sys.argv[1], sys.argv[2]).describe().to_string())
