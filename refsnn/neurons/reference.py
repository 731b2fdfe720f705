"""The NumPy reference: the specification of the multi-step forward pass and of BPTT.

One plain loop over time, vectorised over neurons, for every neuron: the charge of
:mod:`refsnn.neurons.dynamics`, then the fire and reset of the neuron's spike kind (e.g.
:mod:`refsnn.neurons.kinds.binary`). Nothing is fused or reordered for speed; the Numba kernels of
:mod:`refsnn.neurons.kernels` must reproduce these results.

``c`` is a :class:`refsnn.neurons.base.Charge` (leak rate ``k``, ``v_rest``, ``decay_input``),
``kind`` the spike-kind module and ``p`` its parameters, all cast to the input dtype. Results
are written into the arrays the caller passes; each function also reports whether its input
arrays were all finite (the caller raises the error).
"""

from __future__ import annotations

import numpy as np

from refsnn.neurons.dynamics import charge, charge_leak_sensitivity
from refsnn.validation import all_finite


def forward(x, v0, c, kind, p, phi, spikes, h, v):
    """Fill ``spikes``, ``h``, ``v`` (shaped like ``x``); ``phi`` selects the smooth mode.

    Returns whether ``x`` (nothing is computed if not) and then every membrane ``h`` were all
    finite (finite inputs and parameters can still overflow the membrane)."""
    if not all_finite(x):
        return False
    v_prev = v0
    for t in range(x.shape[0]):
        h[t] = charge(v_prev, x[t], c.k, c.v_rest, c.decay_input)
        o = kind.fire(h[t], p) if phi is None else kind.fire_smooth(h[t], p, phi)
        spikes[t] = o
        v[t] = kind.reset(h[t], o, p)
        v_prev = v[t]
    return all_finite(h)


def backward(trace, grad_spikes, grad_v, c, kind, p, g0, detach_reset, grad_x, grad_v0):
    """BPTT: fill ``grad_x`` (dL/dx) and ``grad_v0`` (dL/dv0); return ``(dL/dk, dL/dparams,
    whether grad_spikes and grad_v were all finite: nothing is computed if not)``.

    Going backwards from t = T-1, with ``gV`` = dL/dV[t] (direct + through H[t+1]):

        gO = dL/dO[t] + gV dV/dO           (the reset path; omitted with detach_reset)
        gH = gV dV/dH + gO dO/dH            (dO/dH: the kind's surrogate derivative)
        dL/dX[t] = gH dH/dX,   dL/dV[t-1] = gH (1 - k),   dL/dk += gH dH/dk
        dL/dparams += kind.param_grads(...)

    Scalar parameter gradients are accumulated in float64.
    """
    if not (all_finite(grad_spikes) and (grad_v is None or all_finite(grad_v))):
        return 0.0, np.zeros(2), False
    x, spikes, h, v = trace.x, trace.spikes, trace.h, trace.v
    grad_prev = np.zeros_like(trace.v0)  # dL/dV[t] arriving through H[t+1]
    grad_k, grad_params = 0.0, np.zeros(2)
    for t in reversed(range(x.shape[0])):
        v_prev = v[t - 1] if t > 0 else trace.v0
        g_v = grad_prev if grad_v is None else grad_prev + grad_v[t]
        o = spikes[t]
        dodh = kind.fire_grad(h[t], o, p, g0)
        dvdh, dvdo = kind.reset_grad(h[t], o, p)
        g_o = grad_spikes[t] if detach_reset else grad_spikes[t] + g_v * dvdo
        g_h = g_v * dvdh + g_o * dodh
        grad_x[t] = g_h * c.gain
        grad_k += np.sum(g_h * charge_leak_sensitivity(v_prev, x[t], c.v_rest, c.decay_input),
                         dtype=np.float64)
        for i, g in enumerate(kind.param_grads(h[t], o, dodh, g_o, grad_spikes[t], g_v, p, g0)):
            grad_params[i] += np.sum(g, dtype=np.float64)
        grad_prev = g_h * c.decay
    grad_v0[...] = grad_prev
    return grad_k, grad_params, True
