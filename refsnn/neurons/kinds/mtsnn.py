"""The multi-threshold spike of MT-SNN (refsnn/neurons/mtsnn.py): fire, reset, derivatives.

K thresholds ``theta_i = rho_i V`` and amplitudes ``a_i = c_i V`` (``V = v_threshold``), each
threshold emitting a binary spike ``s_i`` (``step(u)``: 1 iff ``u >= 0``, or ``u > 0``):

    parallel:  s_i = step(H - theta_i)                          (every s_i sees H)
    cascade:   r_1 = H,  s_i = step(r_i - theta_i),  r_(i+1) = r_i - a_i s_i   (i = 1..K)
    both:      O = sum_i a_i s_i                                (summed in index order)
    reset:     V' = H - O                                       (soft)
               V' = f v_reset + (1 - f) H,  f = min(O / a_min, 1)   (hard; a_min = min_i a_i)

Derivatives, with g(u) = scale g0(u, alpha) (the neuron's surrogate) at every threshold:

    dO/dH   parallel: sum_i a_i g(H - theta_i)
            cascade:  D_1 = 1,  d_i = g(r_i - theta_i) D_i,  D_(i+1) = D_i - a_i d_i,
                      dO/dH = sum_i a_i d_i          (the residual chain, attached)
    dO/dV   parallel: O/V - sum_i a_i rho_i g(H - theta_i)      (O/V = sum_i c_i s_i)
            cascade:  E_1 = 0,  e_i = g(r_i - theta_i) (E_i - rho_i),
                      E_(i+1) = E_i - c_i s_i - a_i e_i,  dO/dV = sum_i (c_i s_i + a_i e_i)
            (the term sum_i c_i s_i is evaluated as O/V, in both modes)
    reset   soft: dV'/dH = 1, dV'/dO = -1, dV'/dV = 0 (at fixed H, O)
            hard: dV'/dH = 1 - f, dV'/dO = (v_reset - H) 1[O <= a_min] / a_min,
                  dV'/dV = -(v_reset - H) (O / a_min) / V 1[O <= a_min] (through a_min = c_min V),
                  which cancels dV'/dO times the amplitudes' part O/V of dO/dV exactly
                  (f = sum_i c_i s_i / c_min does not depend on V at fixed s_i)
    detach_reset: the s_i are constants in the reset, which still sees V through the
            amplitudes, O = V sum_i c_i s_i (soft: dV'/dV = -O/V, as the binary neuron's -S)

``min(O / a_min, 1)`` is differentiated with slope 1 at its kink ``O = a_min`` (the left
derivative), which makes K = 1 the binary neuron in backward too (dV/dS = v_reset - H at S = 1).

The cascade's residuals ``r_i`` are recomputed from H in ``fire_grad`` and ``param_grads`` (a
kind receives only H and O) with the same operations and comparisons as ``fire``, so with the
hard steps of the forward pass. ``fire_smooth`` replaces every step by ``phi``, inside the chain
too; its exact derivative is the formula above evaluated at the *smooth* residuals, which
equal the hard ones only for K = 1: BPTT of a smooth cascade run (K >= 2) is therefore not its
exact derivative (spec_tests/test_mtsnn.py checks the cascade's BPTT against the run linearised
at the hard decisions instead; parallel mode is exact in smooth mode).

Rounding: ``s_i`` is the float64 ``1.0 * (u >= 0)`` in both backends, so ``a_i s_i``, the sum
``O``, the cascade's residuals after the first stage and the reset are evaluated in float64
for float32 inputs too, in NumPy and in Numba alike (then stored in the input dtype); the
comparisons are exact in any precision (the sign of a rounded difference is the sign of the
exact one). With K = 1, rho = c = 1 every operation is the binary kind's (O = V S exactly).
The other constants are :func:`refsnn.literals.weak`: in the input dtype, in both backends.

A spike kind: see refsnn/neurons/kinds/__init__.py for the contract. No function calls another
(Numba compiles each one on its own); the loops run over the 1-D arrays held in ``Params``.
"""

from __future__ import annotations

import numpy as np

from refsnn.literals import weak
from refsnn.neurons.kinds import params_type

PARAMS = ("v_threshold", "")

Params = params_type(__name__, "thresholds", "amplitudes", "threshold_ratios",
                     "amplitude_ratios", "a_min", "cascade")
"""``thresholds``, ``amplitudes``: theta_i = rho_i V and a_i = c_i V, 1-D arrays of the input
dtype (the float64 product rounded once); ``threshold_ratios``, ``amplitude_ratios``: rho_i and
c_i in the input dtype (for dO/dV); ``a_min``: the smallest amplitude (input dtype);
``cascade``: False for parallel mode, True for cascade mode."""


def fire(h, p):
    o = weak(0.0, h) * h
    if p.cascade:
        r = h
        for i in range(len(p.thresholds)):
            u = r - p.thresholds[i]
            s = 1.0 * (u >= 0) if p.fire_at_zero else 1.0 * (u > 0)
            o = o + p.amplitudes[i] * s
            r = r - p.amplitudes[i] * s
        return o
    for i in range(len(p.thresholds)):
        u = h - p.thresholds[i]
        s = 1.0 * (u >= 0) if p.fire_at_zero else 1.0 * (u > 0)
        o = o + p.amplitudes[i] * s
    return o


def fire_smooth(h, p, phi):
    o = weak(0.0, h) * h
    if p.cascade:
        r = h
        for i in range(len(p.thresholds)):
            s = phi(r - p.thresholds[i])
            o = o + p.amplitudes[i] * s
            r = r - p.amplitudes[i] * s
        return o
    for i in range(len(p.thresholds)):
        o = o + p.amplitudes[i] * phi(h - p.thresholds[i])
    return o


def fire_grad(h, o, p, g0):
    d = weak(0.0, h) * h
    if p.cascade:
        r = h
        chain = weak(1.0, h) + weak(0.0, h) * h  # D_i = dr_i/dH
        for i in range(len(p.thresholds)):
            u = r - p.thresholds[i]
            s = 1.0 * (u >= 0) if p.fire_at_zero else 1.0 * (u > 0)
            ds = p.scale * g0(u, p.alpha) * chain
            d = d + p.amplitudes[i] * ds
            chain = chain - p.amplitudes[i] * ds
            r = r - p.amplitudes[i] * s
        return d
    for i in range(len(p.thresholds)):
        d = d + p.amplitudes[i] * (p.scale * g0(h - p.thresholds[i], p.alpha))
    return d


def reset(h, o, p):
    if p.soft:
        return h - o
    f = np.minimum(o / p.a_min, weak(1.0, o))
    return f * p.v_rest + (weak(1.0, f) - f) * h


def reset_grad(h, o, p):
    if p.soft:
        return weak(1.0, h), weak(-1.0, h)
    return (weak(1.0, o) - np.minimum(o / p.a_min, weak(1.0, o)),
            (p.v_rest - h) * (o <= p.a_min) / p.a_min)


def param_grads(h, o, dodh, g_o, g_out, g_v, p, g0):
    """dL/dV. Every theta_i and a_i scales with V: dO/dV = A + T with A = sum_i c_i s_i = O/V
    (the amplitudes at fixed s_i) and T the thresholds' part (parallel: -sum_i a_i rho_i
    g(H - theta_i); cascade: sum_i a_i ds_i/dV along the chain E_i). The reset sees V through
    A only as the binary neuron's sees its threshold (soft: V' = H - V sum_i c_i s_i, kept
    with ``detach_reset`` as the binary -S dV_th; hard: f = sum_i c_i s_i / c_min does not
    depend on V: a_min's dV'/dV cancels dV'/dO A exactly). Hence, with g_o = g_out + g_v dV'/dO
    (attached) or g_out (detached):  soft  g_o T + (g_out - g_v) A;  hard  g_o T + g_out A."""
    t = weak(0.0, h) * h
    if p.cascade:
        r = h
        chain = weak(0.0, h) * h  # E_i = dr_i/dV
        for i in range(len(p.thresholds)):
            u = r - p.thresholds[i]
            s = 1.0 * (u >= 0) if p.fire_at_zero else 1.0 * (u > 0)
            ds = p.scale * g0(u, p.alpha) * (chain - p.threshold_ratios[i])
            t = t + p.amplitudes[i] * ds
            chain = chain - p.amplitude_ratios[i] * s - p.amplitudes[i] * ds
            r = r - p.amplitudes[i] * s
    else:
        for i in range(len(p.thresholds)):
            t = t - p.amplitudes[i] * p.threshold_ratios[i] * (
                p.scale * g0(h - p.thresholds[i], p.alpha))
    amplitude = o / p.v_threshold
    if p.soft:
        return g_o * t + (g_out - g_v) * amplitude, 0.0
    return g_o * t + g_out * amplitude, 0.0
