"""Bad input raises ValueError naming the argument, before any computation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra import numpy as hnp

from refsnn import IF, LIF, PLIF, surrogates, validation
from refsnn.neurons.base import BACKENDS

X = np.ones((3, 2))


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("x, message", [
    (np.array([[1.0, np.nan]]), r"^x: expected finite values .* nan at index \(0, 1\)"),
    (np.array([[np.inf]]), r"^x: expected finite values .* inf"),
    (np.array(1.0), r"^x: expected rank >= 1 .* got rank 0"),
    (np.ones((0, 3)), r"^x: expected T = x.shape\[0\] >= 1 .* shape \(0, 3\)"),
    (np.ones((2, 3), dtype=np.int64), r"^x: expected dtype float32 or float64, got int64"),
    ([[1.0]], r"^x: expected a numpy.ndarray .* got list"),
])
def test_bad_x(x, message, backend):
    with pytest.raises(ValueError, match=message):
        LIF().forward(x, backend=backend)


@pytest.mark.parametrize("v0, message", [
    (np.ones(3), r"^v0: expected .* neuron shape \(2,\), got shape \(3,\)"),
    (np.ones((2, 2)), r"^v0: expected .* got shape \(2, 2\)"),
    (np.nan, r"^v0: expected finite values"),
    ("a", r"^v0: expected a real scalar or array"),
])
def test_bad_v0(v0, message):
    with pytest.raises(ValueError, match=message):
        LIF().forward(X, v0)


@pytest.mark.parametrize("make, message", [
    (lambda: LIF(tau=0.0), r"^tau: expected a value >= 1.0, got 0.0"),
    (lambda: LIF(tau=-2.0), r"^tau: expected a value >= 1.0"),
    (lambda: LIF(tau=0.5), r"^tau: expected a value >= 1.0, got 0.5"),
    (lambda: LIF(tau=np.nan), r"^tau: expected a finite number or \+inf"),
    (lambda: LIF(tau="2"), r"^tau: expected a real number"),
    (lambda: PLIF.from_tau(1.0), r"^tau: expected a value > 1.0"),
    (lambda: PLIF(w=np.inf), r"^w: expected a finite number"),
    (lambda: IF(v_threshold=0.0), r"^v_threshold: expected a value > 0.0, got 0.0"),
    (lambda: IF(v_threshold=-1.0), r"^v_threshold: expected a value > 0.0"),
    (lambda: IF(v_reset=1.0), r"^v_reset: expected a value < v_threshold = 1.0, got 1.0"),
    (lambda: IF(v_reset=np.inf), r"^v_reset: expected a finite number"),
    (lambda: IF(compare="=>"), r"^compare: expected one of \('>=', '>'\)"),
    (lambda: IF(detach_reset=1), r"^detach_reset: expected True or False, got 1"),
    (lambda: LIF(decay_input="yes"), r"^decay_input: expected True or False"),
    (lambda: IF(surrogate="sigmoid"), r"^surrogate: expected a refsnn.surrogates.Surrogate"),
    (lambda: surrogates.Sigmoid(alpha=0.0), r"^sigmoid.alpha: expected a value > 0.0"),
    (lambda: surrogates.Arctan(scale=-1.0), r"^arctan.scale: expected a value > 0.0"),
    (lambda: surrogates.get("sigmoud"), r"^surrogate: expected one of .* got 'sigmoud'"),
])
def test_bad_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_backend_and_mode():
    with pytest.raises(ValueError, match=r"^backend: expected one of \('numpy', 'numba'\)"):
        LIF().forward(X, backend="cuda")
    with pytest.raises(ValueError, match=r"^smooth: expected False with backend='numba'"):
        LIF().forward(X, backend="numba", smooth=True)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_bad_backward_arguments(backend):
    neuron = LIF()
    trace = neuron.forward(X, backend=backend)
    with pytest.raises(ValueError, match=r"^grad_spikes: expected shape \(3, 2\) .* \(2, 3\)"):
        neuron.backward(trace, np.ones((2, 3)), backend=backend)
    with pytest.raises(ValueError, match=r"^grad_v: expected finite values"):
        neuron.backward(trace, np.ones((3, 2)), np.full((3, 2), np.nan), backend=backend)
    with pytest.raises(ValueError, match=r"^trace: expected the Trace returned by forward"):
        neuron.backward((X, X), np.ones((3, 2)), backend=backend)


def test_bad_output_buffers():
    neuron = LIF()
    trace = neuron.forward(X)
    with pytest.raises(ValueError, match=r"^out: expected a Trace or None, got tuple"):
        neuron.forward(X, out=(X, X, X))
    with pytest.raises(ValueError, match=r"^out.spikes: expected a float64 array of shape \(4,"):
        neuron.forward(np.ones((4, 2)), out=trace)
    with pytest.raises(ValueError, match=r"^out.spikes: expected a float32 array"):
        neuron.forward(X.astype(np.float32), out=trace)
    with pytest.raises(ValueError, match=r"^out.spikes: expected an array that does not overlap"):
        neuron.forward(trace.spikes, out=trace)
    grads = neuron.backward(trace, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"^out: expected a Gradients or None, got Trace"):
        neuron.backward(trace, np.ones((3, 2)), out=trace)
    with pytest.raises(ValueError, match=r"^out.x: expected an array that does not overlap"):
        neuron.backward(trace, np.ones((3, 2)), out=dataclasses.replace(grads, x=trace.x))


@given(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3),
       hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
def test_v0_accepts_exactly_the_shapes_that_broadcast_to_the_neuron_shape(v0_shape, shape):
    try:
        expected = np.broadcast_shapes(v0_shape, shape) == shape
    except ValueError:
        expected = False
    v0 = np.arange(np.prod(v0_shape), dtype=np.float64).reshape(v0_shape)
    if not expected:
        with pytest.raises(ValueError, match=r"^v0: expected a scalar or an array broadcastable"):
            validation.state("v0", v0, shape, np.float32)
        return
    state = validation.state("v0", v0, shape, np.float32)
    assert state.dtype == np.float32
    np.testing.assert_array_equal(state, np.broadcast_to(v0, shape))
