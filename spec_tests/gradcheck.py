"""Finite-difference checks of BPTT in the smooth test mode (float64), for any neuron.

In smooth mode every Heaviside step is the surrogate's primitive, so a run is an ordinary
differentiable function of its inputs and parameters, and ``Neuron.backward`` must return its
exact derivative. Central differences approximate it to O(EPS^2) truncation plus
O(1e-16 / EPS) rounding, hence the tolerances.
"""

from __future__ import annotations

import dataclasses

import numpy as np

EPS = 1e-6
RTOL, ATOL = 1e-6, 1e-8


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


def assert_bptt_matches_fd(neuron, backend, seed=7, shape=(7, 2, 2), mean=0.7):
    """L = sum(w0 O) + sum(w1 V): BPTT (``backend``) == central differences for dL/dx,
    dL/dv0 and every learnable scalar the neuron reports."""
    rng = np.random.default_rng(seed)
    x = rng.normal(mean, 1.0, shape)
    v0 = rng.normal(0.0, 0.3, shape[1:])
    weights = rng.normal(size=(2, *shape))
    trace = neuron.forward(x, v0, backend="numpy", smooth=True)
    grads = neuron.backward(trace, weights[0], weights[1], backend=backend)
    np.testing.assert_allclose(grads.x, elementwise_fd(lambda a: loss(neuron, a, v0, weights), x),
                               rtol=RTOL, atol=ATOL, err_msg="dL/dx")
    np.testing.assert_allclose(grads.v0, elementwise_fd(lambda a: loss(neuron, x, a, weights), v0),
                               rtol=RTOL, atol=ATOL, err_msg="dL/dv0")
    for name, value in grads.params.items():
        fd = central_difference(
            lambda p, name=name: loss(with_param(neuron, name, p), x, v0, weights),
            get_param(neuron, name))
        np.testing.assert_allclose(value, fd, rtol=RTOL, atol=ATOL, err_msg=f"dL/d{name}")
