"""Export a refsnn network to a NIR graph that refsnn's interpreter runs exactly as refsnn does.

    refsnn layer                       NIR node
    Linear                             Affine (Linear if it has no bias)
    Conv2d                             Conv2d (input_shape set, dilation 1, groups 1)
    AvgPool2d                          AvgPool2d (padding 0)
    Flatten                            Flatten(start_dim=0): the batch axis is not counted
    BatchNorm after Linear / Conv2d    folded into it first (Sequential.fold_batchnorm)
    Dropout                            dropped (the identity at inference)
    IF, hard reset                     IF(r, v_threshold, v_reset),  r dt = 1
    LIF, PLIF, hard reset              LIF(tau, r, v_leak = v_reset, v_threshold, v_reset),
                                       dt / tau = k (refsnn's 1/tau, PLIF's sigmoid(w));
                                       r = 1 (decay_input) or r k = 1 (not)

**Exactness.** Under the default Euler discretization with the same ``dt``, refsnn.nir.load
computes the very operations of refsnn's neurons (refsnn.nir.neurons) from ``k = dt / tau``,
``r k`` (LIF) or ``r dt`` (IF), which it evaluates in float64 and casts to the input dtype. The
exported ``tau`` and ``r`` are the float64 values nearest ``tau_steps dt`` and ``1 / k`` (or
``1 / dt``) for which these come out, in the network's dtype, as refsnn's ``k`` and exactly 1:
then the round trip is bit for bit. Such values always exist for a float32 network; for a
float64 one, ``fl(dt / tau)`` skips some float64 values of ``k``, and in about 5-15% of
(dt, tau) pairs none exists (measured over tau in [1, 20] for five dts): the nearest is used,
``metadata["exact"]`` is False and a warning names the layer; the membranes then agree to a
few ulps (a spike exactly at a tie may differ). refsnn fires at ``H >= v_threshold`` by
default and NIR at ``>``: the exported threshold is then the next float below
``v_threshold`` in the network's dtype, the same decision for every membrane of that dtype
(``H >= t`` iff ``H > prev(t)``); an input of another dtype can differ exactly at a tie.
refsnn starts a neuron at its ``v_reset``; the interpreter does so with ``initial="reset"``
(the default ``"zero"`` is the same when ``v_reset = 0``). The graph's metadata repeats
``dt``, that choice and ``exact``; NIR calls metadata advisory, so they are given to ``load``
explicitly.

**Refused** (an error naming the layer and why): a soft reset (NIR resets only to
``v_reset``: NIR issue #137 proposes a Reset node), Ternary, MultiThreshold and MTNeuron
(signed and multi-level spikes: NIR spikes are binary, issue #70), MaxPool2d (no NIR node), a
LIF with ``tau = inf``, any other layer. docs/nir.md shows the NIR compositions that would be
needed and their limits.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from refsnn import validation
from refsnn.neurons import IF, LIF, PLIF, MTNeuron, MultiThreshold, Ternary
from refsnn.nir._require import nir
from refsnn.nn import (
    AvgPool2d,
    BatchNorm,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    NeuronLayer,
    Sequential,
)

REFUSED = {
    Ternary: "its spikes are signed and scaled (-a, 0, +a); NIR spikes are binary "
             "(multi-level or valued spikes: NIR issue #70)",
    MultiThreshold: "its spikes are multi-level (0..D); NIR spikes are binary (NIR issue #70)",
    MTNeuron: "its spikes are multi-level (sums of K amplitudes); NIR spikes are binary "
              "(NIR issue #70)",
}


def export(sequential: Sequential, *, dt: float, input_shape: tuple | None = None) -> object:
    """The ``nir.NIRGraph`` of ``sequential``: ``input -> 0_<layer> -> 1_<layer> ... ->
    output`` (layers named by their index in ``sequential``, after folding BatchNorm).

    dt: the time step one refsnn step stands for (> 0), written to ``metadata["dt"]``.
    input_shape: one sample's shape without T and B; needed unless the first layer is a
        Linear (its ``in_features``).
    """
    if not isinstance(sequential, Sequential):
        raise ValueError(f"sequential: expected a refsnn.nn.Sequential, "
                         f"got {type(sequential).__name__}")
    dt = validation.real_scalar("dt", dt, minimum=0.0, inclusive=False)
    for i, (layer, after) in enumerate(zip(sequential.layers, sequential.layers[1:] + [None],
                                           strict=True)):
        if isinstance(after, BatchNorm) and not isinstance(layer, Linear | Conv2d):
            raise ValueError(f"layer {i + 1} (BatchNorm): expected to follow a Linear or "
                             f"Conv2d to be folded into it, got {type(layer).__name__}")
    net = sequential.fold_batchnorm()
    shape = _input_shape(net, input_shape)
    dtype = _dtype(net)
    module = nir()
    nodes, shapes = {"input": module.Input(input_type=np.array(shape))}, [shape]
    for i, layer in enumerate(net.layers):
        node = _node(module, i, layer, shapes[-1], dt, dtype)
        if node is not None:
            nodes[f"{i}_{type(layer).__name__.lower()}"] = node
            shapes.append(_output_shape(layer, shapes[-1], dtype))
    nodes["output"] = module.Output(output_type=np.array(shapes[-1]))
    names = list(nodes)
    exact = all(node.metadata.get("exact", True) for node in nodes.values())
    initial = "reset" if any(isinstance(n, module.IF | module.LIF) and np.any(n.v_reset != 0)
                             for n in nodes.values()) else "zero"
    return module.NIRGraph(nodes=nodes, edges=list(zip(names, names[1:], strict=False)),
                           metadata={"dt": dt, "initial": initial, "exact": exact,
                                     "exporter": "refsnn"})


def _input_shape(net: Sequential, input_shape: tuple | None) -> tuple:
    if input_shape is not None:
        shape = tuple(input_shape)
        for n in shape:
            validation.integer("input_shape", n, minimum=1)
        return shape
    first = net.layers[0] if net.layers else None
    if isinstance(first, Linear):
        return (first.in_features,)
    raise ValueError("input_shape: expected one sample's shape (without T and B), needed "
                     f"because the first layer is {type(first).__name__}, got None")


def _dtype(net: Sequential) -> np.dtype:
    """The network's dtype: its weights' (float64 if it has none)."""
    dtypes = {p.value.dtype for name, p in net.parameters().items()
              if name.endswith(("weight", "bias"))}
    return dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float64)


def _output_shape(layer, shape: tuple, dtype: np.dtype) -> tuple:
    """The shape of one sample after ``layer`` (a stateless layer is run on zeros)."""
    if layer.temporal:
        return shape
    return layer.forward(np.zeros((1, *shape), dtype)).shape[1:]


def _node(module, i: int, layer, shape: tuple, dt: float, dtype: np.dtype):
    """The NIR node of one layer (None: dropped), or an error naming the layer and why."""
    where = f"layer {i} ({layer!r})"
    if isinstance(layer, Dropout):
        return None
    if isinstance(layer, Linear):
        weight = layer.weight.value.copy()
        return module.Linear(weight) if layer.bias is None else \
            module.Affine(weight, layer.bias.value.copy())
    if isinstance(layer, Conv2d):
        bias = layer.bias.value.copy() if layer.bias is not None else \
            np.zeros(layer.out_channels, dtype)
        return module.Conv2d(input_shape=tuple(shape[1:]), weight=layer.weight.value.copy(),
                             stride=layer.stride, padding=layer.padding, dilation=(1, 1),
                             groups=1, bias=bias)
    if isinstance(layer, AvgPool2d):
        return module.AvgPool2d(kernel_size=np.array(layer.kernel_size),
                                stride=np.array(layer.stride), padding=np.array((0, 0)))
    if isinstance(layer, Flatten):
        return module.Flatten(input_type={"input": np.array(shape)}, start_dim=0, end_dim=-1)
    if isinstance(layer, MaxPool2d):
        raise ValueError(f"{where}: cannot be exported: NIR has no max-pooling node "
                         "(AvgPool2d and SumPool2d only)")
    if isinstance(layer, NeuronLayer):
        return _neuron(module, where, layer.neuron, shape, dt, dtype)
    raise ValueError(f"{where}: cannot be exported: expected Linear, Conv2d, AvgPool2d, "
                     "Flatten, BatchNorm, Dropout or a NeuronLayer of IF / LIF / PLIF, got "
                     f"{type(layer).__name__}")


def refusal(neuron) -> str | None:
    """Why ``neuron`` cannot be exported to NIR, or None if it can."""
    for kind, reason in REFUSED.items():
        if isinstance(neuron, kind):
            return reason
    if not isinstance(neuron, IF | LIF | PLIF):
        return f"expected an IF, LIF or PLIF neuron, got {type(neuron).__name__}"
    if neuron.v_reset is None:
        return ("a soft reset (V = H - S v_threshold) has no NIR form: NIR resets only to "
                "v_reset (a Reset node is proposed in NIR issue #137); use v_reset=<value>")
    if not isinstance(neuron, IF) and neuron.leak_rate() == 0.0:
        return "tau = inf (no leak) has no NIR LIF form (a finite tau is required); use IF"
    return None


def _neuron(module, where: str, neuron, shape: tuple, dt: float, dtype: np.dtype):
    """IF / LIF / PLIF with a hard reset as the NIR node the interpreter runs identically."""
    reason = refusal(neuron)
    if reason is not None:
        raise ValueError(f"{where}: cannot be exported: {reason}")
    full = lambda value: np.full(shape, value, dtype)  # noqa: E731
    threshold = neuron.v_threshold if neuron.compare == ">" else \
        float(np.nextafter(dtype.type(neuron.v_threshold), dtype.type(-np.inf)))
    common = {"v_threshold": full(threshold), "v_reset": full(neuron.v_reset)}
    if isinstance(neuron, IF):
        r, exact = _solve(lambda r: r * dt, 1.0, 1.0 / dt, dtype)
        node = module.IF(r=np.full(shape, r), **common)  # float64, as searched
    else:
        k = neuron.leak_rate()
        tau, exact = _solve(lambda tau: dt / tau, k, dt / k, dtype)
        r, exact_r = (1.0, True) if neuron.decay_input else \
            _solve(lambda r: r * (dt / tau), 1.0, tau / dt, dtype)
        exact = exact and exact_r
        node = module.LIF(tau=np.full(shape, tau), r=np.full(shape, r),
                          v_leak=full(neuron.v_reset), **common)
    if not exact:
        warnings.warn(f"{where}: no float64 tau / r reproduces refsnn's leak rate and unit input "
                      f"gain exactly at dt = {dt} in {dtype}; the nearest is off by one ulp, so "
                      "the membranes agree to rounding (and a spike exactly at a tie may "
                      "differ)", stacklevel=3)
    node.metadata = {"exact": exact}
    return node


def _solve(f, target: float, guess: float, dtype: np.dtype) -> tuple[float, bool]:
    """The float64 ``x`` nearest ``guess`` (within 64 ulps either side) for which ``f(x)``,
    rounded to ``dtype``, equals ``target`` rounded to ``dtype`` (the interpreter computes
    ``f`` in float64 and casts it to the input dtype); ``(x, True)``, or the ``x`` with the
    closest ``f(x)`` and False."""
    cast = np.dtype(dtype).type
    candidates = [guess]
    up = down = guess
    for _ in range(64):
        up, down = math.nextafter(up, math.inf), math.nextafter(down, -math.inf)
        candidates += [up, down]
    for x in candidates:
        if cast(f(x)) == cast(target):
            return x, True
    return min(candidates, key=lambda x: abs(f(x) - target)), False
