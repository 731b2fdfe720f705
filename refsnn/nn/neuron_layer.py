"""NeuronLayer: any refsnn neuron as a layer, its scalars learnable."""

from __future__ import annotations

import dataclasses

import numpy as np

from refsnn import validation
from refsnn.neurons import Neuron, WrappedNeuron
from refsnn.neurons.base import BACKENDS
from refsnn.nn.layer import Layer, float_array, gradient
from refsnn.nn.parameter import Parameter

DEFAULT_LEARN = ("w", "amplitude")
"""Learned unless ``learn`` says otherwise: PLIF's ``w`` (Fang et al. 2021 learn it) and the
ternary amplitude (Guo et al. 2024 learn it); thresholds and a LIF's ``tau`` stay fixed, as
in SpikingJelly's and snnTorch's defaults."""

MIN_AMPLITUDE = MIN_THRESHOLD_MARGIN = 1e-3
"""How close to its bound an optimizer step may take a positive scalar (the projection of
:meth:`refsnn.nn.Parameter.project`)."""


def get_param(neuron: Neuron, name: str) -> float:
    """The scalar ``name`` of ``neuron`` or of the neuron it wraps (``neuron.neuron``)."""
    if name in {f.name for f in dataclasses.fields(neuron)}:
        return getattr(neuron, name)
    if isinstance(neuron, WrappedNeuron):
        return get_param(neuron.neuron, name)
    raise ValueError(f"name: {type(neuron).__name__} has no scalar {name!r}")


def with_param(neuron: Neuron, name: str, value: float) -> Neuron:
    """A copy of ``neuron`` with the scalar ``name`` (its own or its wrapped neuron's) set."""
    if name in {f.name for f in dataclasses.fields(neuron)}:
        return dataclasses.replace(neuron, **{name: value})
    return dataclasses.replace(neuron, neuron=with_param(neuron.neuron, name, value))


def learnable_names(neuron: Neuron) -> tuple[str, ...]:
    """The scalars whose gradients ``neuron.backward`` reports (a one-step probe)."""
    trace = neuron.forward(np.zeros((1, 1)), backend="numpy")
    return tuple(neuron.backward(trace, np.zeros((1, 1)), backend="numpy").params)


def lower_bound(neuron: Neuron, name: str) -> float | None:
    """Where the optimizer projects the scalar ``name``: ``tau >= 1``; ``amplitude`` and
    ``v_threshold`` positive and (the threshold) above ``|v_reset|`` by a margin (the
    constraint of a ternary neuron; conservative for a binary one with ``v_reset < 0``)."""
    if name == "tau":
        return 1.0
    if name == "amplitude":
        return MIN_AMPLITUDE
    if name == "v_threshold":
        v_reset = get_param(neuron, "v_reset")
        return MIN_THRESHOLD_MARGIN + (0.0 if v_reset is None else abs(v_reset))
    return None


class NeuronLayer(Layer):
    """A spiking layer: ``O = neuron.forward(x).spikes`` over a run ``x[T, B, ...]`` (one neuron
    per element of ``x[0]``, every run starting from the neuron's rest potential), backward
    by the neuron's BPTT (:meth:`refsnn.neurons.Neuron.backward`).

    The neuron's scalars named in ``learn`` are :class:`Parameter` s (0-d float64 arrays, one
    per layer, no weight decay, projected onto their valid range after every optimizer step,
    see :func:`lower_bound`); their gradients, summed over all neurons, steps and samples, are
    the ``params`` that ``Neuron.backward`` returns. :attr:`neuron` is the neuron with their
    current values.

    learn: ``"default"`` (those of :data:`DEFAULT_LEARN` the neuron has), ``"all"`` (every
        scalar the neuron's backward reports: ``v_threshold``, ``tau`` or ``w``,
        ``amplitude``...), or a tuple of names.
    backend: ``"numba"`` (default) or ``"numpy"`` (the reference), for forward and backward.
    smooth: run the neuron in its smooth test mode (needs ``backend="numpy"``), in which the
        network is an ordinary differentiable function (how the tests check BPTT).
    The last forward's :class:`refsnn.neurons.Trace` is kept as :attr:`trace` (membrane
    potentials for plots).
    """

    temporal = True

    def __init__(self, neuron: Neuron, *, learn: str | tuple[str, ...] = "default",
                 backend: str = "numba", smooth: bool = False) -> None:
        if not isinstance(neuron, Neuron):
            raise ValueError(f"neuron: expected a refsnn neuron (e.g. refsnn.LIF()), "
                             f"got {type(neuron).__name__}")
        validation.choice("backend", backend, tuple(BACKENDS))
        self.backend, self.smooth = backend, validation.flag("smooth", smooth)
        if self.smooth and backend != "numpy":
            raise ValueError(f"smooth: expected False with backend={backend!r} (the smooth "
                             "test mode is implemented by the NumPy reference only), got True")
        available = learnable_names(neuron)
        if learn == "default":
            learn = tuple(name for name in DEFAULT_LEARN if name in available)
        elif learn == "all":
            learn = available
        elif not isinstance(learn, tuple) or not set(learn) <= set(available):
            raise ValueError(f"learn: expected 'default', 'all' or a tuple of names from "
                             f"{available}, got {learn!r}")
        self._base = neuron
        self.scalars = {name: Parameter(np.array(float(get_param(neuron, name))),
                                        minimum=lower_bound(neuron, name)) for name in learn}
        self.trace = None

    @property
    def neuron(self) -> Neuron:
        """The neuron with the learnable scalars' current values."""
        neuron = self._base
        for name, p in self.scalars.items():
            neuron = with_param(neuron, name, float(p.value))
        return neuron

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, None, rank=tuple(range(2, 33)), shape="[T, B, ...]")
        self._used = self.neuron
        self.trace = self._used.forward(x, backend=self.backend, smooth=self.smooth)
        return self.trace.spikes

    def backward(self, grad: np.ndarray) -> np.ndarray:
        trace = self._cached("trace")
        grad = gradient("grad", grad, trace.x.shape, trace.x.dtype)
        grads = self._used.backward(trace, grad, backend=self.backend)
        for name, p in self.scalars.items():
            p.grad += grads.params[name]
        return grads.x

    def parameters(self) -> dict[str, Parameter]:
        return dict(self.scalars)

    def __repr__(self) -> str:
        return f"NeuronLayer({self.neuron!r}, learn={tuple(self.scalars)})"
