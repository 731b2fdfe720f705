"""Hypothesis strategies of the installed spec suite: binary neurons with every option, and
inputs (the project's spec_tests use them too, through spec_tests/strategies.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refsnn import IF, LIF, PLIF
from refsnn.surrogates import SURROGATES

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


surrogates = st.builds(lambda cls, alpha, scale: cls(alpha=alpha, scale=scale),
                       st.sampled_from(SURROGATES),
                       st.floats(0.25, 8.0), st.sampled_from([1.0, 0.5, 2.0]))


@st.composite
def neurons(draw, models=(IF, LIF, PLIF), soft=None):
    """Any neuron of ``models`` with every semantic option drawn."""
    model = draw(st.sampled_from(models), label="model")
    v_threshold = draw(st.floats(0.25, 2.0), label="v_threshold")
    soft = draw(st.booleans(), label="soft") if soft is None else soft
    v_reset = None if soft else draw(st.floats(-1.0, 0.9 * v_threshold), label="v_reset")
    common = dict(v_threshold=v_threshold, v_reset=v_reset,
                  detach_reset=draw(st.booleans(), label="detach_reset"),
                  compare=draw(st.sampled_from([">=", ">"]), label="compare"),
                  surrogate=draw(surrogates, label="surrogate"))
    if model is LIF:
        common |= dict(tau=draw(st.floats(1.0, 20.0) | st.just(np.inf), label="tau"),
                       decay_input=draw(st.booleans(), label="decay_input"))
    if model is PLIF:
        common |= dict(w=draw(st.floats(-3.0, 3.0), label="w"),
                       decay_input=draw(st.booleans(), label="decay_input"))
    return model(**common)
