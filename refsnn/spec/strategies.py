"""Hypothesis strategies of the installed spec suite: inputs (the project's spec_tests use them
too, through spec_tests/strategies.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=6)


@st.composite
def inputs(draw, dtype=np.float64, max_steps=12, scale=2.0):
    """``x[T, ...]`` of a drawn shape with values in [-scale, 2 scale] (so neurons fire)."""
    steps = draw(st.integers(1, max_steps), label="T")
    shape = (steps, *draw(shapes, label="neuron shape"))
    elements = st.floats(-scale, 2 * scale, width=np.dtype(dtype).itemsize * 8)
    return draw(hnp.arrays(dtype, shape, elements=elements), label="x")


def dyadic(draw, shape, low, high, denominator=64):
    """Values ``i / denominator`` (exact in binary, so sums of them are exact too)."""
    ints = draw(hnp.arrays(np.int64, shape, elements=st.integers(low * denominator,
                                                                  high * denominator)))
    return ints / denominator
