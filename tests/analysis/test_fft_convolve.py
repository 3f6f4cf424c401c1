"""The FFT convolution of the stratified exact test against direct convolution and scipy.signal."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import fftconvolve

from analysis.classification import fft_convolve


@pytest.mark.parametrize(("m", "n"), [(1, 1), (1, 7), (2, 3), (13, 200), (257, 1000)])
def test_equals_direct_convolution(m, n):
    rng = np.random.default_rng(m * 1000 + n)
    a, b = rng.random(m), rng.random(n)
    out = fft_convolve(a, b)
    assert out.shape == (m + n - 1,)
    np.testing.assert_allclose(out, np.convolve(a, b), rtol=0, atol=1e-12 * max(a.sum() * b.sum(), 1))
    np.testing.assert_allclose(out, fftconvolve(a, b), rtol=0, atol=1e-13)


def test_hand_worked_binomial():
    # Two fair coins convolved: (1/2, 1/2) * (1/2, 1/2) = (1/4, 1/2, 1/4).
    np.testing.assert_allclose(fft_convolve(np.array([0.5, 0.5]), np.array([0.5, 0.5])), [0.25, 0.5, 0.25],
                               atol=1e-15)
