"""Ternary spike neuron with a trainable amplitude (Guo et al., AAAI 2024) and its folding."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from refsnn import validation
from refsnn.neurons.kinds import ternary
from refsnn.neurons.lif import LIF
from refsnn.neurons.wrapped import WrappedNeuron
from refsnn.surrogates import Rectangular


@dataclass(frozen=True, kw_only=True)
class Ternary(WrappedNeuron):
    """Spikes in {-1, 0, +1} times a trainable per-layer amplitude ``a``.

    Per step, with the charge of ``neuron`` (IF, LIF or PLIF) and ``v_th = neuron.v_threshold``:

        H[t] = charge(V[t-1], X[t])
        S[t] = Heaviside(H[t] - v_th) - Heaviside(-H[t] - v_th)     (compare: >= or >, both)
        O[t] = a S[t]                                               (the emitted spike)
        V[t] = |S| v_reset + (1 - |S|) H    (hard)   or   H - S v_th   (soft, v_reset=None)

    BPTT: ``dO/dH = a (g(H - v_th) + g(-H - v_th))``, the surrogate at each threshold
    (SpikingJelly 2.0.0 ``TernaryIFNode``/``TernaryLIFNode``, activation_based/neuron/
    ternary.py), or with ``surrogate_centre="zero"`` one window ``a g(H)`` over the whole step
    (the authors' code: a straight-through estimator on ``clamp(mem / V_th, -1, 1)``,
    github.com/yfguo91/Ternary-Spike models/spike_layer.py, ``spike_activation``). The hard reset
    is differentiable through ``|S|`` (``d|S|/dS = sign(S)``) unless ``detach_reset``. Backward
    returns ``params["v_threshold"]`` and ``params["amplitude"] = sum dL/dO S``.

    Sources: Guo et al., "Ternary Spike: Learning Ternary Spikes for Spiking Neural Networks",
    AAAI 2024 (arXiv 2312.06372), Eqs. (9)-(10) and the trainable amplitude of Eqs. (15)-(16)
    as cited by SpikingJelly's ternary module; the equation text itself was not reachable here.
    The authors' released neuron (spike_layer.py ``mem_update``/``LIFAct``) charges
    ``u = 0.25 u + x``, fires at ``|u| >= 0.5`` (``V_th = 1`` with a 0.5 cut), resets hard to 0
    and multiplies by the amplitude *after* the reset: :meth:`official` builds that neuron.
    Where the sources are silent: the amplitude is one scalar per layer (the paper's "a in
    R^(1x1x1)"; the code's per-channel variant is commented out), initialised to 1.0.

    amplitude: > 0. Default 1.0.
    surrogate_centre: ``"thresholds"`` (default, SpikingJelly) or ``"zero"`` (authors' code).
    neuron: its ``v_reset`` must lie strictly between ``-v_th`` and ``v_th``.
    """

    amplitude: float = 1.0
    surrogate_centre: str = "thresholds"

    kind = ternary

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("amplitude", validation.real_scalar("amplitude", self.amplitude,
                                                      minimum=0.0, inclusive=False))
        validation.choice("surrogate_centre", self.surrogate_centre, ("thresholds", "zero"))
        v_reset, v_threshold = self.neuron.v_reset, self.neuron.v_threshold
        if v_reset is not None and not -v_threshold < v_reset < v_threshold:
            raise ValueError(f"neuron.v_reset: expected a value strictly between "
                             f"-v_threshold and v_threshold = {v_threshold}, got {v_reset}")

    @classmethod
    def official(cls, amplitude: float = 1.0) -> Ternary:
        """The authors' neuron (spike_layer.py @ 2aca587): ``u = 0.25 u + x``, thresholds
        +-0.5 (inclusive), hard reset to 0 (gradient attached), STE window ``|u| <= 1``.

        ``0.25 u + x`` is LIF with ``decay_input=False`` and ``1 - 1/tau = 0.25``; refsnn
        computes it as ``u - u * 0.75 + x``, which can differ from ``0.25 u + x`` in the last
        bit. The STE ``clamp(u, -1, 1)`` has derivative 1 on ``|u| <= 1``: the canonical
        rectangular surrogate with alpha 0.5, scale 2 (which excludes ``|u| = 1`` itself).
        """
        neuron = LIF(tau=4.0 / 3.0, decay_input=False, v_threshold=0.5, v_reset=0.0,
                     surrogate=Rectangular(alpha=0.5, scale=2.0))
        return cls(neuron=neuron, amplitude=amplitude, surrogate_centre="zero")

    def kind_params(self, dtype: np.dtype) -> ternary.Params:
        return ternary.Params(**self.neuron.spike_fields(dtype),
                              amplitude=np.dtype(dtype).type(self.amplitude),
                              centre_zero=self.surrogate_centre == "zero")

    def reparameterize(self, next_weight: np.ndarray) -> tuple[Ternary, np.ndarray]:
        """Fold the amplitude into the next layer for inference (the paper's re-parameterization).

        A linear consumer computes ``W (a S) = (a W) S``, so the neuron can emit plain
        ``S in {-1, 0, 1}`` (``amplitude=1``; the dynamics do not depend on ``a``) while the
        weight becomes ``a W`` (every entry: ``a`` is one scalar per layer; a bias is
        unchanged). Returns ``(neuron with amplitude 1, a * next_weight)``.
        """
        if not isinstance(next_weight, np.ndarray) or next_weight.dtype.kind != "f":
            raise ValueError("next_weight: expected a float numpy.ndarray, got "
                             f"{type(next_weight).__name__}")
        folded = np.asarray(next_weight.dtype.type(self.amplitude) * next_weight)
        return dataclasses.replace(self, amplitude=1.0), folded
