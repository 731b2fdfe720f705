"""Every NIR 1.0.8 node other than the neurons, compiled to a NumPy computation.

A compiled node has ``name``, ``stateful`` and ``output_shape(input_shape)`` (which checks the
input's shape, without the batch axis, and names the node on a mismatch). A stateless node has
``apply(x[N, *input_shape])``, applied to every step at once; a stateful one (a neuron, Delay)
has ``start(batch, shape, dtype)`` and ``step(x[B, *shape], state) -> (output, observables)``.

    Input, Output      y = x
    Affine             y = W x + b       (refsnn.nn.Linear: y = x W^T, then += b)
    Linear             y = W x
    Scale              y = s * x         (element-wise)
    Conv1d, Conv2d     torch's cross-correlation with stride, padding (int, pair, "same",
                       "valid"), dilation, groups and bias (refsnn.nn.Conv2d on the zero-padded
                       input; a dilated kernel as the dense kernel with zeros between its taps;
                       one Conv2d per group; Conv1d as Conv2d of height 1)
    SumPool2d          y = the sum over each window of the zero-padded input
    AvgPool2d          y = that sum's mean, padding counted (refsnn.nn.AvgPool2d; torch's
                       count_include_pad=True)
    Flatten            dimensions start_dim..end_dim of the input without its batch axis
                       merged (NIR's own type rule, nir/ir/utils.py calc_flatten_output)
    Threshold          z = x > threshold (or >=, Discretization.compare)
    Delay              y[t] = x[t - d], d = delay / dt steps per element (an integer within
                       1e-9 relative, else an error), zeros before the first input arrives
"""

from __future__ import annotations

import numpy as np

from refsnn.neurons.kinds import binary
from refsnn.nir.discretization import Discretization
from refsnn.nir.neurons import NEURON_TYPES, compile_neuron
from refsnn.nir.params import fail, integers, parameter
from refsnn.nn import AvgPool2d, Conv2d, Linear
from refsnn.nn.windows import output_size, windows


class Stateless:
    """A memoryless node: ``apply`` acts on a batch of any size."""

    stateful = False

    def __init__(self, name: str) -> None:
        self.name = name
        self._by_dtype: dict = {}

    def per_dtype(self, dtype: np.dtype, build):
        """``build(dtype)`` (the refsnn layers with this node's weights), made once per dtype."""
        if dtype not in self._by_dtype:
            self._by_dtype[dtype] = build(dtype)
        return self._by_dtype[dtype]

    def check_shape(self, input_shape: tuple, expected: tuple) -> None:
        if tuple(input_shape) != tuple(expected):
            fail(self.name, "", f"an input of shape {tuple(expected)}",
                 f"shape {tuple(input_shape)}")


class Identity(Stateless):
    """Input and Output: ``y = x``; the declared shape, if any, is checked."""

    def __init__(self, name: str, shape: tuple | None) -> None:
        super().__init__(name)
        self.shape = shape

    def output_shape(self, input_shape: tuple) -> tuple:
        if self.shape is not None:
            self.check_shape(input_shape, self.shape)
        return tuple(input_shape)

    def apply(self, x: np.ndarray) -> np.ndarray:
        return x


class Dense(Stateless):
    """Affine and Linear, computed by refsnn.nn.Linear with the node's weights."""

    def __init__(self, name: str, weight: np.ndarray, bias: np.ndarray | None) -> None:
        super().__init__(name)
        if weight.ndim != 2:
            fail(name, "weight", "a 2-D array [out, in]", f"shape {weight.shape}")
        if bias is not None and bias.shape != weight.shape[:1]:
            fail(name, "bias", f"shape {weight.shape[:1]}", bias.shape)
        self.weight, self.bias = weight, bias

    def output_shape(self, input_shape: tuple) -> tuple:
        self.check_shape(input_shape, self.weight.shape[1:])
        return self.weight.shape[:1]

    def layer(self, dtype: np.dtype) -> Linear:
        out_features, in_features = self.weight.shape
        layer = Linear(in_features, out_features, rng=0, bias=self.bias is not None,
                       dtype=dtype)
        layer.weight.value = self.weight.astype(dtype)
        if self.bias is not None:
            layer.bias.value = self.bias.astype(dtype)
        return layer

    def apply(self, x: np.ndarray) -> np.ndarray:
        return self.per_dtype(x.dtype, self.layer).forward(x)


class Scale(Stateless):
    def __init__(self, name: str, scale: np.ndarray) -> None:
        super().__init__(name)
        self.scale = scale

    def output_shape(self, input_shape: tuple) -> tuple:
        if self.scale.ndim:
            self.check_shape(input_shape, self.scale.shape)
        return tuple(input_shape)

    def apply(self, x: np.ndarray) -> np.ndarray:
        return x * self.scale.astype(x.dtype)


class Conv(Stateless):
    """Conv1d (``dims = 1``) and Conv2d over ``[C, *spatial]`` inputs."""

    def __init__(self, name: str, node: object, dims: int) -> None:
        super().__init__(name)
        self.dims = dims
        self.weight = parameter(name, node, "weight")
        if self.weight.ndim != dims + 2:
            fail(name, "weight", f"a {dims + 2}-D array [C_out, C_in / groups, *kernel]",
                 f"shape {self.weight.shape}")
        self.bias = parameter(name, node, "bias", shape=self.weight.shape[:1])
        self.stride = integers(name, node, "stride", dims, minimum=1)
        self.dilation = integers(name, node, "dilation", dims, minimum=1)
        self.groups = integers(name, node, "groups", 1, minimum=1)[0]
        self.padding = node.padding if isinstance(node.padding, str) else \
            integers(name, node, "padding", dims, minimum=0)
        if self.weight.shape[0] % self.groups:
            fail(name, "groups", f"a divisor of C_out = {self.weight.shape[0]}", self.groups)
        self.kernel = tuple((k - 1) * d + 1 for k, d in
                            zip(self.weight.shape[2:], self.dilation, strict=True))
        self.declared = None if getattr(node, "input_shape", None) is None else \
            integers(name, node, "input_shape", dims, minimum=1)

    def pads(self) -> list[tuple[int, int]]:
        """(before, after) zero padding per spatial axis; "same" as torch (the extra one after)."""
        if self.padding == "valid":
            return [(0, 0)] * self.dims
        if self.padding == "same":
            if self.stride != (1,) * self.dims:
                fail(self.name, "padding", "'same' only with stride 1 (as torch)", self.stride)
            return [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in self.kernel]
        return [(p, p) for p in self.padding]

    def output_shape(self, input_shape: tuple) -> tuple:
        channels = self.weight.shape[1] * self.groups
        if len(input_shape) != self.dims + 1 or input_shape[0] != channels:
            fail(self.name, "", f"an input of shape [C = {channels}, *{self.dims}-D spatial]",
                 f"shape {tuple(input_shape)}")
        if self.declared is not None:
            self.check_shape(input_shape[1:], self.declared)
        spatial = tuple((n + a + b - k) // s + 1 for n, (a, b), k, s in zip(
            input_shape[1:], self.pads(), self.kernel, self.stride, strict=True))
        if min(spatial) < 1:
            fail(self.name, "", f"an input at least the kernel size {self.kernel}",
                 f"shape {tuple(input_shape)}")
        return (self.weight.shape[0], *spatial)

    def layers(self, dtype: np.dtype) -> list[Conv2d]:
        """One refsnn Conv2d per group, with the (dilated) kernel of that group."""
        weight = self.dilated_weight()
        if self.dims == 1:
            weight = weight[:, :, None, :]
        out_per_group = weight.shape[0] // self.groups
        stride = self.stride if self.dims == 2 else (1, self.stride[0])
        layers = []
        for g in range(self.groups):
            w = weight[g * out_per_group:(g + 1) * out_per_group]
            layer = Conv2d(w.shape[1], w.shape[0], w.shape[2:], stride=stride, rng=0,
                           dtype=dtype)
            layer.weight.value = np.ascontiguousarray(w, dtype=dtype)
            layer.bias.value = self.bias[g * out_per_group:(g + 1) * out_per_group].astype(dtype)
            layers.append(layer)
        return layers

    def dilated_weight(self) -> np.ndarray:
        """The kernel with ``dilation - 1`` zeros between its taps (exact: the zeros add 0)."""
        w = np.zeros((*self.weight.shape[:2], *self.kernel))
        w[(slice(None), slice(None), *(slice(None, None, d) for d in self.dilation))] = \
            self.weight
        return w

    def apply(self, x: np.ndarray) -> np.ndarray:
        x = np.pad(x, [(0, 0), (0, 0), *self.pads()])
        if self.dims == 1:
            x = x[:, :, None, :]
        per_group = x.shape[1] // self.groups
        parts = [layer.forward(np.ascontiguousarray(x[:, g * per_group:(g + 1) * per_group]))
                 for g, layer in enumerate(self.per_dtype(x.dtype, self.layers))]
        y = parts[0] if self.groups == 1 else np.concatenate(parts, axis=1)
        return y[:, :, 0, :] if self.dims == 1 else y


class Pool(Stateless):
    """SumPool2d and AvgPool2d over ``[C, H, W]`` inputs."""

    def __init__(self, name: str, node: object, average: bool) -> None:
        super().__init__(name)
        self.kernel = integers(name, node, "kernel_size", 2, minimum=1)
        self.stride = integers(name, node, "stride", 2, minimum=1)
        self.padding = integers(name, node, "padding", 2, minimum=0)
        self.average = average

    def output_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) != 3:
            fail(self.name, "", "an input of shape [C, H, W]", f"shape {tuple(input_shape)}")
        size = tuple((n + 2 * p - k) // s + 1 for n, p, k, s in zip(
            input_shape[1:], self.padding, self.kernel, self.stride, strict=True))
        if min(size) < 1:
            fail(self.name, "", f"an input at least the kernel size {self.kernel}",
                 f"shape {tuple(input_shape)}")
        return (input_shape[0], *size)

    def apply(self, x: np.ndarray) -> np.ndarray:
        (ph, pw) = self.padding
        if ph or pw:
            x = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
        if self.average:
            return AvgPool2d(self.kernel, self.stride).forward(x)
        size = output_size("x", x.shape, self.kernel, self.stride, (0, 0))
        return windows(x, self.kernel, self.stride, size).sum(axis=(-2, -1))


class Flatten(Stateless):
    def __init__(self, name: str, node: object) -> None:
        super().__init__(name)
        self.start_dim, self.end_dim = int(node.start_dim), int(node.end_dim)

    def output_shape(self, input_shape: tuple) -> tuple:
        n = len(input_shape)
        start = self.start_dim + n if self.start_dim < 0 else self.start_dim
        end = self.end_dim + n if self.end_dim < 0 else self.end_dim
        if not 0 <= start <= end < n:
            fail(self.name, "", f"an input with axes {self.start_dim}..{self.end_dim} "
                 "(the batch axis excluded)", f"shape {tuple(input_shape)}")
        middle = int(np.prod(input_shape[start:end + 1]))
        return (*input_shape[:start], middle, *input_shape[end + 1:])

    def apply(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[0], *self.output_shape(x.shape[1:]))


class Threshold(Stateless):
    """``z = x > threshold`` (``>=`` under ``compare=">="``), by refsnn's binary fire."""

    def __init__(self, name: str, node: object, disc: Discretization) -> None:
        super().__init__(name)
        self.threshold = parameter(name, node, "threshold")
        self.fire_at_zero = disc.compare == ">="

    def output_shape(self, input_shape: tuple) -> tuple:
        if self.threshold.ndim:
            self.check_shape(input_shape, self.threshold.shape)
        return tuple(input_shape)

    def apply(self, x: np.ndarray) -> np.ndarray:
        p = binary.Params(self.threshold.astype(x.dtype), 0.0, False, self.fire_at_zero, 0.0,
                          0.0)
        return binary.fire(x, p).astype(x.dtype)


class Delay:
    """``y[t] = x[t - d]`` per element, ``d`` whole steps (zeros before)."""

    stateful = True

    def __init__(self, name: str, node: object, dt: float) -> None:
        self.name = name
        delay = parameter(name, node, "delay")
        steps = np.round(delay / dt)
        if np.any(delay < 0) or not np.allclose(steps * dt, delay, rtol=1e-9, atol=0.0):
            fail(name, "delay", f"whole multiples >= 0 of dt = {dt}", delay)
        self.steps = steps.astype(np.int64)
        self.shape = delay.shape

    def output_shape(self, input_shape: tuple) -> tuple:
        if self.shape and tuple(input_shape) != self.shape:
            fail(self.name, "", f"an input of shape {self.shape}", f"shape {input_shape}")
        return tuple(input_shape)

    @property
    def min_steps(self) -> int:
        return int(self.steps.min()) if self.steps.size else 0

    def start(self, batch: int, shape: tuple, dtype: np.dtype) -> dict:
        depth = int(self.steps.max()) + 1 if self.steps.size else 1
        return {"past": np.zeros((depth, batch, *shape), dtype), "t": 0}

    def peek(self, state: dict) -> np.ndarray:
        """The output of the current step from earlier inputs only (every ``d >= 1``)."""
        past, t = state["past"], state["t"]
        slots = (t - np.broadcast_to(self.steps, past.shape[2:])) % past.shape[0]
        return np.take_along_axis(past, slots[None, None], axis=0)[0]

    def step(self, x: np.ndarray, state: dict) -> tuple[np.ndarray, dict]:
        past = state["past"]
        past[state["t"] % past.shape[0]] = x
        y = self.peek(state)
        state["t"] += 1
        return y, {}


def compile_node(name: str, node: object, disc: Discretization):
    """The compiled form of the NIR ``node`` named ``name`` (not a NIRGraph: those are
    flattened first); an unknown type is an error naming the node."""
    kind = type(node).__name__
    if kind in NEURON_TYPES:
        return compile_neuron(name, node, kind, disc)
    build = BUILDERS.get(kind)
    if build is None:
        known = ", ".join(sorted([*BUILDERS, *NEURON_TYPES]))
        fail(name, "", f"a NIR 1.0.8 node type ({known})", kind)
    return build(name, node, disc)


def _declared(node: object, key: str, which: str) -> tuple | None:
    types = getattr(node, which, None) or {}
    shape = types.get(key)
    return None if shape is None else tuple(int(n) for n in np.atleast_1d(shape))


BUILDERS = {
    "Input": lambda name, node, disc: Identity(name, _declared(node, "input", "input_type")),
    "Output": lambda name, node, disc: Identity(name, _declared(node, "output", "output_type")),
    "Affine": lambda name, node, disc: Dense(name, parameter(name, node, "weight"),
                                             parameter(name, node, "bias")),
    "Linear": lambda name, node, disc: Dense(name, parameter(name, node, "weight"), None),
    "Scale": lambda name, node, disc: Scale(name, parameter(name, node, "scale")),
    "Conv1d": lambda name, node, disc: Conv(name, node, 1),
    "Conv2d": lambda name, node, disc: Conv(name, node, 2),
    "SumPool2d": lambda name, node, disc: Pool(name, node, average=False),
    "AvgPool2d": lambda name, node, disc: Pool(name, node, average=True),
    "Flatten": lambda name, node, disc: Flatten(name, node),
    "Threshold": Threshold,
    "Delay": lambda name, node, disc: Delay(name, node, disc.dt),
}
"""NIR type name -> builder ``(name, node, discretization) -> compiled node``."""
