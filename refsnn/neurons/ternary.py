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
    """Spikes in {-1, 0, +1} times a trainable per-layer amplitude ``a``: the charge of
    ``neuron`` and the ternary spike (refsnn.neurons.kinds.ternary: equations, sources,
    choices). Parameters, besides ``neuron`` (``WrappedNeuron``):

    - ``amplitude``: ``a`` > 0, one scalar per layer. Default 1.0 (the authors' released value).
    - ``surrogate_centre``: ``"thresholds"`` (default, SpikingJelly) or ``"zero"`` (the
      authors' code).
    - ``neuron``: its ``v_reset`` must lie strictly between ``-v_threshold`` and
      ``v_threshold``.

    Backward returns ``params["v_threshold"]``, ``params["amplitude"]`` and the charge's
    (``tau`` or ``w``).
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
        """The authors' neuron (spike_layer.py @ 2aca587): ``u = 0.25 u + x``, i.e. LIF with
        ``decay_input=False`` and ``1 - 1/tau = 0.25``; thresholds +-0.5 (inclusive); hard
        reset to 0 (gradient attached); and their STE, derivative 1 on ``|u| <= 1``: the
        canonical rectangular surrogate with alpha 0.5, scale 2 (which excludes ``|u| = 1``
        itself), centred at zero."""
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
