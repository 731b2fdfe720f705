"""Neuron models: one file per model, a shared base, the NumPy reference and Numba kernels."""

from refsnn.neurons.base import Gradients, Neuron, Trace
from refsnn.neurons.if_ import IF
from refsnn.neurons.lif import LIF
from refsnn.neurons.mtsnn import MTNeuron
from refsnn.neurons.multithreshold import MultiThreshold
from refsnn.neurons.plif import PLIF
from refsnn.neurons.single import SpikingNeuron
from refsnn.neurons.ternary import Ternary

NEURONS: dict[str, type[Neuron]] = {"IF": IF, "LIF": LIF, "PLIF": PLIF, "Ternary": Ternary,
                                   "MultiThreshold": MultiThreshold, "MTNeuron": MTNeuron}
"""Every neuron model by name."""

__all__ = ["IF", "LIF", "NEURONS", "MTNeuron", "MultiThreshold", "PLIF", "Gradients", "Neuron",
           "SpikingNeuron", "Ternary", "Trace"]
