"""The Numba kernels agree with the NumPy reference (refsnn/neurons/kernels.py states how closely).

- forward: bit for bit, for every option and dtype;
- backward: bit for bit, in float32 and float64, for the binary, multi-level and ternary
  spikes (EXACT_KINDS) with surrogates whose g0 uses only + - * / and abs (no transcendental
  function; their constants keep the input's dtype, refsnn/literals.py), else within
  BACKWARD_RTOL[dtype] * T of the largest gradient or upstream gradient, whichever is larger:
  each step may round differently (NumPy's np.exp vs the kernels' refsnn.fastexp.exp, each
  within an ulp or so, see tests/test_fastexp.py; the MT-SNN kind in float32), the
  carried gradient accumulates it linearly in T, and a result can cancel to far below its
  terms (e.g. dL/dv0 = gV (1 - v_th dO/dH) + ...), whose rounding then dominates.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refsnn import LIF
from refsnn.neurons.kernels import CHUNK, LANES, _lane_sum, _nonfinite
from refsnn.neurons.kinds import binary, multithreshold, ternary
from refsnn.surrogates import FastSigmoid, Rectangular, StraightThrough, Triangular
from spec_tests.strategies import any_neurons, inputs

ARITHMETIC_SURROGATES = (Rectangular, Triangular, FastSigmoid, StraightThrough)
BACKWARD_RTOL = {np.float64: 4 * np.finfo(np.float64).eps, np.float32: 4 * np.finfo(np.float32).eps}

SCALAR_RTOL = {np.float64: 1e-12, np.float32: 1e-5}

EXACT_KINDS = (binary, multithreshold, ternary)
"""The kinds whose backward is bit-identical with arithmetic surrogates. MT-SNN's (kinds/mtsnn.py)
is not in float32: Numba types its fire_grad float64 for both modes (the cascade's residuals
are float64), where the reference's parallel mode is float32 (refsnn/neurons/kernels.py)."""

dtypes = st.sampled_from([np.float64, np.float32])


@st.composite
def runs(draw):
    dtype = draw(dtypes, label="dtype")
    x = draw(inputs(dtype=dtype, max_steps=20), label="x")
    v0 = draw(st.floats(-1, 1.5), label="v0")
    return draw(any_neurons(), label="neuron"), x, v0


@given(runs())
def test_forward_is_bit_identical(run):
    neuron, x, v0 = run
    a, b = neuron.forward(x, v0, backend="numpy"), neuron.forward(x, v0, backend="numba")
    for name in ("spikes", "h", "v"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert getattr(b, name).dtype == x.dtype


@given(runs(), st.booleans(), st.data())
def test_backward_agrees(run, with_grad_v, data):
    neuron, x, v0 = run
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    gs = rng.normal(size=x.shape).astype(x.dtype)
    gv = rng.normal(size=x.shape).astype(x.dtype) if with_grad_v else None
    trace = neuron.forward(x, v0, backend="numpy")
    a = neuron.backward(trace, gs, gv, backend="numpy")
    b = neuron.backward(trace, gs, gv, backend="numba")
    exact = isinstance(neuron.surrogate, ARITHMETIC_SURROGATES)
    exact = exact and type(neuron).kind in EXACT_KINDS
    rtol = 0.0 if exact else BACKWARD_RTOL[x.dtype.type] * x.shape[0]
    upstream = max(np.abs(gs).max(), 0.0 if gv is None else np.abs(gv).max())
    for name in ("x", "v0"):
        ref, got = getattr(a, name), getattr(b, name)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        scale = max(np.abs(ref).max(initial=0), upstream)
        assert np.abs(got - ref).max(initial=0) <= rtol * scale, name
    # Scalar sums of T * N terms: float64 accumulators in another order (per chunk), each term
    # rounded as the gradients above are; allow that rounding on every term.
    tol = SCALAR_RTOL[x.dtype.type] * x.size * (1 + np.abs(a.x).max())
    assert a.params.keys() == b.params.keys()
    for name, value in a.params.items():
        np.testing.assert_allclose(b.params[name], value, rtol=SCALAR_RTOL[x.dtype.type], atol=tol,
                                   err_msg=name)


def test_large_layers_split_into_chunks_agree():
    """More neurons than one parallel chunk: the chunk boundaries must not matter."""
    rng = np.random.default_rng(0)
    x = rng.normal(0.5, 1.0, (5, 2 * CHUNK + 17))
    neuron = LIF(tau=3.0, v_reset=None, surrogate=Rectangular())
    a, b = neuron.forward(x, backend="numpy"), neuron.forward(x, backend="numba")
    np.testing.assert_array_equal(a.v, b.v)
    gs = rng.normal(size=x.shape)
    ga, gb = neuron.backward(a, gs, backend="numpy"), neuron.backward(a, gs, backend="numba")
    np.testing.assert_array_equal(ga.x, gb.x)
    np.testing.assert_allclose(gb.params["tau"], ga.params["tau"], rtol=1e-12)


@given(runs(), st.sampled_from(["numpy", "numba"]))
def test_writing_into_out_buffers_gives_the_same_results(run, backend):
    neuron, x, v0 = run
    fresh = neuron.forward(x, v0, backend=backend)
    stale = neuron.forward(x[::-1].copy(), v0, backend=backend)  # other contents, same shape
    reused = neuron.forward(x, v0, backend=backend, out=stale)
    assert reused.spikes is stale.spikes
    for name in ("spikes", "h", "v"):
        np.testing.assert_array_equal(getattr(reused, name), getattr(fresh, name))
    grad = np.ones_like(x)
    a = neuron.backward(fresh, grad, backend=backend)
    b = neuron.backward(fresh, grad, backend=backend,
                        out=neuron.backward(stale, 2 * grad, backend=backend))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.v0, b.v0)


def lane_sum_model(a):
    """_lane_sum's stated order, in plain Python floats: element i into partial sum i % LANES,
    then the partial sums added from the first."""
    lanes = [0.0] * LANES
    for i, value in enumerate(a.tolist()):
        lanes[i % LANES] += value
    total = 0.0
    for value in lanes:
        total += value
    return total


@given(hnp.arrays(np.float64, st.integers(0, 5 * LANES + 3),
                  elements=st.floats(-1e6, 1e6, allow_subnormal=True)))
def test_lane_sum_adds_in_its_stated_order(a):
    assert _lane_sum(a) == lane_sum_model(a)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nonfinite_flags_exactly_inf_and_nan(dtype):
    info = np.finfo(dtype)
    values = [0.0, -0.0, 1.0, -2.5, info.max, -info.max, info.tiny, info.smallest_subnormal,
              np.inf, -np.inf, np.nan]
    for value in np.array(values, dtype=dtype):
        assert _nonfinite(value) == (not math.isfinite(value)), value


@given(st.sampled_from([np.float32, np.float64]),
       st.sampled_from(["x", "grad_spikes", "grad_v"]),
       st.sampled_from([np.nan, np.inf, -np.inf]), st.data())
def test_one_nonfinite_element_anywhere_is_reported(dtype, where, value, data):
    """The kernels' per-chunk finiteness flags: one bad element in any chunk, at any position
    (including the tail beyond a multiple of the vector width) is caught and named."""
    shape = (3, 2 * CHUNK + 21)
    x = np.full(shape, 0.5, dtype=dtype)
    grads = {"grad_spikes": np.ones(shape, dtype=dtype), "grad_v": np.ones(shape, dtype=dtype)}
    index = (data.draw(st.integers(0, shape[0] - 1), label="t"),
             data.draw(st.integers(0, shape[1] - 1), label="neuron"))
    neuron = LIF()
    at = re.escape(f"at index {index}") + "$"
    if where == "x":
        x[index] = value
        with pytest.raises(ValueError, match=rf"^x: expected finite values .* {at}"):
            neuron.forward(x, backend="numba")
        return
    trace = neuron.forward(x, backend="numba")
    grads[where][index] = value
    with pytest.raises(ValueError, match=rf"^{where}: expected finite values .* {at}"):
        neuron.backward(trace, grads["grad_spikes"], grads["grad_v"], backend="numba")
