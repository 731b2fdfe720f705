"""Neurons built on a single-threshold neuron: its charge, threshold, reset and surrogate."""

from __future__ import annotations

from dataclasses import dataclass

from refsnn.neurons.base import Neuron
from refsnn.neurons.binary import BinaryNeuron
from refsnn.surrogates import Surrogate


@dataclass(frozen=True, kw_only=True)
class WrappedNeuron(Neuron):
    """A neuron whose spike kind is its own but whose everything else is ``neuron``'s.

    - ``neuron``: an IF, LIF or PLIF giving the charge (``tau``/``w``, ``decay_input``), the
      base threshold ``v_threshold``, the reset (``v_reset``, None = soft), ``compare``,
      ``surrogate`` and ``detach_reset``. Required.
    """

    neuron: BinaryNeuron

    def __post_init__(self) -> None:
        if not isinstance(self.neuron, BinaryNeuron):
            raise ValueError("neuron: expected an IF, LIF or PLIF (a refsnn BinaryNeuron), "
                             f"got {type(self.neuron).__name__}")

    @property
    def surrogate(self) -> Surrogate:
        return self.neuron.surrogate

    @property
    def detach_reset(self) -> bool:
        return self.neuron.detach_reset

    @property
    def rest_potential(self) -> float:
        return self.neuron.rest_potential

    def charge_params(self) -> tuple[float, float, bool]:
        return self.neuron.charge_params()

    def leak_rate_gradient(self, grad_k: float) -> dict[str, float]:
        return self.neuron.leak_rate_gradient(grad_k)
