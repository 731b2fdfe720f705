"""LIF: the leaky integrate-and-fire neuron with a fixed time constant."""

from __future__ import annotations

from dataclasses import dataclass

from refsnn import validation
from refsnn.neurons.binary import BinaryNeuron


@dataclass(frozen=True, kw_only=True)
class LIF(BinaryNeuron):
    """Leaky integrate-and-fire: the charge of refsnn.neurons.dynamics with ``k = 1/tau`` and
    the binary spike. Parameters, besides ``BinaryNeuron``'s:

    - ``tau``: the membrane time constant in steps, >= 1 (so that the decay factor ``1 - k``
      lies in [0, 1]); ``+inf`` gives ``k = 0``, which with ``decay_input=False`` reproduces
      IF bit for bit (with ``decay_input=True`` it gives ``H = V``: the input is ignored).
      Default 2.0 (SpikingJelly).
    - ``decay_input``: which charge form. Default True (SpikingJelly).

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
