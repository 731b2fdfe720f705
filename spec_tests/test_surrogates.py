"""The canonical surrogates: each derivative is its primitive's derivative, with known values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refsnn import surrogates
from refsnn.surrogates import SURROGATES

# g(0) / scale for each canonical surrogate, from the formulas (not from the code)
PEAK = {
    "rectangular": lambda a: a,
    "triangular": lambda a: a,
    "sigmoid": lambda a: a / 4,  # a s (1 - s) at s = 1/2
    "arctan": lambda a: a / 2,
    "fast_sigmoid": lambda a: 1.0,
    "piecewise_exponential": lambda a: a / 2,
    "gaussian": lambda a: a / math.sqrt(math.pi),
    "straight_through": lambda a: 1.0,
}
# integral of g0 over the real line
AREA = {name: (lambda a: 1.0) for name in PEAK} | {"fast_sigmoid": lambda a: 2 / a,
                                                   "straight_through": None}
# where g0 is discontinuous or has a kink, for the finite-difference check
KINKS = {"rectangular": lambda a: [-0.5 / a, 0.5 / a], "triangular": lambda a: [-1 / a, 0, 1 / a],
         "fast_sigmoid": lambda a: [0.0], "piecewise_exponential": lambda a: [0.0]}

canonical = st.sampled_from(SURROGATES)
alphas = st.floats(0.3, 10.0)
scales = st.floats(0.2, 5.0)


def test_registry_is_complete():
    assert sorted(PEAK) == sorted(cls.name for cls in SURROGATES)


@given(canonical, alphas, scales)
def test_peak_value(cls, alpha, scale):
    g0 = cls(alpha=alpha, scale=scale).derivative(np.zeros(1))[0]
    assert g0 == pytest.approx(scale * PEAK[cls.name](alpha), rel=1e-14)


@given(canonical, alphas, scales, st.floats(-20, 20))
def test_symmetric_nonnegative_and_primitive_is_centred(cls, alpha, scale, x):
    s = cls(alpha=alpha, scale=scale)
    g = s.derivative(np.array([x, -x]))
    assert g[0] == g[1] >= 0
    assert s.primitive(np.zeros(1))[0] == 0.5


@given(canonical, alphas, scales, st.floats(-4, 4))
def test_derivative_is_derivative_of_primitive(cls, alpha, scale, x):
    s = cls(alpha=alpha, scale=scale)
    eps = 1e-6
    kinks = KINKS.get(cls.name, lambda a: [])(alpha)
    if any(abs(x - k) < 10 * eps for k in kinks):
        return  # one-sided there; not a point of differentiability
    fd = (s.primitive(np.array([x + eps]))[0] - s.primitive(np.array([x - eps]))[0]) / (2 * eps)
    assert fd == pytest.approx(s.derivative(np.array([x]))[0], rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("cls", [c for c in SURROGATES if AREA[c.name]], ids=lambda c: c.name)
@pytest.mark.parametrize("alpha", [0.5, 2.0, 7.0])
def test_area(cls, alpha):
    """phi(+inf) - phi(-inf) = integral of g: 1 for the normalised families, 2/alpha for
    fast_sigmoid (read off the primitive at far-away points, checked by quadrature)."""
    s = cls(alpha=alpha)
    x = np.linspace(-4000 / alpha, 4000 / alpha, 4_000_001)
    quadrature = np.trapezoid(s.derivative(x), x)
    # The heavy tails beyond |x| = 4000/alpha hold ~ 4 / (pi^2 4000) (arctan) and 1 / 4001
    # (fast_sigmoid) of the area; the rectangle's two jumps cost the trapezoid rule up to one
    # grid step (0.002 / alpha) of height alpha each.
    rel = {"arctan": 2e-4, "fast_sigmoid": 3e-4, "rectangular": 5e-3}.get(cls.name, 1e-6)
    assert quadrature == pytest.approx(AREA[cls.name](alpha), rel=rel)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls", SURROGATES, ids=lambda c: c.name)
def test_dtype_is_preserved(cls, dtype):
    x = np.linspace(-2, 2, 9, dtype=dtype)
    s = cls()
    assert s.derivative(x).dtype == dtype and s.primitive(x).dtype == dtype
    assert cls.g0(x, dtype(s.alpha)).dtype == dtype  # no float64 constant leaks into float32


@pytest.mark.parametrize("alias, canonical_name", [
    ("piecewise_quadratic", "triangular"), ("superspike", "fast_sigmoid"), ("erf", "gaussian"),
    ("atan", "arctan"), ("boxcar", "rectangular"), ("ste", "straight_through")])
def test_aliases(alias, canonical_name):
    s = surrogates.get(alias, alpha=3.0)
    assert s.name == canonical_name and s.alpha == 3.0


def test_defaults_follow_the_peers():
    """SpikingJelly Sigmoid(alpha=4), ATan(alpha=2), Erf(alpha=2); snnTorch fast_sigmoid(25)."""
    assert surrogates.Sigmoid().alpha == 4.0
    assert surrogates.Arctan().alpha == 2.0
    assert surrogates.Gaussian().alpha == 2.0
    assert surrogates.FastSigmoid().alpha == 25.0
