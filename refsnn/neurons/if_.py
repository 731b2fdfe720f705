"""IF: the non-leaky integrate-and-fire neuron."""

from __future__ import annotations

from dataclasses import dataclass

from refsnn.neurons.binary import BinaryNeuron


@dataclass(frozen=True, kw_only=True)
class IF(BinaryNeuron):
    """Integrate-and-fire: ``H[t] = V[t-1] + X[t]``, then fire and reset (see ``BinaryNeuron``).

    Source: SpikingJelly 2.0.0 ``IFNode`` (activation_based/neuron/integrate_and_fire.py; charge
    in _ops/if_/reference.py). It is the LIF charge ``H = V - (V - v_rest) k + X`` with ``k = 0``
    and is computed as exactly that, which is bit-identical to ``V + X``.
    Parameters and defaults: those of ``BinaryNeuron`` only.
    """

    def leak_rate(self) -> float:
        return 0.0

    @property
    def decay_input(self) -> bool:
        return False

    def leak_rate_gradient(self, grad_k: float) -> dict[str, float]:
        return {}
