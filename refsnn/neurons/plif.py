"""PLIF: the parametric LIF neuron, whose time constant is learned through ``w``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from refsnn import validation
from refsnn.neurons.binary import BinaryNeuron


@dataclass(frozen=True, kw_only=True)
class PLIF(BinaryNeuron):
    """Parametric LIF: the LIF charge with ``k = 1/tau = sigmoid(w)`` and ``w`` learnable.

        decay_input=True:   H[t] = V[t-1] + (X[t] - (V[t-1] - v_rest)) sigmoid(w)
        decay_input=False:  H[t] = V[t-1] - (V[t-1] - v_rest) sigmoid(w) + X[t]

    then fire and reset as in ``BinaryNeuron``. Sources: Fang et al., "Incorporating Learnable
    Membrane Time Constant to Enhance Learning of Spiking Neural Networks", ICCV 2021 (one ``w``
    per layer); SpikingJelly 2.0.0 ``ParametricLIFNode`` (activation_based/neuron/plif.py, charge
    in _ops/plif/reference.py), which initialises ``w = -ln(init_tau - 1)``.

    w: any finite real. Default 0.0, i.e. ``tau = 2`` (SpikingJelly's ``init_tau=2.0``); use
        ``PLIF.from_tau`` to start from a time constant.
    decay_input: default True (SpikingJelly).
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
