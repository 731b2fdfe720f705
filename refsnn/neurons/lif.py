"""LIF: the leaky integrate-and-fire neuron with a fixed time constant."""

from __future__ import annotations

from dataclasses import dataclass

from refsnn import validation
from refsnn.neurons.binary import BinaryNeuron


@dataclass(frozen=True, kw_only=True)
class LIF(BinaryNeuron):
    """Leaky integrate-and-fire with membrane time constant ``tau`` (in steps).

    Charge, with ``k = 1/tau`` and ``v_rest = v_reset`` (0 with a soft reset):

        decay_input=True:   H[t] = V[t-1] + (X[t] - (V[t-1] - v_rest)) k
        decay_input=False:  H[t] = V[t-1] - (V[t-1] - v_rest) k + X[t]

    then fire and reset as in ``BinaryNeuron``. Source: SpikingJelly 2.0.0 ``LIFNode``
    (activation_based/neuron/lif.py; charge in _ops/lif/reference.py). SpikingJelly divides by
    ``tau``; refsnn multiplies by ``k = 1/tau`` (rounded once to the input dtype), so the two
    can differ in the last bit. The second form is snnTorch's ``Leaky`` with ``beta = 1 - k``
    (and ``v_rest = 0``).

    tau: >= 1 (so that the decay factor ``1 - k`` lies in [0, 1]); ``+inf`` gives ``k = 0`` and
        reproduces IF bit for bit. Default 2.0 (SpikingJelly).
    decay_input: default True (SpikingJelly).
    Backward returns ``params = {"tau": dL/dtau}`` (``dk/dtau = -1/tau^2``).
    """

    tau: float = 2.0
    decay_input: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("tau", validation.real_scalar("tau", self.tau, minimum=1.0, allow_inf=True))
        self._set("decay_input", validation.flag("decay_input", self.decay_input))

    def leak_rate(self) -> float:
        return 1.0 / self.tau

    def leak_rate_gradient(self, grad_k: float) -> dict[str, float]:
        return {"tau": -grad_k / (self.tau * self.tau)}
