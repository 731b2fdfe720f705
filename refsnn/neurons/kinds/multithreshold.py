"""The multi-level spike of a multi-threshold neuron: fire, reset and their derivatives.

With the threshold ``v_th``, ``D = levels`` and the thresholds ``v_th, 2 v_th, ..., D v_th``:

    fire:   O = sum_{i=1..D} Heaviside(H - i v_th)      in {0, 1, ..., D}
            (Heaviside(0) = 1 iff compare is ">="; i v_th is accumulated in the input dtype,
            v_(i+1) = v_i + v_th, which is the rounded i v_th for i <= 3 and exact whenever
            i v_th is representable)
    reset:  V = H - O v_th                               (soft)
            V = f v_reset + (1 - f) H,   f = min(O, 1)   (hard)
    dO/dH, by derivative (g = scale g0(u, alpha), the neuron's surrogate; m = (D+1) v_th/2):
        0 "sum":        sum_i g(H - i v_th)                 dO/dv_th = -sum_i i g(H - i v_th)
        1 "ramp":       (1/v_th) 1[1/2 <= H/v_th <= D+1/2]  dO/dv_th = -(H/v_th) dO/dH
        2 "stretched":  g((H - m) / D)                      dO/dv_th = -(D+1)/2 dO/dH
    smooth mode (phi: the surrogate's primitive), whose derivatives are exactly the above:
        "sum": sum_i phi(H - i v_th);  "ramp": clip(H/v_th - 1/2, 0, D);
        "stretched": D phi((H - m) / D)
    reset derivatives: soft dV/dH = 1, dV/dO = -v_th, dV/dv_th = -O;
                       hard dV/dH = 1 - f, dV/dO = (v_reset - H) 1[O <= 1]
    (d min(O, 1)/dO is taken as 1 at the kink O = 1, its left derivative: the binary neuron's
    dV/dS = v_reset - H at S = 1, so that D = 1 is the binary neuron in backward too).

So with ">=" ``O = clip(floor(H / v_th), 0, D)``, and with ">" ``O = clip(ceil(H / v_th) - 1, 0,
D)`` (exactly when every ``i v_th`` is representable, e.g. ``v_th = j/64``). The emitted value
is the level ``O``, not ``O v_th`` (the next layer's weights absorb ``v_th``). A soft reset
removes ``O v_th``, at most ``D v_th`` per step (above that the membrane keeps the excess); a
hard reset sets ``v_reset`` whatever the level. "ramp" is the straight-through derivative of the
line through the midpoints of the staircase's risers; it is parameter-free (the surrogate's
alpha and scale are unused). "stretched" is one surrogate kernel stretched over the whole
staircase and centred on its middle.

With D = 1 the neuron is its base neuron bit for bit, forward and (for "sum" and "stretched")
backward, in both backends, and in the smooth mode with a soft reset (with a hard one ``min(O,
1)`` clips a smooth spike above 1, which the binary neuron's ``O v_reset + (1 - O) H`` does
not): "sum" and "stretched" are then the binary kind (refsnn/neurons/kinds/binary.py) operation
for operation. For that, and for NumPy and Numba to round alike, every constant is a float of
the input dtype: ``m`` and ``D`` are the ``Params`` fields ``mid`` and ``span``, and the integer
weights (i, (D+1)/2) are built from ``one = v_th / v_th`` (exactly 1), since Numba promotes an
int or a float literal times float32 to float64 while NumPy keeps float32.

Caution: with an attached soft reset the gradient carried from ``V[t]`` to ``V[t-1]`` is
multiplied by ``(1 - k)(1 - v_th dO/dH)`` each step; where ``v_th dO/dH > 2`` ("sum" with a wide
surrogate and several levels, e.g. straight-through with D = 3) it grows geometrically with T.
``detach_reset=True`` (or a narrower surrogate) avoids it.

Source: C. Xu, Y. Liu, Y. Yang, "Direct Training via Backpropagation for Ultra-low Latency SNNs
with Multi-threshold", arXiv 2112.07426 (2021); journal version with D. Chen, Symmetry
14(9):1933 (2022), doi:10.3390/sym14091933. Only the abstract (arxiv.org/abs/2112.07426) was
available to us. What is sourced: a "multi-threshold LIF" model that increases the information
carried by each spike, "three approximated derivatives" for the spike activity, and training at
1-2 time steps. Everything else is refsnn's choice, not the paper's: the thresholds at multiples
of ``v_th``, the integer output, both resets (the natural generalisations of SpikingJelly's; for
D = 1 they are the binary neuron's), the charge (any IF/LIF/PLIF; the paper's leak form is
unknown), ``levels=2`` by default (the smallest that is multi-threshold; the paper's D is
unknown), and the three derivatives, which are the three natural families for a staircase (a
surrogate per step, one straight-through line, one stretched kernel), not the paper's three,
whose formulas we could not read.

Related: SpikingJelly 2.0.0 ``ILIFNode`` (activation_based/neuron/ilif.py) emits
``round(clip(H/v_th, 0, D))``, i.e. its thresholds sit at ``(i - 1/2) v_th``, not ``i v_th``,
with the soft reset ``V = H - C v_th`` and a straight-through estimator on ``[0, D]``
(``surrogate.MultiLevelSpikeCount``); "ramp" is that estimator moved to this staircase, whose
risers are half a threshold to the right.

A spike kind: see refsnn/neurons/kinds/__init__.py for the contract.
"""

from __future__ import annotations

import numpy as np

from refsnn.literals import weak
from refsnn.neurons.kinds import params_type

PARAMS = ("v_threshold", "")

DERIVATIVES = ("sum", "ramp", "stretched")
"""The surrogate families of dO/dH; ``Params.derivative`` is the index into this tuple."""


Params = params_type(__name__, "levels", "derivative", "mid", "span")
"""``levels``: D >= 1 (int); ``derivative``: the index into DERIVATIVES; ``mid``:
m = (D + 1) v_th / 2, the middle of the staircase, and ``span``: D, both in the input dtype."""


def fire(h, p):
    th = p.v_threshold
    o = 1.0 * (h - th >= 0) if p.fire_at_zero else 1.0 * (h - th > 0)
    for _ in range(1, p.levels):
        th = th + p.v_threshold
        o = o + (1.0 * (h - th >= 0) if p.fire_at_zero else 1.0 * (h - th > 0))
    return o


def fire_smooth(h, p, phi):
    if p.derivative == 1:  # ramp
        return np.minimum(np.maximum(h / p.v_threshold - 0.5, 0.0), p.span)
    if p.derivative == 2:  # stretched
        return p.span * phi((h - p.mid) / p.span)
    th = p.v_threshold  # sum
    o = phi(h - th)
    for _ in range(1, p.levels):
        th = th + p.v_threshold
        o = o + phi(h - th)
    return o


def fire_grad(h, o, p, g0):
    if p.derivative == 1:  # ramp: the line through the risers' midpoints, parameter-free
        q = h / p.v_threshold
        return (weak(1.0, h) / p.v_threshold) * (q >= 0.5) * (q <= p.levels + 0.5)
    if p.derivative == 2:  # stretched
        return p.scale * g0((h - p.mid) / p.span, p.alpha)
    th = p.v_threshold  # sum
    d = p.scale * g0(h - th, p.alpha)
    for _ in range(1, p.levels):
        th = th + p.v_threshold
        d = d + p.scale * g0(h - th, p.alpha)
    return d


def reset(h, o, p):
    if p.soft:
        return h - o * p.v_threshold
    f = np.minimum(o, weak(1.0, o))
    return f * p.v_rest + (weak(1.0, o) - f) * h


def reset_grad(h, o, p):
    if p.soft:
        return weak(1.0, h), -p.v_threshold
    return weak(1.0, o) - np.minimum(o, weak(1.0, o)), (p.v_rest - h) * (o <= 1.0)


def param_grads(h, o, dodh, g_o, g_out, g_v, p, g0):
    """dL/dv_th = dL/dO dO/dv_th (every threshold i v_th moves i times as fast as v_th; the
    ramp's and the stretched kernel's dependence on v_th is their argument's), plus, with a
    soft reset, dL/dV dV/dv_th = -dL/dV O."""
    one = weak(1.0, p.v_threshold)
    if p.derivative == 1:  # ramp: O = clip(H/v_th - 1/2, 0, D)
        dodth = -(h / p.v_threshold) * dodh
    elif p.derivative == 2:  # stretched: argument (H - (D+1) v_th/2) / D
        dodth = -((p.span + one) / (one + one)) * dodh
    else:  # sum: -sum_i i g(H - i v_th)
        th, i = p.v_threshold, one
        s = p.scale * g0(h - th, p.alpha)
        for _ in range(1, p.levels):
            th, i = th + p.v_threshold, i + one
            s = s + i * (p.scale * g0(h - th, p.alpha))
        dodth = -s
    if p.soft:
        return g_o * dodth - g_v * o, 0.0
    return g_o * dodth, 0.0
