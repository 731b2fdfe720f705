"""Numba kernels for the IF / LIF / PLIF family: the same maths as the NumPy reference, fused.

The element-wise equations are not rewritten here: :mod:`refsnn.neurons.dynamics` and the
surrogates' ``g0`` functions are compiled as they are. What differs from the reference is only
the loop structure: neurons are split into fixed chunks run in parallel (``prange``), and each
chunk walks through time with its membrane in a small local buffer, so every array is read or
written once per pass. Slices are taken before the inner loop so it vectorises.

Agreement with the reference (tested in spec_tests/test_kernels.py):

- forward: bit for bit (charge, comparison and reset are the same IEEE operations; with
  ``S`` in {0, 1} the reset is exact whatever the intermediate precision);
- backward: within a few ulps per element: Numba evaluates the surrogates' float literals in
  float64 and its scalar ``exp``/``tanh``/``arctan`` may differ from NumPy's vectorised ones in
  the last bit; the scalar parameter gradients are summed per chunk, in another order.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from refsnn import surrogates
from refsnn.neurons import dynamics

CHUNK = 4096  # neurons per parallel task; two local buffers of CHUNK floats stay in L1/L2

_jit = nb.njit(cache=True)
_charge = _jit(dynamics.charge)
_input_gain = _jit(dynamics.charge_input_gain)
_leak_sensitivity = _jit(dynamics.charge_leak_sensitivity)
_reset = _jit(dynamics.reset)
(_rectangular, _triangular, _sigmoid, _arctan, _fast_sigmoid, _piecewise_exponential, _gaussian,
 _straight_through) = (_jit(cls.g0) for cls in surrogates.SURROGATES)
assert [cls.code for cls in surrogates.SURROGATES] == list(range(8)), "codes index the chain"


@nb.njit(cache=True)
def _surrogate(code, u, alpha, scale):
    """``scale * g0(u)`` of the surrogate with this ``code`` (its index in SURROGATES)."""
    if code == 0:
        g = _rectangular(u, alpha)
    elif code == 1:
        g = _triangular(u, alpha)
    elif code == 2:
        g = _sigmoid(u, alpha)
    elif code == 3:
        g = _arctan(u, alpha)
    elif code == 4:
        g = _fast_sigmoid(u, alpha)
    elif code == 5:
        g = _piecewise_exponential(u, alpha)
    elif code == 6:
        g = _gaussian(u, alpha)
    else:
        g = _straight_through(u, alpha)
    return scale * g


@nb.njit(cache=True)
def _chunk(c, n):
    lo = c * CHUNK
    return lo, min(n, lo + CHUNK)


@nb.njit(parallel=True, cache=True)
def _forward(x, v0, k, v_rest, decay_input, v_threshold, soft, fire_at_zero, spikes, h, v):
    steps, n = x.shape
    for c in nb.prange((n + CHUNK - 1) // CHUNK):
        lo, hi = _chunk(c, n)
        membrane = v0[lo:hi].copy()
        for t in range(steps):
            xt, st, ht, vt = x[t, lo:hi], spikes[t, lo:hi], h[t, lo:hi], v[t, lo:hi]
            for j in range(hi - lo):
                hj = _charge(membrane[j], xt[j], k, v_rest, decay_input)
                u = hj - v_threshold
                fired = u >= 0 if fire_at_zero else u > 0
                sj = 1.0 if fired else 0.0
                membrane[j] = _reset(hj, sj, v_threshold, v_rest, soft)
                ht[j], st[j], vt[j] = hj, sj, membrane[j]


@nb.njit(parallel=True, cache=True)
def _backward(x, v0, spikes, h, v, grad_spikes, grad_v, has_grad_v, k, v_rest, decay_input,
              v_threshold, soft, detach_reset, code, alpha, scale, grad_x, grad_v0,
              partial_threshold, partial_k):
    steps, n = x.shape
    gain = _input_gain(k, decay_input)
    for c in nb.prange((n + CHUNK - 1) // CHUNK):
        lo, hi = _chunk(c, n)
        carry = np.zeros(hi - lo, dtype=x.dtype)  # dL/dV[t] arriving through H[t+1]
        sum_threshold = 0.0
        sum_k = 0.0
        for t in range(steps - 1, -1, -1):
            xt, st, ht, gst = x[t, lo:hi], spikes[t, lo:hi], h[t, lo:hi], grad_spikes[t, lo:hi]
            gvt = grad_v[t if has_grad_v else 0, lo:hi]
            vp = v[t - 1, lo:hi] if t > 0 else v0[lo:hi]
            gxt = grad_x[t, lo:hi]
            for j in range(hi - lo):
                g_v = carry[j] + gvt[j] if has_grad_v else carry[j]
                surrogate = _surrogate(code, ht[j] - v_threshold, alpha, scale)
                if soft:
                    dv_dh, dv_ds = 1.0, -v_threshold
                else:
                    dv_dh, dv_ds = 1.0 - st[j], v_rest - ht[j]
                g_s = gst[j] if detach_reset else gst[j] + g_v * dv_ds
                g_h = g_v * dv_dh + g_s * surrogate
                sum_threshold -= g_s * surrogate
                if soft:
                    sum_threshold -= g_v * st[j]
                gxt[j] = g_h * gain
                sum_k += g_h * _leak_sensitivity(vp[j], xt[j], v_rest, decay_input)
                carry[j] = g_h * (1 - k)
        grad_v0[lo:hi] = carry
        partial_threshold[c] = sum_threshold
        partial_k[c] = sum_k


def _flat(a, steps):
    return np.ascontiguousarray(a).reshape(steps, -1)


def forward(x, v0, d, smooth):
    """Same contract as :func:`refsnn.neurons.reference.forward` (``smooth`` must be False)."""
    steps = x.shape[0]
    spikes, h, v = (np.empty_like(x, order="C") for _ in range(3))
    _forward(_flat(x, steps), np.ascontiguousarray(v0).reshape(-1), d.k, d.v_rest,
             d.decay_input, d.v_threshold, d.soft, d.fire_at_zero,
             spikes.reshape(steps, -1), h.reshape(steps, -1), v.reshape(steps, -1))
    return spikes, h, v


def backward(trace, grad_spikes, grad_v, d):
    """Same contract as :func:`refsnn.neurons.reference.backward`."""
    x = trace.x
    steps = x.shape[0]
    flat = [_flat(a, steps) for a in (x, trace.spikes, trace.h, trace.v, grad_spikes)]
    has_grad_v = grad_v is not None
    flat_grad_v = _flat(grad_v, steps) if has_grad_v else np.zeros((1, 1), x.dtype)
    grad_x = np.empty_like(x, order="C")
    grad_v0 = np.empty_like(trace.v0, order="C")
    chunks = max(1, -(-flat[0].shape[1] // CHUNK))
    partial_threshold, partial_k = np.zeros(chunks), np.zeros(chunks)
    cast = x.dtype.type
    _backward(*flat[:1], np.ascontiguousarray(trace.v0).reshape(-1), *flat[1:], flat_grad_v,
              has_grad_v, d.k, d.v_rest, d.decay_input, d.v_threshold, d.soft, d.detach_reset,
              d.surrogate.code, cast(d.surrogate.alpha), cast(d.surrogate.scale),
              grad_x.reshape(steps, -1), grad_v0.reshape(-1), partial_threshold, partial_k)
    return grad_x, grad_v0, partial_threshold.sum(), partial_k.sum()
