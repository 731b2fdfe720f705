"""BPTT checked exactly: smooth-primitive forward vs central finite differences (float64).

In smooth mode the spike is ``phi(H - v_th)`` with ``phi' = g`` (the surrogate), so the run is
an ordinary differentiable function and the BPTT gradients must equal its true derivative. The
reset path must be attached (``detach_reset=False``) for that; the detached variant is checked
against torch autograd in test_torch_autograd.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from refsnn import IF, LIF, PLIF
from refsnn.surrogates import SURROGATES

EPS = 1e-6
RTOL, ATOL = 1e-6, 1e-8  # central differences: truncation O(EPS^2), rounding O(1e-16 / EPS)

MODELS = [
    IF(v_reset=-0.25),
    IF(v_reset=None),
    LIF(tau=3.0, v_reset=0.1),
    LIF(tau=2.5, decay_input=False, v_reset=None),
    PLIF(w=0.4, v_reset=None),
    PLIF(w=-0.7, decay_input=False, v_threshold=0.8),
]


def loss(neuron, x, v0, weights):
    tr = neuron.forward(x, v0, backend="numpy", smooth=True)
    return np.sum(weights[0] * tr.spikes) + np.sum(weights[1] * tr.v)


def central_difference(f, value, eps=EPS):
    return (f(value + eps) - f(value - eps)) / (2 * eps)


def elementwise_fd(f, array):
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        def bumped(a, i=i):
            b = array.copy()
            b[i] = a
            return f(b)
        grad[i] = central_difference(bumped, array[i])
    return grad


@pytest.mark.parametrize("surrogate", SURROGATES, ids=lambda s: s.name)
@pytest.mark.parametrize("model", MODELS, ids=repr)
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_bptt_equals_finite_differences(model, surrogate, backend):
    rng = np.random.default_rng(7)
    neuron = dataclasses.replace(model, surrogate=surrogate(alpha=1.5))
    x = rng.normal(0.7, 1.0, (7, 2, 2))
    v0 = rng.normal(0.0, 0.3, (2, 2))
    weights = rng.normal(size=(2, *x.shape))
    trace = neuron.forward(x, v0, backend="numpy", smooth=True)
    grads = neuron.backward(trace, weights[0], weights[1], backend=backend)

    fd_x = elementwise_fd(lambda a: loss(neuron, a, v0, weights), x)
    fd_v0 = elementwise_fd(lambda a: loss(neuron, x, a, weights), v0)
    np.testing.assert_allclose(grads.x, fd_x, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grads.v0, fd_v0, rtol=RTOL, atol=ATOL)
    for name, value in grads.params.items():
        fd = central_difference(
            lambda p, name=name: loss(dataclasses.replace(neuron, **{name: p}), x, v0, weights),
            getattr(neuron, name))
        np.testing.assert_allclose(value, fd, rtol=RTOL, atol=ATOL, err_msg=name)


@pytest.mark.parametrize("v_reset", [None, 0.0])
def test_detach_reset_only_acts_through_the_membrane(v_reset):
    """The reset path carries gradient only into V: with no dL/dV and a single step (so no later
    H depends on V) detaching it changes nothing; over several steps it must change dL/dx."""
    rng = np.random.default_rng(3)
    x = rng.normal(0.8, 1.0, (6, 5))
    gs = rng.normal(size=x.shape)
    attached, detached = LIF(v_reset=v_reset), LIF(v_reset=v_reset, detach_reset=True)
    for steps, same in ((1, True), (6, False)):
        tr = attached.forward(x[:steps], backend="numpy", smooth=True)
        a = attached.backward(tr, gs[:steps], backend="numpy").x
        d = detached.backward(tr, gs[:steps], backend="numpy").x
        assert np.array_equal(a, d) == same
