"""refsnn.literals.weak: NumPy's rule for a Python float beside an array (NEP 50) in Numba too.

Expected values are NumPy's own: the float constant rounded to the other operand's dtype.
"""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refsnn import surrogates
from refsnn.literals import weak

ARITHMETIC = ("rectangular", "triangular", "arctan", "fast_sigmoid", "straight_through")


@nb.njit
def _weak_in_numba(c, like):
    return weak(c, like)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("c", [0.1, 0.5, 1.0, np.pi / 2, 1e-40])
def test_weak_rounds_the_constant_to_the_dtype_beside_it(dtype, c):
    assert weak(c, dtype(1)) is c  # in Python the constant is untouched: NumPy applies the rule
    got = _weak_in_numba(c, dtype(1))
    assert got == dtype(c)  # NumPy's value of c beside a dtype array
    assert (np.asarray(dtype(1)) * c).dtype == dtype  # the NumPy rule weak stands for


def test_weak_keeps_the_constant_beside_an_integer():
    assert _weak_in_numba(0.1, 3) == 0.1


@nb.njit
def _g0_in_numba(g0, x, alpha):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = g0(x[i], alpha)
    return out


@pytest.mark.parametrize("name", ARITHMETIC)
@given(x=hnp.arrays(np.float32, st.integers(1, 50),
                    elements=st.floats(-4, 4, width=32, allow_subnormal=False)),
       alpha=st.floats(0.25, 8.0, width=32))
def test_float32_surrogates_compute_the_same_bits_in_numba_and_numpy(name, x, alpha):
    """The g0 without a transcendental function: the same float32 operations on both sides,
    so the same bits (a float64 literal in Numba would round once where NumPy rounds each
    step, and differ in the last bit)."""
    g0 = type(surrogates.get(name)).g0
    alpha = np.float32(alpha)
    expected = g0(x, alpha)
    assert expected.dtype == np.float32
    np.testing.assert_array_equal(_g0_in_numba(nb.njit(g0), x, alpha), expected)
