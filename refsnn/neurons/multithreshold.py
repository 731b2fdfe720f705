"""Multi-threshold LIF (Xu, Liu & Yang, arXiv 2112.07426): spikes carrying a level 0..D."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from refsnn import validation
from refsnn.neurons.kinds import multithreshold
from refsnn.neurons.wrapped import WrappedNeuron


@dataclass(frozen=True, kw_only=True)
class MultiThreshold(WrappedNeuron):
    """A neuron with the ``D = levels`` thresholds ``v_th, 2 v_th, ..., D v_th`` whose spike is
    the number of them the membrane reached, an integer level in {0, 1, ..., D}.

    Per step, with the charge of ``neuron`` (IF, LIF or PLIF) and ``v_th = neuron.v_threshold``:

        H[t] = charge(V[t-1], X[t])                                 (V[-1] = v0)
        O[t] = sum_{i=1..D} Heaviside(H[t] - i v_th)                (the emitted spike)
        V[t] = H[t] - v_th O[t]                                     (soft: v_reset=None)
        V[t] = f v_reset + (1 - f) H[t],   f = min(O[t], 1)         (hard)

    in that order. ``Heaviside(0)`` is 1 iff ``neuron.compare`` is ``">="``, so with ``">="``
    ``O = clip(floor(H / v_th), 0, D)`` and with ``">"`` ``O = clip(ceil(H / v_th) - 1, 0, D)``
    (exactly when every ``i v_th`` is representable, e.g. ``v_th = j/64``). The thresholds are
    accumulated in the input dtype (``v_(i+1) = v_i + v_th``): the rounded ``i v_th`` for
    ``i <= 3``, and exact whenever ``i v_th`` is representable. The emitted value
    is the level ``O``, not ``O v_th`` (the next layer's weights absorb ``v_th``). A soft reset
    removes ``O v_th``, at most ``D v_th`` per step (above that the membrane keeps the excess);
    a hard reset sets ``v_reset`` whatever the level. With ``levels=1`` this is ``neuron``
    itself, bit for bit, forward and (for ``derivative`` "sum" or "stretched") backward, in both
    backends (and in the smooth mode with a soft reset; with a hard one ``min(O, 1)`` clips a
    smooth spike above 1, which the binary neuron's ``O v_reset + (1 - O) H`` does not).

    BPTT is the generic one of refsnn.neurons.reference with these derivatives, ``g(u) =
    neuron.surrogate(u)`` (``scale g0(u, alpha)``) and ``m = (D + 1) v_th / 2``:

    ``derivative="sum"`` (default): ``dO/dH = sum_i g(H - i v_th)``, the neuron's surrogate at
        every threshold; ``dO/dv_th = -sum_i i g(H - i v_th)``. Smooth mode: ``sum_i phi(H -
        i v_th)``.
    ``derivative="ramp"``: ``dO/dH = (1/v_th) 1[1/2 <= H/v_th <= D + 1/2]``, the straight-through
        derivative of the line ``clip(H/v_th - 1/2, 0, D)`` through the midpoints of the
        staircase's risers; parameter-free (the surrogate's alpha and scale are unused);
        ``dO/dv_th = -(H/v_th) dO/dH``. Smooth mode: that line.
    ``derivative="stretched"``: ``dO/dH = g((H - m) / D)``, one surrogate kernel stretched over
        the whole staircase and centred on its middle; ``dO/dv_th = -(D+1)/2 dO/dH``. Smooth
        mode: ``D phi((H - m) / D)``.

    Reset derivatives: soft ``dV/dH = 1``, ``dV/dO = -v_th``, ``dV/dv_th = -O``; hard
    ``dV/dH = 1 - f``, ``dV/dO = (v_reset - H) 1[O <= 1]`` (``min(O, 1)`` is differentiated
    with slope 1 at its kink ``O = 1``, as the binary neuron's ``dV/dS = v_reset - H`` at
    ``S = 1``), through ``O`` unless ``neuron.detach_reset``. The smooth test mode
    (``forward(..., smooth=True)``) runs the smooth ``O`` above, whose exact derivatives these
    are. Backward returns ``params["v_threshold"]`` and the charge's (``tau`` or ``w``).

    Caution: with an attached soft reset the gradient carried from ``V[t]`` to ``V[t-1]`` is
    multiplied by ``(1 - k)(1 - v_th dO/dH)`` each step; where ``v_th dO/dH > 2`` ("sum" with a
    wide surrogate and several levels, e.g. straight-through with D = 3) it grows geometrically
    with T. ``detach_reset=True`` (or a narrower surrogate) avoids it.

    Source: C. Xu, Y. Liu, Y. Yang, "Direct Training via Backpropagation for Ultra-low Latency
    SNNs with Multi-threshold", arXiv 2112.07426 (2021); journal version with D. Chen, Symmetry
    14(9):1933 (2022), doi:10.3390/sym14091933. Only the abstract was reachable
    (arxiv.org/abs/2112.07426). What is sourced: a "multi-threshold LIF" model that
    increases the information carried by each spike, "three approximated derivatives" for the
    spike activity, and training at 1-2 time steps. Everything else is refsnn's choice, not
    the paper's: the thresholds at multiples of ``v_th``, the integer output, both resets (the
    natural generalisations of SpikingJelly's; for D = 1 they are the binary neuron's), the
    charge (any refsnn IF/LIF/PLIF; the paper's leak form is unknown), and the three
    derivatives, which are the three natural families for a staircase (a surrogate per step,
    one straight-through line, one stretched kernel), not the paper's three, whose formulas
    could not be read.

    Related: SpikingJelly 2.0.0 ``ILIFNode`` (neuron/ilif.py) emits ``round(clip(H/v_th, 0,
    D))``, i.e. its thresholds sit at ``(i - 1/2) v_th``, not ``i v_th``, with the soft reset
    ``V = H - C v_th`` and a straight-through estimator on ``[0, D]``
    (``surrogate.MultiLevelSpikeCount``); "ramp" is that estimator moved to this staircase,
    whose risers are half a threshold to the right.

    neuron: an IF, LIF or PLIF (see WrappedNeuron): charge, ``v_threshold``, ``v_reset``,
        ``compare``, ``surrogate``, ``detach_reset``.
    levels: the number of thresholds D, an integer >= 1. Default 2: the paper's value is not
        known; 2 is the smallest that is multi-threshold (1 is ``neuron`` itself).
    derivative: ``"sum"`` (default: the neuron's own surrogate at every threshold, hence exactly
        the base neuron at D = 1), ``"ramp"`` or ``"stretched"``.
    """

    levels: int = 2
    derivative: str = "sum"

    kind = multithreshold

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("levels", validation.integer("levels", self.levels, minimum=1))
        validation.choice("derivative", self.derivative, multithreshold.DERIVATIVES)

    def kind_params(self, dtype: np.dtype) -> multithreshold.Params:
        cast, d = np.dtype(dtype).type, self.levels
        return multithreshold.Params(**self.neuron.spike_fields(dtype), levels=d,
                                 derivative=multithreshold.DERIVATIVES.index(self.derivative),
                                 mid=cast((d + 1) * self.neuron.v_threshold / 2), span=cast(d))

