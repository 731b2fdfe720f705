"""MultiThreshold (refsnn/neurons/multithreshold.py), the multi-level spike kind.

Every expected value is derived here from the kind docstring's equations, not from the code:
levels from exact rational arithmetic (fractions.Fraction), charge conservation from exact
dyadic sums, gradients from central differences of the smooth mode or by hand. Resets, the
kernels and BPTT = finite differences of whole runs are generic properties of every model
(spec_tests/test_properties.py; this model's gradient cases: spec_tests/gradient_cases.py).
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refsnn import IF, LIF
from refsnn.neurons.base import BACKENDS
from refsnn.neurons.kinds import multithreshold
from refsnn.neurons.kinds.multithreshold import DERIVATIVES
from refsnn.neurons.multithreshold import MultiThreshold
from refsnn.surrogates import Rectangular, Sigmoid
from refsnn.tolerances import assert_close
from spec_tests.gradcheck import central_difference
from spec_tests.strategies import dtypes, dyadic, inputs, neurons

TRACE = ("spikes", "h", "v")


def with_threshold(neuron, v_threshold):
    """``neuron`` with another threshold (a hard reset moved below it if needed)."""
    v_reset = neuron.v_reset
    if v_reset is not None and v_reset >= v_threshold:
        v_reset = v_threshold / 2
    return dataclasses.replace(neuron, v_threshold=v_threshold, v_reset=v_reset)


def grads_equal(a, b):
    for name in ("x", "v0"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert getattr(a, name).dtype == getattr(b, name).dtype
    assert a.params == b.params


# --- 1. levels = 1 is the single-threshold neuron ----------------------------------------

@given(neurons(), dtypes, st.sampled_from(DERIVATIVES), st.floats(-1, 1.5), st.data())
def test_one_level_is_the_base_neuron(neuron, dtype, derivative, v0, data):
    """D = 1: O = Heaviside(H - v_th) and min(O, 1) = O, so forward is the base neuron's bit for
    bit; "sum" (one term) and "stretched" (m = v_th, D = 1) are its surrogate, so is backward,
    and so is the smooth mode with a soft reset."""
    x = data.draw(inputs(dtype=dtype), label="x")
    multi = MultiThreshold(neuron=neuron, levels=1, derivative=derivative)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    gs, gv = (rng.normal(size=x.shape).astype(dtype) for _ in range(2))
    for backend in BACKENDS:
        a, b = neuron.forward(x, v0, backend=backend), multi.forward(x, v0, backend=backend)
        for name in TRACE:
            np.testing.assert_array_equal(getattr(b, name), getattr(a, name), err_msg=name)
            assert getattr(b, name).dtype == dtype
        if derivative != "ramp":
            grads_equal(multi.backward(b, gs, gv, backend=backend),
                        neuron.backward(a, gs, gv, backend=backend))
    if derivative != "ramp" and neuron.v_reset is None:  # (hard: min(O, 1) clips a smooth O > 1)
        a = neuron.forward(x, v0, backend="numpy", smooth=True)
        b = multi.forward(x, v0, backend="numpy", smooth=True)
        for name in TRACE:
            np.testing.assert_array_equal(getattr(b, name), getattr(a, name), err_msg=name)


# --- 2. the levels and the resets ---------------------------------------------------------

def exact_level(h, v_threshold, levels, compare):
    """clip(floor(H / v_th), 0, D) (">=") or clip(ceil(H / v_th) - 1, 0, D) (">"), in exact
    rational arithmetic on the stored floats."""
    q = Fraction(float(h)) / Fraction(float(v_threshold))
    level = math.floor(q) if compare == ">=" else math.ceil(q) - 1
    return min(max(level, 0), levels)


@given(neurons(), dtypes, st.integers(1, 5), st.integers(8, 128), st.data())
def test_level_counts_the_thresholds_reached(neuron, dtype, levels, sixty_fourths, data):
    """O is an integer in [0, D] and equals the number of multiples i v_th (i = 1..D) that H
    reached. v_th = j/64 makes every i v_th exact, so this holds for any H, checked with
    Fractions."""
    neuron = with_threshold(neuron, sixty_fourths / 64)
    multi = MultiThreshold(neuron=neuron, levels=levels,
                           derivative=data.draw(st.sampled_from(DERIVATIVES)))
    x = data.draw(inputs(dtype=dtype, max_steps=8, scale=levels * neuron.v_threshold), label="x")
    assert_levels(multi, x)


@given(dtypes, st.integers(2, 5), st.integers(8, 128), st.sampled_from([">=", ">"]),
       st.sampled_from([None, -0.5]), st.data())
def test_level_on_the_exact_grid(dtype, levels, sixty_fourths, compare, v_reset, data):
    """The same on the grid: IF with inputs and v_th multiples of 1/64, so H hits thresholds
    exactly and the compare convention decides (">=": floor(H/v_th), ">": ceil(H/v_th) - 1)."""
    neuron = IF(v_threshold=sixty_fourths / 64, v_reset=v_reset, compare=compare)
    steps, n = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 8))
    x = dyadic(data.draw, (steps, n), -1, 2 * levels).astype(dtype)
    assert_levels(MultiThreshold(neuron=neuron, levels=levels), x)


def assert_levels(multi, x):
    neuron, levels = multi.neuron, multi.levels
    expected = np.vectorize(exact_level, otypes=[np.float64])
    for backend in BACKENDS:
        tr = multi.forward(x, backend=backend)
        o = tr.spikes
        assert np.all(o == np.round(o)) and o.min() >= 0 and o.max() <= levels
        np.testing.assert_array_equal(
            o, expected(tr.h, neuron.v_threshold, levels, neuron.compare).astype(x.dtype))


@given(dtypes, st.integers(1, 5), st.integers(1, 40), st.integers(1, 8), st.integers(1, 128),
       st.sampled_from([">=", ">"]), st.data())
def test_soft_reset_if_conserves_charge_exactly(dtype, levels, steps, n, sixty_fourths, compare,
                                                data):
    """IF, soft reset, v0 = 0: sum_t X[t] = V[T-1] + v_th sum_t O[t], exactly: inputs and
    threshold are multiples of 1/64 (|values| < 2^8), so every step is exact in float32 too."""
    x = dyadic(data.draw, (steps, n), -2, 4).astype(dtype)
    v_threshold = sixty_fourths / 64
    multi = MultiThreshold(neuron=IF(v_threshold=v_threshold, v_reset=None, compare=compare),
                           levels=levels)
    for backend in BACKENDS:
        tr = multi.forward(x, 0.0, backend=backend)
        np.testing.assert_array_equal(x.astype(np.float64).sum(0),
                                      tr.v[-1].astype(np.float64)
                                      + v_threshold * tr.spikes.astype(np.float64).sum(0))


# --- 3. the spike's derivative, element-wise ----------------------------------------------

@pytest.mark.parametrize("derivative", DERIVATIVES)
@pytest.mark.parametrize("levels", [1, 2, 5])
def test_fire_grad_is_the_derivative_of_the_smooth_spike(derivative, levels):
    """Element-wise: d(fire_smooth)/dH == fire_grad and d(fire_smooth)/dv_th == the dO/dv_th
    that param_grads uses (read off with dL/dO = 1, dL/dV = 0, hard reset)."""
    base = LIF(v_threshold=0.7, surrogate=Sigmoid(alpha=2.5, scale=0.8))
    h = np.linspace(-1.0, (levels + 1.5) * 0.7, 2001)
    if derivative == "ramp":  # keep away from the two corners
        h = h[(np.abs(h - 0.35) > 1e-3) & (np.abs(h - (levels + 0.5) * 0.7) > 1e-3)]

    def smooth(h, v_threshold):
        multi = MultiThreshold(neuron=with_threshold(base, v_threshold), levels=levels,
                               derivative=derivative)
        p = multi.kind_params(np.float64)
        return multithreshold.fire_smooth(h, p, base.surrogate.primitive)

    p = MultiThreshold(neuron=base, levels=levels, derivative=derivative).kind_params(np.float64)
    g0 = type(base.surrogate).g0
    dodh = multithreshold.fire_grad(h, None, p, g0)
    assert_close(dodh, central_difference(lambda a: smooth(a, 0.7), h), "finite_differences")
    dodth, unused = multithreshold.param_grads(h, None, dodh, 1.0, 1.0, 0.0, p, g0)
    assert_close(dodth, central_difference(lambda t: smooth(h, t), 0.7), "finite_differences")
    assert unused == 0.0


# --- 4. bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    (dict(levels=0), r"^levels: expected an integer >= 1, got 0$"),
    (dict(levels=-1), r"^levels: expected an integer >= 1, got -1$"),
    (dict(levels=2.5), r"^levels: expected an integer >= 1, got float 2.5$"),
    (dict(levels=2.0), r"^levels: expected an integer >= 1, got float 2.0$"),
    (dict(levels=True), r"^levels: expected an integer >= 1, got bool True$"),
    (dict(levels="2"), r"^levels: expected an integer >= 1, got str '2'$"),
    (dict(derivative="foo"), r"^derivative: expected one of \('sum', 'ramp', 'stretched'\), "
                             r"got 'foo'$"),
    (dict(derivative="Sum"), r"^derivative: expected one of"),
    (dict(neuron="LIF"), r"^neuron: expected an IF, LIF or PLIF .* got str$"),
    (dict(neuron=MultiThreshold(neuron=IF())), r"^neuron: expected .* got MultiThreshold$"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultiThreshold(**({"neuron": IF()} | kwargs))


def test_defaults_and_integer_types():
    multi = MultiThreshold(neuron=IF())
    assert (multi.levels, multi.derivative) == (2, "sum")
    levels = MultiThreshold(neuron=IF(), levels=np.int32(4)).levels
    assert levels == 4 and type(levels) is int


# --- 5. hand-derived cases ------------------------------------------------------------------

def one_neuron(multi, x, backend, v0=0.0):
    """The run of one neuron on the list of inputs ``x``, from ``v0``."""
    return multi.forward(np.asarray(x, dtype=np.float64).reshape(-1, 1), v0, backend=backend)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_if_soft_reset_constant_input_by_hand(backend):
    # IF, v_th = 1, D = 3, soft reset, X = 1.25 from V = 0 (">="):
    #   t=0: H = 0    + 1.25 = 1.25 -> O = 1 (1 <= 1.25 < 2)  -> V = 0.25
    #   t=1: H = 0.25 + 1.25 = 1.5  -> O = 1                  -> V = 0.5
    #   t=2: H = 0.5  + 1.25 = 1.75 -> O = 1                  -> V = 0.75
    #   t=3: H = 0.75 + 1.25 = 2.0  -> O = 2 (reaches 2 v_th) -> V = 0
    #   t=4.. repeats (period 4, 5 levels per 5 v_th of charge).
    # With ">" t=3 gives O = 1 (2.0 > 2 is false), V = 1.0; t=4: H = 2.25 -> O = 2, V = 0.25;
    #   then as from t=1.
    multi = MultiThreshold(neuron=IF(v_reset=None), levels=3)
    tr = one_neuron(multi, [1.25] * 6, backend)
    assert tr.h[:, 0].tolist() == [1.25, 1.5, 1.75, 2.0, 1.25, 1.5]
    assert tr.spikes[:, 0].tolist() == [1, 1, 1, 2, 1, 1]
    assert tr.v[:, 0].tolist() == [0.25, 0.5, 0.75, 0.0, 0.25, 0.5]
    strict = dataclasses.replace(multi, neuron=IF(v_reset=None, compare=">"))
    tr = one_neuron(strict, [1.25] * 6, backend)
    assert tr.spikes[:, 0].tolist() == [1, 1, 1, 1, 2, 1]
    assert tr.v[:, 0].tolist() == [0.25, 0.5, 0.75, 1.0, 0.25, 0.5]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_levels_saturate_at_d_by_hand(backend):
    # IF, v_th = 1, D = 3, X = 4.5 > D v_th. Soft reset removes at most 3 per step, so the
    # excess piles up: H = 4.5, 6.0, 7.5 (O = 3 each), V = 1.5, 3.0, 4.5.
    # Hard reset to -0.5, from V = -0.5: H = 4.0 -> O = 3 (not 4), V = -0.5; again the same.
    # Hard reset with X = 0.75: H = 0.75 (O = 0, V = 0.75), 1.5 (O = 1, V = -0.5), 0.25 (O = 0).
    soft = MultiThreshold(neuron=IF(v_reset=None), levels=3)
    tr = one_neuron(soft, [4.5] * 3, backend)
    assert tr.spikes[:, 0].tolist() == [3, 3, 3] and tr.v[:, 0].tolist() == [1.5, 3.0, 4.5]
    hard = MultiThreshold(neuron=IF(v_reset=-0.5), levels=3)
    tr = one_neuron(hard, [4.5] * 2, backend, v0=-0.5)
    assert tr.h[:, 0].tolist() == [4.0, 4.0] and tr.spikes[:, 0].tolist() == [3, 3]
    assert tr.v[:, 0].tolist() == [-0.5, -0.5]
    tr = one_neuron(hard, [0.75] * 3, backend, v0=0.0)
    assert tr.spikes[:, 0].tolist() == [0, 1, 0] and tr.v[:, 0].tolist() == [0.75, -0.5, 0.25]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("derivative, dodh, dodth", [
    # IF, v_th = 1, D = 3, one step from V = 0 with X = 2.75, so H = 2.75 and O = 2.
    # Surrogate Rectangular(alpha=1): g(u) = 1[|u| < 1/2].
    # sum: g(1.75) + g(0.75) + g(-0.25) = 0 + 0 + 1;  dO/dv_th = -(1*0 + 2*0 + 3*1) = -3
    ("sum", 1.0, -3.0),
    # ramp: H/v_th = 2.75 in [1/2, 7/2] -> 1/v_th = 1;  dO/dv_th = -H/v_th^2 = -2.75
    ("ramp", 1.0, -2.75),
    # stretched: m = 2, g((2.75 - 2)/3) = g(0.25) = 1;  dO/dv_th = -(D+1)/2 * 1 = -2
    ("stretched", 1.0, -2.0),
])
def test_one_step_gradients_by_hand(backend, derivative, dodh, dodth):
    neuron = IF(v_reset=None, surrogate=Rectangular(alpha=1.0))
    multi = MultiThreshold(neuron=neuron, levels=3, derivative=derivative)
    tr = one_neuron(multi, [2.75], backend)
    assert tr.spikes[0, 0] == 2
    one, zero = np.ones((1, 1)), np.zeros((1, 1))
    # dL/dO = 1 only: dL/dX = dO/dH, dL/dv_th = dO/dv_th (V is not used).
    g = multi.backward(tr, one, zero, backend=backend)
    assert (g.x[0, 0], g.v0[0], g.params["v_threshold"]) == (dodh, dodh, dodth)
    # dL/dO = dL/dV = 1, soft: gO = 1 + 1 * dV/dO = 1 - v_th = 0, so dL/dX = dV/dH = 1 and
    # dL/dv_th = 0 * dO/dv_th + dV/dv_th = -O = -2, for every derivative.
    g = multi.backward(tr, one, one, backend=backend)
    assert (g.x[0, 0], g.params["v_threshold"]) == (1.0, -2.0)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_hard_reset_gradient_through_the_level_by_hand(backend):
    # IF, v_th = 1, D = 3, hard reset to 0, dL/dV = 1 only, derivative "sum" with
    # Rectangular(alpha=1). dV/dO = (v_reset - H) 1[O <= 1], dV/dH = 1 - min(O, 1):
    #   H = 1.25: O = 1, dV/dO = -1.25, dO/dH = g(0.25) = 1 -> dL/dX = 0 + (-1.25)(1) = -1.25
    #   H = 2.25: O = 2, dV/dO = 0 (saturated: min(O, 1) = 1 on both sides) -> dL/dX = 0
    #   H = 0.75: O = 0, dV/dH = 1, dV/dO = -0.75, dO/dH = g(-0.25) = 1 -> 1 - 0.75 = 0.25
    multi = MultiThreshold(neuron=IF(surrogate=Rectangular(alpha=1.0)), levels=3)
    x = np.array([[1.25, 2.25, 0.75]])
    tr = multi.forward(x, 0.0, backend=backend)
    assert tr.spikes[0].tolist() == [1, 2, 0]
    g = multi.backward(tr, np.zeros_like(x), np.ones_like(x), backend=backend)
    assert g.x[0].tolist() == [-1.25, 0.0, 0.25]
