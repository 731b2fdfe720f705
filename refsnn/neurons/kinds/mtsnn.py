"""The multi-threshold spike of MT-SNN (Wang & Zhang 2023): fire, reset and their derivatives.

K thresholds ``theta_i = rho_i V`` and amplitudes ``a_i = c_i V``, with the base threshold
``V = v_threshold`` and the ratios ``rho_i`` (``thresholds``) and ``c_i`` (``amplitudes``);
each threshold emits a binary spike ``s_i`` (``step(u)``: 1 iff ``u >= 0`` with compare ">=",
or ``u > 0``). Per step, after the charge, in this order:

    parallel:  s_i = step(H - theta_i)                          (every s_i sees H)
    cascade:   r_1 = H,  s_i = step(r_i - theta_i),  r_(i+1) = r_i - a_i s_i   (i = 1..K,
               thresholds strictly descending: visited high to low)
    both:      O = sum_i a_i s_i                                (summed in index order;
                                                                 cascade: O = H - r_(K+1))
    reset:     V' = H - O                                       (soft)
               V' = f v_reset + (1 - f) H,  f = min(O / a_min, 1)   (hard; a_min = min_i a_i)

The soft reset subtracts what was emitted (a cascade's membrane keeps the final residual
``r_(K+1)``); the hard reset sets ``v_reset`` iff any threshold fired (``f`` is 0 or 1 in the
forward pass, since a fired O is at least a_min). With K = 1, ``rho = c = 1``, both modes are
the base neuron with its spike scaled by V: ``O = V S``, and H and V are the same bit for bit
(every operation is the binary kind's).

Derivatives, with g(u) = scale g0(u, alpha) (the neuron's surrogate) at every threshold, and V'
the membrane after the reset:

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
Backward returns dL/dV as ``params["v_threshold"]``; the ratios are fixed.

The cascade's residuals ``r_i`` are recomputed from H in ``fire_grad`` and ``param_grads`` (a
kind receives only H and O) with the same operations and comparisons as ``fire``, so with the
hard steps of the forward pass. ``fire_smooth`` replaces every step by ``phi``, inside the chain
too; its exact derivative is the formula above evaluated at the *smooth* residuals, which
equal the hard ones only for K = 1: BPTT of a smooth cascade run (K >= 2) is therefore not its
exact derivative but that of the run linearised at the forward pass's decisions (each step(u)
replaced by step(u0) + phi(u) - phi(u0) around the evaluated point), which is how
spec_tests/test_mtsnn.py checks it; parallel mode is exact in smooth mode.

Rounding: the thresholds and amplitudes are the float64 products ``rho_i V``, ``c_i V`` rounded
once to the input dtype. ``s_i`` is the float64 ``1.0 * (u >= 0)`` in both backends, so ``a_i
s_i``, the sum ``O``, the cascade's residuals after the first stage and the reset are evaluated
in float64 for float32 inputs too, in NumPy and in Numba alike (then stored in the input dtype);
the comparisons are exact in any precision (the sign of a rounded difference is the sign of the
exact one). The other constants are :func:`refsnn.literals.weak`: in the input dtype, in both
backends.

Multiplication-free: the next layer computes ``W O = sum_i a_i (W s_i)``: K accumulations of
binary events with pre-scaled weights ``a_i W`` (stored once), or, when the amplitudes are
powers of two (``MTNeuron.cascade``; ``MTNeuron.parallel`` with K a power of two), of ``W``
shifted by ``log2(c_i)`` with V folded into W.

Sources. Primary: X. Wang, Y. Zhang, "MT-SNN: Enhance Spiking Neural Network with Multiple
Thresholds", arXiv 2303.11127 v2 (2023); only the abstract (arxiv.org/abs/2303.11127) was
available to us. From it: multiple thresholds per neuron, a PLIF-based headline model (use
``neuron=PLIF(...)``), two modes, parallel and cascade, that "differ in the membrane update
rule", training on GPUs/TPUs, and that the multiplication-free property is kept. Nothing else is
the paper's: every equation above is refsnn's choice. Secondary descriptions of cascaded
thresholds (not of MT-SNN) that the cascade follows: the "basal neuron" of H-MT (Zhang, Huang,
Bu, Huang, Yu, AAAI 2026, Eqs. 12-18: thresholds ``theta / 2^(i-1)``, residual
``m_(i+1) = m_i - lambda_i s_i``, output ``sum_i lambda_i s_i``) and Adaptive Fission (Jiang et
al., Def. 4.5: descending thresholds whose residual propagates to the lower ones; powers of two
give 2^k levels). H-MT (its Sections 2.1 and 3.1) also groups Wang & Zhang 2023 with designs
that split one threshold into n equal segments (n + 1 output values), which
``MTNeuron.parallel`` follows.

Choices, and why:

- Thresholds and amplitudes are ratios of ``v_threshold``, so V stays the one learnable
  threshold (as for the base neuron) and K = 1 with ratio 1 is the base neuron.
- Parallel: every threshold sees the same H (the plain reading of "parallel"); cascade: each
  sees the residual left by the previous one (the secondary sources' cascade).
- O = sum a_i s_i: a sum of binary spikes with fixed amplitudes, so the multiplication-free form
  holds exactly.
- Soft reset subtracts O (charge conservation: for IF from v0 = 0, sum X = V[T-1] + sum O);
  hard reset by ``f = min(O / a_min, 1)``: v_reset iff anything fired, and, being a function of
  O, differentiable through O like the binary neuron's ``S v_reset + (1 - S) H``, of which it is
  the K = 1 case.
- The surrogate: the base neuron's, at every threshold (the paper's is unknown); the cascade's
  gradient flows through the residuals (attached; detaching it is not offered).
- The initial membrane is the base neuron's (``v0`` default: its rest potential), not H-MT's
  ``lambda_min / 2``.
- A hard ``v_reset`` must lie below the lowest threshold (the base neuron requires ``v_reset <
  v_threshold`` for the same reason: a reset membrane must not fire again without input).
- Defaults ``thresholds=(0.5, 1.0)``, ``amplitudes=(0.5, 0.5)``, parallel: ``MTNeuron.parallel(
  neuron, levels=2)``, the smallest multi-threshold case; the paper's K and values are unknown.

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
