"""Targets: other implementations the spec suite and ``refsnn conformance`` run against.

A target is a module ``refsnn/targets/<name>.py`` exposing (docs/targets.md has the details):

    NAME: str                                    the name ``--target`` selects
    VERSION: str                                 the framework and version it drives
    supports(neuron) -> str | None               None if the target can express this refsnn
                                                 neuron exactly, else the reason it cannot
    forward(neuron, x, v0) -> (spikes, h, v)     float64 NumPy arrays [T, ...]; ``h`` (the
                                                 membrane before reset) is None where the
                                                 framework does not expose it
    backward(neuron, x, v0, grad_spikes, grad_v) -> (grad_x, grad_v0, params)
                                                 the gradients of L = sum(grad_spikes * spikes)
                                                 + sum(grad_v * v) by the framework's own
                                                 autograd; ``grad_v`` may be None; ``grad_v0``
                                                 is None where the initial membrane cannot carry
                                                 a gradient; ``params`` holds the learnable
                                                 scalars the framework exposes, under refsnn's
                                                 names ("v_threshold", "tau", "w")
    surrogate_derivative(surrogate, x) -> array  the target's dS/dx for this canonical
                                                 surrogate; NotImplementedError if it has none

``x`` is float64 ``[T, ...]`` and ``v0`` float64 of the neuron shape ``x.shape[1:]``. Targets
are only called with neurons they support. ``load`` imports one by name.
"""

from __future__ import annotations

import importlib
from types import ModuleType

TARGETS = ("refsnn", "refsnn_numpy", "spikingjelly", "snntorch", "norse", "sinabs")
"""Every target, by name: refsnn's own backends first, then the peers."""


def load(name: str) -> ModuleType:
    """The target module called ``name``; ValueError naming ``target`` if it is unknown or its
    framework cannot be imported."""
    if name not in TARGETS:
        raise ValueError(f"target: expected one of {TARGETS}, got {name!r}")
    try:
        return importlib.import_module(f"refsnn.targets.{name}")
    except ImportError as error:
        raise ValueError(f"target: {name!r} needs a framework that is not installed "
                         f"({error}); see the README for the install commands") from error
