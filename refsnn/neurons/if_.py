"""IF: the non-leaky integrate-and-fire neuron."""

from __future__ import annotations

from dataclasses import dataclass

from refsnn.neurons.binary import BinaryNeuron


@dataclass(frozen=True, kw_only=True)
class IF(BinaryNeuron):
    """Integrate-and-fire: the charge of refsnn.neurons.dynamics with ``k = 0`` (no leak) and
    the binary spike. Parameters: those of ``BinaryNeuron`` only."""

    def leak_rate(self) -> float:
        return 0.0

    @property
    def decay_input(self) -> bool:
        return False

    def leak_rate_gradient(self, grad_k: float) -> dict[str, float]:
        return {}
