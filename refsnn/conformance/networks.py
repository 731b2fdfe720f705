"""Networks for layer-level conformance: a small, framework-neutral, frozen description.

A :class:`Network` is a tuple of layer records holding their NumPy weights (float64) and, for a
spiking layer, the refsnn neuron spec:

    Linear(weight[out, in], bias[out] | None)          y = x W^T + b
    Conv2d(weight[O, C, kh, kw], bias[O] | None, stride, padding)   torch's conv2d
    BatchNorm(gamma, beta, running_mean, running_var, eps)
                                                       inference: y = gamma (x - mean) /
                                                       sqrt(var + eps) + beta, per channel
    Spiking(neuron)                                    the neuron over time, from rest
    AvgPool2d(kernel_size)                             stride = kernel size, no padding
    Flatten()                                          every axis after the batch axis

The input is a run ``x[T, B, ...]``; the stateless layers act on every step, the spiking
layers carry their membranes from step to step (refsnn.nn.Sequential's semantics). The
reference is :func:`build`: refsnn's own :class:`refsnn.nn.Sequential` made from the record
(the NumPy backend is the spec); an adapter builds its framework's modules from the same record.

Layer ``i``'s output is named ``spikes_<i>`` (a spiking layer) or ``out_<i>``; parameters are
named as ``Sequential.parameters()`` names them: ``"<i>.weight"``, ``"<i>.bias"``,
``"<i>.gamma"``, ``"<i>.beta"`` and the neuron scalars ``"<i>.v_threshold"``, ``"<i>.tau"``,
``"<i>.w"``, ``"<i>.amplitude"``. The loss is ``L = sum(grad_out * y)`` with ``y`` the last
layer's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from refsnn import nn
from refsnn.neurons import Neuron


def _frozen(array: np.ndarray | None) -> np.ndarray | None:
    """A read-only float64 copy (None stays None)."""
    if array is None:
        return None
    out = np.array(array, dtype=np.float64)
    out.flags.writeable = False
    return out


def _load(parameter: nn.Parameter | None, value: np.ndarray | None) -> None:
    if parameter is not None:
        parameter.value[...] = value


@dataclass(frozen=True, eq=False)
class _Weighted:
    """A layer with a weight and an optional bias (Linear, Conv2d)."""

    weight: np.ndarray
    bias: np.ndarray | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", _frozen(self.weight))
        object.__setattr__(self, "bias", _frozen(self.bias))

    def _loaded(self, layer: nn.Linear | nn.Conv2d) -> nn.Linear | nn.Conv2d:
        _load(layer.weight, self.weight)
        _load(layer.bias, self.bias)
        return layer

    def arrays(self) -> dict[str, np.ndarray]:
        return {"weight": self.weight} | ({} if self.bias is None else {"bias": self.bias})


@dataclass(frozen=True, eq=False)
class Linear(_Weighted):
    def build(self, backend: str) -> nn.Linear:
        out_features, in_features = self.weight.shape
        return self._loaded(nn.Linear(in_features, out_features, rng=0,
                                      bias=self.bias is not None))


@dataclass(frozen=True, eq=False)
class Conv2d(_Weighted):
    stride: int = 1
    padding: int = 0

    def build(self, backend: str) -> nn.Conv2d:
        out_channels, in_channels, kh, kw = self.weight.shape
        return self._loaded(nn.Conv2d(in_channels, out_channels, (kh, kw), stride=self.stride,
                                      padding=self.padding, bias=self.bias is not None, rng=0,
                                      backend=backend))


@dataclass(frozen=True, eq=False)
class BatchNorm:
    """Inference mode only: the running statistics are given, not learned."""

    gamma: np.ndarray
    beta: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray
    eps: float = 1e-5

    def __post_init__(self) -> None:
        for name in ("gamma", "beta", "running_mean", "running_var"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def build(self, backend: str) -> nn.BatchNorm:
        layer = nn.BatchNorm(self.gamma.size, eps=self.eps, backend=backend)
        _load(layer.gamma, self.gamma)
        _load(layer.beta, self.beta)
        layer.running_mean[...], layer.running_var[...] = self.running_mean, self.running_var
        return layer

    def arrays(self) -> dict[str, np.ndarray]:
        return {"gamma": self.gamma, "beta": self.beta, "running_mean": self.running_mean,
                "running_var": self.running_var}


@dataclass(frozen=True)
class Spiking:
    neuron: Neuron

    def build(self, backend: str) -> nn.NeuronLayer:
        return nn.NeuronLayer(self.neuron, learn="all", backend=backend)

    def arrays(self) -> dict[str, np.ndarray]:
        return {}


@dataclass(frozen=True)
class AvgPool2d:
    kernel_size: int

    def build(self, backend: str) -> nn.AvgPool2d:
        return nn.AvgPool2d(self.kernel_size, backend=backend)

    def arrays(self) -> dict[str, np.ndarray]:
        return {}


@dataclass(frozen=True)
class Flatten:
    def build(self, backend: str) -> nn.Flatten:
        return nn.Flatten()

    def arrays(self) -> dict[str, np.ndarray]:
        return {}


Layer = Linear | Conv2d | BatchNorm | Spiking | AvgPool2d | Flatten


@dataclass(frozen=True, eq=False)
class Network:
    """A stack of layers run on ``x[T, B, *input_shape]``."""

    layers: tuple[Layer, ...]
    input_shape: tuple[int, ...]

    def neurons(self) -> dict[int, Neuron]:
        """The spiking layers' neurons by layer index."""
        return {i: layer.neuron for i, layer in enumerate(self.layers)
                if isinstance(layer, Spiking)}

    def output_names(self) -> tuple[str, ...]:
        """``spikes_<i>`` or ``out_<i>`` per layer."""
        return tuple(f"{'spikes' if isinstance(layer, Spiking) else 'out'}_{i}"
                     for i, layer in enumerate(self.layers))

    def arrays(self) -> dict[str, np.ndarray]:
        """Every given array by ``"<i>.<name>"`` (weights, biases, BatchNorm's four)."""
        return {f"{i}.{name}": value for i, layer in enumerate(self.layers)
                for name, value in layer.arrays().items()}

    def weight_names(self) -> tuple[str, ...]:
        """The learnable arrays (not the running statistics): their gradients are required."""
        return tuple(name for name in self.arrays() if not name.split(".")[1].startswith("running"))


def build(network: Network, backend: str = "numpy") -> nn.Sequential:
    """refsnn's :class:`refsnn.nn.Sequential` for ``network``: the reference (``"numpy"``) or
    refsnn's kernels (``"numba"``); every neuron scalar learnable (``learn="all"``)."""
    return nn.Sequential(*(layer.build(backend) for layer in network.layers))


class Result(NamedTuple):
    """A run of a network: every layer's output, every gradient (``"x"`` and the parameters),
    and each spiking layer's membranes before the reset (``h``, by layer index)."""

    outputs: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]
    h: dict[int, np.ndarray]


def run(network: Network, x: np.ndarray, grad_out: np.ndarray,
        backend: str = "numpy") -> Result:
    """Forward and BPTT of ``network`` by refsnn with ``L = sum(grad_out * y)``."""
    sequential = build(network, backend)
    outputs = sequential.outputs(x)
    sequential.zero_grad()
    grads = {"x": sequential.backward(grad_out)}
    grads |= {name: np.array(p.grad) for name, p in sequential.parameters().items()}
    h = {i: sequential.layers[i].trace.h for i in network.neurons()}
    return Result(dict(zip(network.output_names(), outputs, strict=True)), grads, h)
