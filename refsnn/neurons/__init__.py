"""Neuron models: one file per model, a shared base, the NumPy reference and Numba kernels.

Every model has one stem in every layer: the model class ``refsnn/neurons/<stem>.py``, its spike
kind ``refsnn/neurons/kinds/<kind>.py`` (IF, LIF and PLIF share the ``binary`` kind of
:class:`BinaryNeuron`; Ternary, MultiThreshold and MTNeuron wrap one of them,
:class:`WrappedNeuron`, and fire by their own kind of the same stem), and its tests.

Each equation is written once. The charge is in :mod:`refsnn.neurons.dynamics`; a model's fire,
reset and their derivatives, with its sources and the choices made where they are silent, are
in its kind's module docstring; the model class states only its parameters, their defaults and
valid values, and points to its kind. The reference code is the specification: docs/models.md
is generated from these docstrings (``python tools/model_docs.py``), and where any text
disagrees with the code, the text is wrong.
"""

from refsnn.neurons.base import Gradients, Neuron, Trace
from refsnn.neurons.binary import BinaryNeuron
from refsnn.neurons.if_ import IF
from refsnn.neurons.lif import LIF
from refsnn.neurons.mtsnn import MTNeuron
from refsnn.neurons.multithreshold import MultiThreshold
from refsnn.neurons.plif import PLIF
from refsnn.neurons.ternary import Ternary
from refsnn.neurons.wrapped import WrappedNeuron
from refsnn.surrogates import Surrogate

NEURONS: dict[str, type[Neuron]] = {"IF": IF, "LIF": LIF, "PLIF": PLIF, "Ternary": Ternary,
                                   "MultiThreshold": MultiThreshold, "MTNeuron": MTNeuron}
"""Every neuron model by name."""


def with_defaults(model: type[Neuron], surrogate: Surrogate | None = None) -> Neuron:
    """``model`` with its defaults; a :class:`WrappedNeuron` wraps a default LIF. ``surrogate``
    (None: the default) replaces the surrogate of the neuron that holds it."""
    given = {} if surrogate is None else {"surrogate": surrogate}
    if issubclass(model, WrappedNeuron):
        return model(neuron=LIF(**given))
    return model(**given)


__all__ = ["IF", "LIF", "NEURONS", "BinaryNeuron", "Gradients", "MTNeuron", "MultiThreshold",
           "Neuron", "PLIF", "Ternary", "Trace", "WrappedNeuron", "with_defaults"]
