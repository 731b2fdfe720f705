"""Torch plumbing for the peers' network functions: a refsnn.conformance.networks.Network as
the framework's modules (float64, CPU, the given weights), run over ``x[T, B, ...]``.

Each layer becomes a function of the whole run ``[T, B, ...] -> [T, B, ...]``: a spiking layer
is the adapter's own (the framework's neuron in its multi-step form, or one call per step); a
stateless layer is a ``torch.nn`` module (or the framework's wrapper of it) from
:func:`stateless`, which either takes the run itself (a multi-step wrapper such as
SpikingJelly's ``layer.Linear(step_mode="m")``) or sees it as one batch ``[T B, ...]`` (what a
per-step loop computes, in one call). BatchNorm runs in eval mode on the given statistics.
Parameters are reported under refsnn's names (``"<i>.weight"``, ``"<i>.gamma"``, ...).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from refsnn.conformance import networks
from refsnn.targets import _torch

Run = Callable[[torch.Tensor], torch.Tensor]
"""One layer as a function of the run ``[T, B, ...]``."""

TORCH_NAMES = {"gamma": "weight", "beta": "bias"}
"""refsnn's BatchNorm parameter names -> torch's."""


def _module(layer: object, classes: object, **options) -> torch.nn.Module:
    """The module of ``classes`` (``torch.nn`` or a framework's layer namespace) for a
    stateless layer, weights not yet set."""
    if isinstance(layer, networks.Linear):
        out_features, in_features = layer.weight.shape
        return classes.Linear(in_features, out_features, bias=layer.bias is not None, **options)
    if isinstance(layer, networks.Conv2d):
        out_channels, in_channels, kh, kw = layer.weight.shape
        return classes.Conv2d(in_channels, out_channels, (kh, kw), stride=layer.stride,
                              padding=layer.padding, bias=layer.bias is not None, **options)
    if isinstance(layer, networks.BatchNorm):
        return classes.BatchNorm2d(layer.gamma.size, eps=layer.eps, **options)
    if isinstance(layer, networks.AvgPool2d):
        return classes.AvgPool2d(layer.kernel_size, **options)
    if isinstance(layer, networks.Flatten):
        return classes.Flatten(**options)
    raise ValueError(f"layer: expected a stateless layer of refsnn.conformance.networks, "
                     f"got {type(layer).__name__}")


def stateless(index: int, layer: object, classes: object, *, multi_step: bool,
              **options) -> tuple[Run, dict[str, torch.Tensor]]:
    """The layer as a function of the run, and its learnable tensors by refsnn name."""
    module = _module(layer, classes, **options).double()
    arrays = layer.arrays()
    with torch.no_grad():
        for name, value in arrays.items():
            getattr(module, TORCH_NAMES.get(name, name)).copy_(_torch.constant(value))
    module.eval()  # BatchNorm: the given running statistics
    leaves = {f"{index}.{name}": getattr(module, TORCH_NAMES.get(name, name))
              for name in arrays if not name.startswith("running")}
    if multi_step:
        return module, leaves
    return (lambda y: module(y.flatten(0, 1)).unflatten(0, y.shape[:2])), leaves


def per_step(step: Callable[[torch.Tensor, object], tuple], state: object) -> Run:
    """A spiking layer run one call per step: ``step(y[t], state) -> (spikes, state)``."""
    def run(y: torch.Tensor) -> torch.Tensor:
        nonlocal state
        spikes = []
        for y_step in y:
            spike, state = step(y_step, state)
            spikes.append(spike)
        return torch.stack(spikes)
    return run


def run(network: networks.Network, x: np.ndarray, spiking: Callable, classes: object = torch.nn,
        *, multi_step: bool = False, **options) -> tuple:
    """Run ``network`` on ``x``: ``(scalars by spiking layer index, stateless layers' leaves,
    x leaf, every layer's output)``. ``spiking(neuron) -> (run, scalars)`` makes a spiking
    layer; the stateless ones are :func:`stateless` modules of ``classes``."""
    layers, scalars, leaves = [], {}, {}
    for i, layer in enumerate(network.layers):
        if isinstance(layer, networks.Spiking):
            step, scalars[i] = spiking(layer.neuron)
        else:
            step, found = stateless(i, layer, classes, multi_step=multi_step, **options)
            leaves |= found
        layers.append(step)
    x_t = _torch.leaf(x)
    out = [x_t]
    for layer in layers:
        out.append(layer(out[-1]))
    return scalars, leaves, x_t, out[1:]


def gradients(x_t: torch.Tensor, y: torch.Tensor, grad_out: np.ndarray,
              leaves: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """dL/dx and dL/d(every leaf) of ``L = sum(grad_out * y)`` by torch's autograd."""
    (_torch.constant(grad_out) * y).sum().backward()
    return {"x": _torch.gradient(x_t)} | {name: _torch.gradient(t) for name, t in leaves.items()}


def forward(run_network: Callable, network: networks.Network, x: np.ndarray) -> list[np.ndarray]:
    """A peer's ``network_forward`` from its ``run_network(network, x) -> (scalars, leaves,
    x leaf, outputs)``."""
    *_, out = run_network(network, x)
    return [_torch.numpy(y) for y in out]


def backward(run_network: Callable, scalar_gradients: Callable, network: networks.Network,
             x: np.ndarray, grad_out: np.ndarray) -> dict[str, np.ndarray]:
    """A peer's ``network_backward``: the leaves' gradients, and each spiking layer's scalars
    by ``scalar_gradients(neuron, scalars[i]) -> {refsnn name: gradient}``."""
    scalars, leaves, x_t, out = run_network(network, x)
    grads = gradients(x_t, out[-1], grad_out, leaves)
    for i, found in scalars.items():
        neuron = network.layers[i].neuron
        grads |= {f"{i}.{name}": g for name, g in scalar_gradients(neuron, found).items()}
    return grads
