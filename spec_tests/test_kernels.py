"""The Numba kernels' own machinery (refsnn/neurons/kernels.py): chunks, lane sums and the
finiteness flags.

That the kernels agree with the NumPy reference for every model (forward bit for bit, backward
within refsnn.tolerances) and write ``out=`` buffers correctly is a generic property, checked
for every model in spec_tests/test_properties.py.
"""

from __future__ import annotations

import ast
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refsnn import LIF, MultiThreshold
from refsnn.neurons import MTNeuron
from refsnn.neurons.kernels import CHUNK, LANES, UNROLL, _lane_sum, _nonfinite, fixed_counts
from refsnn.surrogates import Rectangular
from refsnn.tolerances import tolerance
from spec_tests.test_properties import backward_is_exact


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
    # the sum's relative bound alone (no per-term allowance): the terms here do not cancel
    rtol = tolerance("kernels_parameter_gradients", np.float64).rtol
    np.testing.assert_allclose(gb.params["tau"], ga.params["tau"], rtol=rtol)


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


@pytest.mark.parametrize("count", [UNROLL, UNROLL + 1])
def test_level_and_threshold_counts_agree_compiled_in_or_not(count):
    """A kind's count of levels or thresholds is compiled into the kernels of a layer of CHUNK
    neurons or more up to UNROLL (kernels.fixed_counts), and read at run time beyond it and in
    smaller layers: either way the reference's operations, the forward bit for bit, the
    backward within the bound of test_properties.test_kernels_backward_agrees (whose drawn
    layers are smaller than CHUNK)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1.0, count + 1.0, (3, CHUNK + 5)).astype(np.float32)  # every level
    gs = rng.normal(size=x.shape).astype(np.float32)
    base = LIF(tau=2.0, surrogate=Rectangular())
    for neuron, field in ((MultiThreshold(neuron=base, levels=count), "levels"),
                          (MTNeuron.cascade(base, count), "thresholds")):
        p = neuron.kind_params(np.float32)
        fixed = ast.literal_eval(fixed_counts(p, x.shape[1]))
        assert any(i == p._fields.index(field) for i, _, _ in fixed) == (count <= UNROLL)
        assert fixed_counts(p, CHUNK - 1) == "()"
        a, b = neuron.forward(x, backend="numpy"), neuron.forward(x, backend="numba")
        for name in ("spikes", "h", "v"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        ga, gb = neuron.backward(a, gs, backend="numpy"), neuron.backward(a, gs, backend="numba")
        bound = tolerance("kernels_backward_exact" if backward_is_exact(neuron, np.float32)
                          else "kernels_backward", np.float32)
        for name in ("x", "v0"):
            ref, got = getattr(ga, name), getattr(gb, name)
            scale = x.shape[0] * max(np.abs(ref).max(), np.abs(gs).max())
            assert np.abs(got - ref).max() <= bound.atol * scale, name


def test_each_spike_kind_compiles_under_a_cache_name_of_its_own():
    """Numba's cache index of a kernel holds its kind's Params type by module path; one index
    per kind (the kind's module name in the kernel's name) keeps an index of a renamed kind
    from being loaded (kernels._parallel_kernel)."""
    from refsnn.neurons import kernels
    from refsnn.neurons.kinds import binary, mtsnn, multithreshold, ternary

    kinds = (binary, ternary, multithreshold, mtsnn)
    names = {kernels._forward_kernel(kind, "()").py_func.__qualname__ for kind in kinds}
    names |= {kernels._backward_kernel(kind, Rectangular.g0, "()").py_func.__qualname__
              for kind in kinds}
    assert len(names) == 2 * len(kinds)
    assert all(name.rsplit("_", 1)[-1] in {k.__name__.rsplit(".", 1)[-1] for k in kinds}
               for name in names)
