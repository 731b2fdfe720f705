"""The single-threshold binary spike of IF / LIF / PLIF: fire, reset and their derivatives.

With ``v_th = v_threshold`` and ``g(u) = scale g0(u, alpha)``, the surrogate:

    fire:   S = Heaviside(H - v_th)               (Heaviside(0) = 1 iff compare is ">=")
    reset:  V = H - S v_th                        (soft: v_reset is None)
            V = S v_reset + (1 - S) H             (hard)
    dS/dH = g(H - v_th),  dS/dv_th = -g(H - v_th)
    reset:  soft dV/dH = 1, dV/dS = -v_th, dV/dv_th = -S;  hard dV/dH = 1 - S,
            dV/dS = v_reset - H  (S is a constant in the reset with detach_reset)

Source: SpikingJelly 2.0.0, activation_based/neuron/base_node.py (``BaseNode``:
``neuronal_fire``, ``neuronal_reset``; the hard reset's form from _ops/reset.py). A spike
kind: see refsnn/neurons/kinds/__init__.py for the contract.
"""

from __future__ import annotations

from refsnn.literals import weak
from refsnn.neurons.kinds import params_type

PARAMS = ("v_threshold", "")  # names of the (at most two) learnable parameters; "" = none

Params = params_type(__name__)


def fire(h, p):
    u = h - p.v_threshold
    return 1.0 * (u >= 0) if p.fire_at_zero else 1.0 * (u > 0)


def fire_smooth(h, p, phi):
    return phi(h - p.v_threshold)


def fire_grad(h, o, p, g0):
    return p.scale * g0(h - p.v_threshold, p.alpha)


def reset(h, o, p):
    if p.soft:
        return h - o * p.v_threshold
    return o * p.v_rest + (weak(1.0, o) - o) * h


def reset_grad(h, o, p):
    if p.soft:
        return weak(1.0, h), -p.v_threshold
    return weak(1.0, o) - o, p.v_rest - h


def param_grads(h, o, dodh, g_o, g_out, g_v, p, g0):
    """dL/dv_th: the step moves with the threshold (dO/dv_th = -dO/dH), and so, with a soft
    reset, does the subtraction (dV/dv_th = -O)."""
    if p.soft:
        return -g_o * dodh - g_v * o, 0.0
    return -g_o * dodh, 0.0
