"""The SpikingJelly 2.0 target: ``IFNode``, ``LIFNode``, ``ParametricLIFNode``,
``TernaryIFNode`` and ``TernaryLIFNode`` in multi-step mode (``step_mode="m"``), float64 on CPU
(SpikingJelly's Torch reference path: its native kernels take float32 only).

Mapping (refsnn -> SpikingJelly): ``v_threshold``, ``v_reset`` (None = soft), ``detach_reset``,
``tau``, ``decay_input`` by the same names; PLIF's ``w`` is the node's parameter ``w``;
``surrogate`` -> ``surrogate_function`` (refsnn/targets/surrogate_map.py); ``v0`` -> ``node.v``;
``v`` is ``node.v_seq`` (``store_v_seq=True``). SpikingJelly fires at ``H - v_th >= 0`` only, and
does not expose ``H``. Its LIF divides by ``tau`` where refsnn multiplies by ``1/tau`` (last-bit
differences). Gradients: ``x``, ``v0`` and PLIF's ``w``; its threshold and ``tau`` are plain
floats, not learnable.
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import torch
from spikingjelly.activation_based import layer as sj_layer
from spikingjelly.activation_based import neuron as sj
from spikingjelly.activation_based import surrogate as sj_surrogate

from refsnn.conformance import networks
from refsnn.neurons import IF, LIF, PLIF, BinaryNeuron, Neuron, Ternary
from refsnn.surrogates import Surrogate
from refsnn.targets import _surrogates, _torch, _torch_network

NAME = "spikingjelly"
VERSION = f"spikingjelly {version('spikingjelly')}"

SURROGATES = {  # canonical name -> SpikingJelly surrogate classes that can equal it
    "sigmoid": (lambda s: ("Sigmoid", {"alpha": s.alpha}),),
    "arctan": (lambda s: ("ATan", {"alpha": s.alpha}),),
    "triangular": (lambda s: ("PiecewiseQuadratic", {"alpha": s.alpha}),),
    "piecewise_exponential": (lambda s: ("PiecewiseExp", {"alpha": s.alpha}),),
    "fast_sigmoid": (lambda s: ("SoftSign", {"alpha": s.alpha}),
                     lambda s: ("SuperSpike", {"alpha": s.scale})),
    "gaussian": (lambda s: ("Erf", {"alpha": s.alpha}),),
    "rectangular": (lambda s: ("Rect", {"alpha": s.alpha}),),
    "straight_through": (lambda s: ("DeterministicPass", {}),),
}


def supports(neuron: Neuron) -> str | None:
    """None for IF / LIF / PLIF and Ternary on IF / LIF with ``compare=">="``, a SpikingJelly
    surrogate and (LIF) ``tau > 1``; otherwise the reason."""
    base = neuron.neuron if isinstance(neuron, Ternary) else neuron
    if isinstance(neuron, Ternary):
        if neuron.amplitude != 1.0:
            return "TernaryIFNode/TernaryLIFNode emit spikes of amplitude 1 only"
        if neuron.surrogate_centre != "thresholds":
            return "TernaryIFNode/TernaryLIFNode put the surrogate at both thresholds only"
        if isinstance(base, PLIF):
            return "SpikingJelly has no ternary PLIF"
    elif not isinstance(neuron, IF | LIF | PLIF):
        return (f"SpikingJelly has no {type(neuron).__name__} neuron (its ILIFNode's levels "
                "sit at (i - 1/2) v_th)")
    if base.compare != ">=":
        return "SpikingJelly fires at H - v_th >= 0 only (surrogate.heaviside)"
    if isinstance(base, LIF) and not base.tau > 1.0:
        return "LIFNode asserts tau > 1"
    if _surrogates.match(NAME, SURROGATES, base.surrogate) is None:
        return _surrogates.unsupported(NAME, base.surrogate)
    return None


def forward(neuron: Neuron, x: np.ndarray, v0: np.ndarray) -> tuple:
    """``(spikes, None, v)``: SpikingJelly does not expose the membrane before reset."""
    return _torch.forward_after_reset(_run, neuron, x, v0)


def backward(neuron: Neuron, x: np.ndarray, v0: np.ndarray, grad_spikes: np.ndarray,
             grad_v: np.ndarray | None) -> tuple:
    """dL/dx, dL/dv0 and, for PLIF, dL/dw by SpikingJelly's autograd."""
    node, x_t, v0_t, spikes, v = _run(neuron, x, v0)
    _torch.backpropagate(spikes, v, grad_spikes, grad_v)
    params = {"w": _torch.scalar_gradient(node.w)} if isinstance(neuron, PLIF) else {}
    return _torch.gradient(x_t), _torch.gradient(v0_t), params


def network_forward(network: networks.Network, x: np.ndarray) -> list[np.ndarray]:
    """Every layer's output: SpikingJelly's multi-step layers (``layer.Linear``, ``Conv2d``,
    ``BatchNorm2d`` in eval mode, ``AvgPool2d``, ``Flatten``, all ``step_mode="m"``) and nodes."""
    return _torch_network.forward(_run_network, network, x)


def network_backward(network: networks.Network, x: np.ndarray,
                     grad_out: np.ndarray) -> dict[str, np.ndarray]:
    """dL/dx, the layers' parameters and PLIF's ``w`` by SpikingJelly's autograd (its
    thresholds and ``tau`` are not learnable)."""
    return _torch_network.backward(_run_network, _node_gradients, network, x, grad_out)


def surrogate_derivative(surrogate: Surrogate, x: np.ndarray) -> np.ndarray:
    """The derivative of the SpikingJelly surrogate equal to ``surrogate``."""
    return _torch.spike_derivative(_surrogate(surrogate), x)


def _surrogate(surrogate: Surrogate) -> sj_surrogate.SurrogateFunctionBase:
    """The SpikingJelly surrogate object equal to ``surrogate`` (NotImplementedError if none)."""
    found = _surrogates.match(NAME, SURROGATES, surrogate)
    if found is None:
        raise NotImplementedError(_surrogates.unsupported(NAME, surrogate))
    name, params = found
    return getattr(sj_surrogate, name)(**params)


def _node(neuron: Neuron) -> torch.nn.Module:
    """The SpikingJelly node for ``neuron``, in float64."""
    base: BinaryNeuron = neuron.neuron if isinstance(neuron, Ternary) else neuron
    common = dict(v_threshold=base.v_threshold, v_reset=base.v_reset,
                  surrogate_function=_surrogate(base.surrogate),
                  detach_reset=base.detach_reset, step_mode="m", store_v_seq=True)
    if isinstance(base, LIF):
        model = sj.TernaryLIFNode if isinstance(neuron, Ternary) else sj.LIFNode
        return model(tau=base.tau, decay_input=base.decay_input, **common).double()
    if isinstance(base, PLIF):
        node = sj.ParametricLIFNode(decay_input=base.decay_input, **common).double()
        with torch.no_grad():
            node.w.fill_(base.w)
        return node
    return (sj.TernaryIFNode if isinstance(neuron, Ternary) else sj.IFNode)(**common).double()


def _run(neuron: Neuron, x: np.ndarray, v0: np.ndarray) -> tuple:
    """Run the node from ``node.v = v0``: ``(node, x leaf, v0 leaf, spikes, v_seq)``."""
    node = _node(neuron)
    x_t, v0_t = _torch.leaf(x), _torch.leaf(v0)
    node.v = v0_t
    spikes = node(x_t)
    return node, x_t, v0_t, spikes, node.v_seq


def _run_network(network: networks.Network, x: np.ndarray) -> tuple:
    """``(node by layer index, layer leaves, x leaf, every layer's output)``: every node starts
    from its reset value (0 for a soft reset), refsnn's rest potential."""
    return _torch_network.run(network, x, lambda neuron: (_node(neuron),) * 2, sj_layer,
                              multi_step=True, step_mode="m")


def _node_gradients(neuron: Neuron, node: torch.nn.Module) -> dict[str, float]:
    """PLIF's dL/dw (SpikingJelly's only learnable neuron scalar)."""
    return {"w": _torch.scalar_gradient(node.w)} if isinstance(neuron, PLIF) else {}
