"""An example refsnn target, as an implementer outside refsnn writes one for their kernel.

"The kernel" here is refsnn's own NumPy reference, called through refsnn's public API only
(``neuron.forward``, ``neuron.backward``, ``surrogate.derivative``), so that the example passes;
yours calls your framework or kernel instead and converts its results to float64 NumPy arrays.
It expresses the single-threshold binary neurons (IF, LIF, PLIF) only: ``supports`` names the
reason for the rest, and the suite skips those cases. The package registers this module under
the entry-point group ``refsnn.targets`` as ``example`` (pyproject.toml), so both
``--target example`` and ``--target refsnn_example_target`` select it.
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np

from refsnn import BinaryNeuron, Neuron
from refsnn.surrogates import Surrogate

NAME = "example"
VERSION = f"refsnn-example-target {version('refsnn-example-target')} (refsnn's NumPy reference)"


def supports(neuron: Neuron) -> str | None:
    """None for IF, LIF and PLIF (every parameter); the reason for any other model."""
    if isinstance(neuron, BinaryNeuron):
        return None
    return f"the example implements IF, LIF and PLIF only, not {type(neuron).__name__}"


def forward(neuron: Neuron, x: np.ndarray, v0: np.ndarray) -> tuple:
    """``(spikes, h, v)``, float64 ``[T, ...]``: the spikes, the membrane before and after the
    reset."""
    trace = neuron.forward(x, v0, backend="numpy")
    return trace.spikes, trace.h, trace.v


def backward(neuron: Neuron, x: np.ndarray, v0: np.ndarray, grad_spikes: np.ndarray,
             grad_v: np.ndarray | None) -> tuple:
    """``(grad_x, grad_v0, params)`` of ``L = sum(grad_spikes * spikes) + sum(grad_v * v)``."""
    trace = neuron.forward(x, v0, backend="numpy")
    grads = neuron.backward(trace, grad_spikes, grad_v, backend="numpy")
    return grads.x, grads.v0, grads.params


def surrogate_derivative(surrogate: Surrogate, x: np.ndarray) -> np.ndarray:
    """dS/dx of the surrogate at ``x``."""
    return surrogate.derivative(x)
