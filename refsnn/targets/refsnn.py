"""The refsnn target: refsnn's own Numba kernels through the target protocol.

Running the conformance suite against it tests the public API the peers are held to, the
way ONNX runs its reference evaluator through its own backend test. ``refsnn_numpy`` is the
same with the NumPy reference (the oracle itself, so it must pass trivially).
"""

from __future__ import annotations

import numpy as np

import refsnn
from refsnn.conformance import networks
from refsnn.neurons import Neuron
from refsnn.surrogates import Surrogate

NAME = "refsnn"
VERSION = f"refsnn {refsnn.__version__} (numba backend)"
BACKEND = "numba"


def supports(neuron: Neuron) -> None:
    """refsnn expresses every refsnn neuron."""
    return None


def forward(neuron: Neuron, x: np.ndarray, v0: np.ndarray, *, backend: str = BACKEND) -> tuple:
    """``(spikes, h, v)`` of ``neuron.forward``."""
    trace = neuron.forward(x, v0, backend=backend)
    return trace.spikes, trace.h, trace.v


def backward(neuron: Neuron, x: np.ndarray, v0: np.ndarray, grad_spikes: np.ndarray,
             grad_v: np.ndarray | None, *, backend: str = BACKEND) -> tuple:
    """``(grad_x, grad_v0, params)`` of ``neuron.backward`` on a fresh forward pass."""
    grads = neuron.backward(neuron.forward(x, v0, backend=backend), grad_spikes, grad_v,
                            backend=backend)
    return grads.x, grads.v0, grads.params


def surrogate_derivative(surrogate: Surrogate, x: np.ndarray) -> np.ndarray:
    """The canonical surrogate's derivative."""
    return surrogate.derivative(x)


def network_forward(network: networks.Network, x: np.ndarray, *,
                    backend: str = BACKEND) -> list[np.ndarray]:
    """Every layer's output of ``refsnn.nn.Sequential`` built from ``network``."""
    return networks.build(network, backend).outputs(x)


def network_backward(network: networks.Network, x: np.ndarray, grad_out: np.ndarray, *,
                     backend: str = BACKEND) -> dict[str, np.ndarray]:
    """dL/dx and every parameter's gradient by ``Sequential.backward`` (BPTT)."""
    return networks.run(network, x, grad_out, backend).grads
