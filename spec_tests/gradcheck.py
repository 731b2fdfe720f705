"""Finite-difference checks of BPTT in the smooth test mode (float64), for any neuron.

In smooth mode every Heaviside step is the surrogate's primitive, so a run is an ordinary
differentiable function of its inputs and parameters, and ``Neuron.backward`` must return its
exact derivative. Central differences approximate it to O(EPS^2) truncation plus
O(1e-16 / EPS) rounding, hence the tolerance (refsnn.tolerances, "finite_differences").
"""

from __future__ import annotations

import dataclasses

import numpy as np

from refsnn.tolerances import assert_close

EPS = 1e-6


def central_difference(f, value, eps=EPS):
    return (f(value + eps) - f(value - eps)) / (2 * eps)


def elementwise_fd(f, array):
    """The gradient of scalar ``f`` at ``array``, one central difference per element."""
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        def bumped(a, i=i):
            b = array.copy()
            b[i] = a
            return f(b)
        grad[i] = central_difference(bumped, array[i])
    return grad


def with_param(neuron, name, value):
    """``neuron`` with parameter ``name`` set, on the neuron or on the neuron it wraps."""
    if name in {f.name for f in dataclasses.fields(neuron)}:
        return dataclasses.replace(neuron, **{name: value})
    return dataclasses.replace(neuron, neuron=with_param(neuron.neuron, name, value))


def get_param(neuron, name):
    return getattr(neuron, name) if hasattr(neuron, name) else get_param(neuron.neuron, name)


def loss(neuron, x, v0, weights):
    tr = neuron.forward(x, v0, backend="numpy", smooth=True)
    return np.sum(weights[0] * tr.spikes) + np.sum(weights[1] * tr.v)


def gradient_data(seed, shape=(7, 2, 2), mean=0.7):
    """``(x, v0, weights)``: x ~ N(mean, 1), v0 ~ N(0, 0.3), the loss weights ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(mean, 1.0, shape)
    v0 = rng.normal(0.0, 0.3, shape[1:])
    return x, v0, rng.normal(size=(2, *shape))


def assert_bptt_matches_fd(neuron, backend, x, v0, weights):
    """L = sum(w0 O) + sum(w1 V): BPTT (``backend``) == central differences for dL/dx,
    dL/dv0 and every learnable scalar the neuron reports."""
    trace = neuron.forward(x, v0, backend="numpy", smooth=True)
    grads = neuron.backward(trace, weights[0], weights[1], backend=backend)
    assert_close(grads.x, elementwise_fd(lambda a: loss(neuron, a, v0, weights), x),
                 "finite_differences", err_msg="dL/dx")
    assert_close(grads.v0, elementwise_fd(lambda a: loss(neuron, x, a, weights), v0),
                 "finite_differences", err_msg="dL/dv0")
    for name, value in grads.params.items():
        fd = central_difference(
            lambda p, name=name: loss(with_param(neuron, name, p), x, v0, weights),
            get_param(neuron, name))
        assert_close(value, fd, "finite_differences", err_msg=f"dL/d{name}")
