"""PLIF: the parametric LIF neuron, whose time constant is learned through ``w``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from refsnn import validation
from refsnn.neurons.binary import BinaryNeuron


@dataclass(frozen=True, kw_only=True)
class PLIF(BinaryNeuron):
    """Parametric LIF: the charge of refsnn.neurons.dynamics with ``k = 1/tau = sigmoid(w)``,
    ``w`` learnable, and the binary spike. Parameters, besides ``BinaryNeuron``'s:

    - ``w``: any finite real. Default 0.0, i.e. ``tau = 2`` (SpikingJelly's ``init_tau=2.0``);
      use ``PLIF.from_tau`` to start from a time constant.
    - ``decay_input``: which charge form. Default True (SpikingJelly).

    Backward returns ``params = {"w": dL/dw}`` (``dk/dw = k (1 - k)``).
    """

    w: float = 0.0
    decay_input: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("w", validation.real_scalar("w", self.w))
        self._set("decay_input", validation.flag("decay_input", self.decay_input))

    @classmethod
    def from_tau(cls, tau: float, **params) -> PLIF:
        """The PLIF whose initial time constant is ``tau > 1``: ``w = -ln(tau - 1)``."""
        tau = validation.real_scalar("tau", tau, minimum=1.0, inclusive=False)
        return cls(w=-math.log(tau - 1.0), **params)

    def leak_rate(self) -> float:
        e = math.exp(-abs(self.w))  # the logistic function, without overflow for large |w|
        return 1.0 / (1.0 + e) if self.w >= 0 else e / (1.0 + e)

    def leak_rate_gradient(self, grad_k: float) -> dict[str, float]:
        k = self.leak_rate()
        return {"w": grad_k * k * (1.0 - k)}
