"""The ternary spike of Guo et al. (AAAI 2024): fire, reset and their derivatives.

    fire:   S = Heaviside(H - v_th) - Heaviside(-H - v_th)   in {-1, 0, +1}
            O = a S                                          (a: the trainable amplitude)
    reset:  V = H - S v_th                                   (soft)
            V = |S| v_reset + (1 - |S|) H                    (hard)
    dO/dH = a g(H - v_th) + a g(-H - v_th)                   (surrogate at both thresholds)
          = a g(H)                                           (``centre_zero``: one window)
    dO/dv_th = a g(-H - v_th) - a g(H - v_th)                (0 with ``centre_zero``)

The reset uses ``S = O / a`` (exact: ``a S`` is ``+-a`` or 0), so the amplitude shapes only what
the next layer sees, never the dynamics. A spike kind: see refsnn/neurons/kinds/__init__.py.
"""

from __future__ import annotations

import numpy as np

from refsnn.literals import weak
from refsnn.neurons.kinds import params_type

PARAMS = ("v_threshold", "amplitude")

Params = params_type(__name__, "amplitude", "centre_zero")
"""``amplitude``: a, in the input dtype; ``centre_zero``: the surrogate is centred at 0."""


def fire(h, p):
    if p.fire_at_zero:
        return p.amplitude * (1.0 * (h - p.v_threshold >= 0) - 1.0 * (-h - p.v_threshold >= 0))
    return p.amplitude * (1.0 * (h - p.v_threshold > 0) - 1.0 * (-h - p.v_threshold > 0))


def fire_smooth(h, p, phi):
    if p.centre_zero:
        return p.amplitude * (phi(h) - 0.5)
    return p.amplitude * (phi(h - p.v_threshold) - phi(-h - p.v_threshold))


def fire_grad(h, o, p, g0):
    if p.centre_zero:
        return p.amplitude * p.scale * g0(h, p.alpha)
    return p.amplitude * p.scale * (g0(h - p.v_threshold, p.alpha)
                                    + g0(-h - p.v_threshold, p.alpha))


def reset(h, o, p):
    s = o / p.amplitude
    if p.soft:
        return h - s * p.v_threshold
    fired = np.abs(s)
    return fired * p.v_rest + (weak(1.0, fired) - fired) * h


def reset_grad(h, o, p):
    s = o / p.amplitude
    if p.soft:
        return weak(1.0, h), -p.v_threshold / p.amplitude
    return weak(1.0, s) - np.abs(s), np.sign(s) * (p.v_rest - h) / p.amplitude


def param_grads(h, o, dodh, g_o, g_out, g_v, p, g0):
    """dL/dv_th: raising v_th moves the +1 step up and the -1 step down,
    dO/dv_th = a (g(-H - v_th) - g(H - v_th)) (0 with ``centre_zero``: that window does not
    move), plus dV/dv_th = -S with a soft reset. dL/da = dL/dO S, from the upstream gradient
    only: the reset sees S, not a S."""
    s = o / p.amplitude
    if p.centre_zero:
        d_threshold = weak(0.0, g_o) * g_o
    else:
        d_threshold = g_o * p.amplitude * p.scale * (g0(-h - p.v_threshold, p.alpha)
                                                     - g0(h - p.v_threshold, p.alpha))
    if p.soft:
        d_threshold = d_threshold - g_v * s
    return d_threshold, g_out * s
