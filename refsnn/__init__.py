"""refsnn: a NumPy reference simulator and specification suite for multi-bit spiking neurons."""

from refsnn import surrogates
from refsnn.neurons import (
    IF,
    LIF,
    NEURONS,
    PLIF,
    BinaryNeuron,
    Gradients,
    MTNeuron,
    MultiThreshold,
    Neuron,
    Ternary,
    Trace,
    WrappedNeuron,
)

__version__ = "0.1.0"

__all__ = ["IF", "LIF", "NEURONS", "PLIF", "Gradients", "MTNeuron", "MultiThreshold", "Neuron",
           "BinaryNeuron", "Ternary", "Trace", "WrappedNeuron", "surrogates", "__version__"]
