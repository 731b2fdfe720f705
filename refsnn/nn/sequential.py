"""Sequential: a network of layers run over T time steps, with BPTT through all of it."""

from __future__ import annotations

import copy

import numpy as np

from refsnn import validation
from refsnn.nn.batchnorm import BatchNorm, fold_batchnorm
from refsnn.nn.conv import Conv2d
from refsnn.nn.layer import Layer, float_array
from refsnn.nn.linear import Linear
from refsnn.nn.parameter import Parameter


class Sequential(Layer):
    """``y = layer_L(... layer_1(x))`` over a run ``x[T, B, ...]`` (time on axis 0).

    A stateless layer (``layer.temporal`` False: Linear, Conv2d, pooling, BatchNorm, Flatten)
    is applied to every step at once: the run is viewed as one batch ``[T B, ...]`` and the
    result viewed back as ``[T, B, ...]``. A temporal layer (a :class:`NeuronLayer`, Dropout)
    receives the run ``[T, B, ...]`` itself; a neuron carries its membrane from step to step.

    ``backward(dL/dy)`` runs the layers in reverse: the stateless layers' backward on the
    ``[T B, ...]`` view (their parameter gradients summed over steps and samples), the
    neurons' BPTT (refsnn.neurons.Neuron.backward) over the whole run. Together this is
    backpropagation through time of the whole network. Returns dL/dx; every parameter's
    gradient is added to its ``grad`` (call :meth:`zero_grad` between steps).
    """

    temporal = True

    def __init__(self, *layers: Layer) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise ValueError(f"layers[{i}]: expected a refsnn.nn layer, "
                                 f"got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        outputs = self.outputs(x, training=training)
        return outputs[-1] if outputs else x

    def outputs(self, x: np.ndarray, *, training: bool = False) -> list[np.ndarray]:
        """Every layer's output ``[T, B, ...]`` in one forward pass (the last one is
        :meth:`forward`'s result; layer-level conformance compares them all)."""
        float_array("x", x, None, rank=tuple(range(2, 33)), shape="[T, B, ...]")
        out = [x]
        for i, layer in enumerate(self.layers):
            out.append(_per_step(layer.forward, out[-1], i, training=training))
        return out[1:]

    def backward(self, grad: np.ndarray, *, input_grad: bool = True) -> np.ndarray | None:
        """BPTT of the whole network from dL/dy; returns dL/dx. ``input_grad=False`` (training:
        dL/dx of the data is not needed) skips the layers before the first one with parameters
        and that one's input gradient, and returns None."""
        with_params = [i for i, layer in enumerate(self.layers) if layer.parameters()]
        first = 0 if validation.flag("input_grad", input_grad) or not with_params \
            else with_params[0]
        start = first + (not input_grad)
        for i in reversed(range(start, len(self.layers))):
            grad = _per_step(self.layers[i].backward, grad, i)
        if input_grad:
            return grad
        if with_params:
            layer = self.layers[first]
            layer.backward_parameters(grad if layer.temporal else _batch(grad))
        return None

    def parameters(self) -> dict[str, Parameter]:
        """Every layer's parameters, named ``"<layer index>.<name>"`` (e.g. ``"0.weight"``)."""
        return {f"{i}.{name}": p for i, layer in enumerate(self.layers)
                for name, p in layer.parameters().items()}

    def buffers(self) -> dict[str, np.ndarray]:
        """Every layer's non-learned state (BatchNorm's running statistics), named alike."""
        return {f"{i}.{name}": b for i, layer in enumerate(self.layers)
                for name, b in layer.buffers().items()}

    def zero_grad(self) -> None:
        for p in self.parameters().values():
            p.zero_grad()

    def state(self) -> dict[str, np.ndarray]:
        """Copies of every parameter's value and every buffer, by name (for checkpoints)."""
        return {name: p.value.copy() for name, p in self.parameters().items()} | \
            {name: b.copy() for name, b in self.buffers().items()}

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Set every parameter and buffer from ``state`` (as returned by :meth:`state`), in
        place; the names, shapes and dtypes must match exactly."""
        targets = {name: p.value for name, p in self.parameters().items()} | self.buffers()
        if set(state) != set(targets):
            raise ValueError(f"state: expected the entries {sorted(targets)}, got "
                             f"{sorted(state)}")
        for name, target in targets.items():
            value = np.asarray(state[name])
            if value.shape != target.shape or value.dtype != target.dtype:
                raise ValueError(f"state[{name!r}]: expected {target.dtype} {target.shape}, "
                                 f"got {value.dtype} {value.shape}")
            target[...] = value

    def fold_batchnorm(self) -> Sequential:
        """A copy for inference in which every BatchNorm that directly follows a Linear or
        Conv2d is folded into it (:func:`refsnn.nn.batchnorm.fold_batchnorm`); its eval-mode
        outputs equal this network's up to rounding."""
        layers, i = [], 0
        while i < len(self.layers):
            layer = self.layers[i]
            after = self.layers[i + 1] if i + 1 < len(self.layers) else None
            if isinstance(layer, Linear | Conv2d) and isinstance(after, BatchNorm):
                layers.append(fold_batchnorm(layer, after))
                i += 2
            else:
                layers.append(copy.deepcopy(layer))
                i += 1
        return Sequential(*layers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


def _per_step(method, x: np.ndarray, index: int, **kwargs) -> np.ndarray:
    """Apply a layer's ``forward`` or ``backward`` to a run ``x[T, B, ...]``: a temporal
    layer gets it as is, a stateless one as the batch ``[T B, ...]`` (its error then says so,
    with the shape of the run: the user never saw the batch's)."""
    if method.__self__.temporal:
        return method(x, **kwargs)
    try:
        y = method(_batch(x), **kwargs)
    except ValueError as error:
        raise ValueError(f"layers[{index}] ({type(method.__self__).__name__}) got the run of "
                         f"shape {x.shape} [T, B, ...] as one batch [T*B, ...]: {error}") from None
    return y.reshape(*x.shape[:2], *y.shape[1:])


def _batch(x: np.ndarray) -> np.ndarray:
    """The run ``x[T, B, ...]`` viewed as one batch ``[T B, ...]``."""
    return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])
