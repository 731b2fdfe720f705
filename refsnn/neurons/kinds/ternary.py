"""The ternary spike of Guo et al. (AAAI 2024): fire, reset and their derivatives.

With ``v_th = v_threshold``, the amplitude ``a`` and ``g(u) = scale g0(u, alpha)``:

    fire:   S = Heaviside(H - v_th) - Heaviside(-H - v_th)   in {-1, 0, +1}
            O = a S                                          (the emitted spike)
    reset:  V = H - S v_th                                   (soft)
            V = |S| v_reset + (1 - |S|) H                    (hard)
    dO/dH = a g(H - v_th) + a g(-H - v_th)     (centre_zero False: the surrogate at both
                                                thresholds)
          = a g(H)                             (centre_zero: one window over the whole step)
    dO/dv_th = a g(-H - v_th) - a g(H - v_th)  (0 with centre_zero);  dL/da = dL/dO S
    reset:  soft dV/dH = 1, dV/dO = -v_th / a;  hard dV/dH = 1 - |S|,
            dV/dO = sign(S) (v_reset - H) / a  (through |S|, d|S|/dS = sign(S))

Heaviside(0) is 1 iff compare is ">=" (at both thresholds). The reset uses ``S = O / a``
(exact: ``a S`` is ``+-a`` or 0), so the amplitude shapes only what the next layer sees, never
the dynamics; ``dL/da`` takes the upstream gradient only, as the reset sees S, not a S.

Sources: Guo et al., "Ternary Spike: Learning Ternary Spikes for Spiking Neural Networks", AAAI
2024 (arXiv 2312.06372): Eqs. (9)-(10) and the trainable amplitude of Eqs. (15)-(16), as cited
by SpikingJelly 2.0.0's activation_based/neuron/ternary.py (``TernaryIFNode``,
``TernaryLIFNode``), whose forward pass this is; the equation text itself was not available to
us. The authors' code: github.com/yfguo91/Ternary-Spike @ 2aca587, models/spike_layer.py
(``mem_update``, ``LIFAct``, ``spike_activation``). Where these differ, refsnn makes each
point a parameter:

- charge: the authors' ``u = 0.25 u + x``; SpikingJelly's IF or LIF charge; refsnn any base
  neuron (``Ternary.official()``: LIF with ``tau = 4/3``, ``decay_input=False``, computed as
  ``u - 0.75 u + x``, which can differ from ``0.25 u + x`` in the last bit).
- thresholds: the authors' ``mem / V_th`` cut at +-0.5 with ``V_th = 1``, inclusive;
  SpikingJelly's +-``v_threshold``, inclusive; refsnn +-``v_threshold`` with ``compare``.
- surrogate (``surrogate_centre``): the authors' straight-through estimator on
  ``clamp(mem / V_th, -1, 1)``, derivative 1 on ``|u| <= 1`` (``"zero"``); SpikingJelly's node
  surrogate at each threshold (``"thresholds"``).
- hard reset: the authors' ``mem * (1 - |spike|)``, gradient through ``|S|`` (refsnn's);
  SpikingJelly's mask ``R = P + N``, gradient through ``P + N``. The forward passes coincide;
  BPTT agrees with SpikingJelly for soft resets and detached hard resets, and differs for an
  attached hard reset by the reset mask's derivative (``sign(S) (g(H - v_th) + g(-H - v_th))``
  against ``g(H - v_th) - g(-H - v_th)``), as spec_tests/test_ternary.py asserts.
- amplitude: the authors' ``fire_ratio`` is released as 1, its per-layer ``nn.Parameter(1.)``
  commented out (spike_layer.py line 86); SpikingJelly has none; refsnn one scalar per layer
  (the paper's "a in R^(1x1x1)"), initialised to 1.0.
- re-parameterization (the amplitude folded into the next layer's weights): not in the
  authors' repository; refsnn's ``Ternary.reparameterize``.

A spike kind: see refsnn/neurons/kinds/__init__.py for the contract.
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
