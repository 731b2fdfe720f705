"""The NumPy reference: the specification of the multi-step forward pass and of BPTT.

One plain loop over time, vectorised over neurons, calling the equations of
:mod:`refsnn.neurons.dynamics`. Nothing is fused or reordered for speed; the Numba kernels in
:mod:`refsnn.neurons.kernels` must reproduce these results.
"""

from __future__ import annotations

import numpy as np

from refsnn.neurons.dynamics import charge, charge_input_gain, charge_leak_sensitivity, reset
from refsnn.surrogates import heaviside


def forward(x, v0, d, smooth):
    """Return ``(spikes, h, v)``, each shaped like ``x``. ``d`` is a ``Dynamics``."""
    spikes, h, v = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    v_prev = v0
    for t in range(x.shape[0]):
        h[t] = charge(v_prev, x[t], d.k, d.v_rest, d.decay_input)
        spikes[t] = fire(h[t] - d.v_threshold, d, smooth)
        v[t] = reset(h[t], spikes[t], d.v_threshold, d.v_rest, d.soft)
        v_prev = v[t]
    return spikes, h, v


def fire(u, d, smooth):
    """``S`` from ``u = H - v_threshold``: the step, or in smooth mode the surrogate's primitive."""
    if smooth:
        return d.surrogate.primitive(u)
    return heaviside(u, ">=" if d.fire_at_zero else ">")


def backward(trace, grad_spikes, grad_v, d):
    """BPTT. Returns ``(dL/dx, dL/dv0, dL/dv_threshold, dL/dk)``.

    Going backwards from t = T-1, with ``gV`` = dL/dV[t] (direct + through H[t+1]):

        gS = dL/dS[t] + gV dV/dS          (the reset path; omitted with detach_reset)
        gH = gV dV/dH + gS g(H[t] - v_th)  (g the surrogate)
        dL/dX[t] = gH dH/dX,   dL/dV[t-1] += gH (1 - k),   dL/dk += gH dH/dk
        dL/dv_th -= gS g(H[t] - v_th)  and, with a soft reset, -= gV S[t]

    where hard reset: dV/dH = 1 - S, dV/dS = v_reset - H; soft: dV/dH = 1, dV/dS = -v_th.
    Scalar parameter gradients are accumulated in float64.
    """
    x, spikes, h, v = trace.x, trace.spikes, trace.h, trace.v
    grad_x = np.empty_like(x)
    grad_prev = np.zeros_like(trace.v0)  # dL/dV[t] arriving through H[t+1]
    grad_threshold = grad_k = 0.0
    for t in reversed(range(x.shape[0])):
        v_prev = v[t - 1] if t > 0 else trace.v0
        g_v = grad_prev if grad_v is None else grad_prev + grad_v[t]
        surrogate = d.surrogate.derivative(h[t] - d.v_threshold)
        dv_dh, dv_ds = reset_partials(h[t], spikes[t], d)
        g_s = grad_spikes[t] if d.detach_reset else grad_spikes[t] + g_v * dv_ds
        g_h = g_v * dv_dh + g_s * surrogate
        grad_threshold -= np.sum(g_s * surrogate, dtype=np.float64)
        if d.soft:
            grad_threshold -= np.sum(g_v * spikes[t], dtype=np.float64)
        grad_x[t] = g_h * charge_input_gain(d.k, d.decay_input)
        sensitivity = charge_leak_sensitivity(v_prev, x[t], d.v_rest, d.decay_input)
        grad_k += np.sum(g_h * sensitivity, dtype=np.float64)
        grad_prev = g_h * (1 - d.k)
    return grad_x, grad_prev, grad_threshold, grad_k


def reset_partials(h, s, d):
    """``(dV/dH, dV/dS)`` of the reset at fixed ``S`` and ``H``."""
    if d.soft:
        return 1, -d.v_threshold
    return 1 - s, d.v_rest - h
