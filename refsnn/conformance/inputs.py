"""Input generators for the conformance cases: ``x``, ``v0`` and upstream gradients.

Every generator draws the per-step charge increment ``u`` in units of the threshold and feeds
``x = u / gain`` (``gain = dH/dX``: ``1/tau`` with ``decay_input``, else 1), so that every
neuron fires at a similar rate whatever its charge form. Ternary neurons get increments
symmetric about 0, so that they emit negative spikes too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from refsnn.neurons import Neuron, Ternary
from refsnn.neurons.wrapped import WrappedNeuron

STEPS, SHAPE = 16, (3, 4)
"""Every case runs x[16, 3, 4]: 12 neurons for 16 steps."""


class Inputs(NamedTuple):
    """One case's data, all float64: x[T, ...], v0[...] and dL/dO, dL/dV [T, ...]."""

    x: np.ndarray
    v0: np.ndarray
    grad_spikes: np.ndarray
    grad_v: np.ndarray


def _threshold(neuron: Neuron) -> float:
    return (neuron.neuron if isinstance(neuron, WrappedNeuron) else neuron).v_threshold


def _signed(neuron: Neuron) -> bool:
    return isinstance(neuron, Ternary)


def _to_input(neuron: Neuron, u: np.ndarray) -> np.ndarray:
    """The input whose charge increment is ``u`` thresholds (exact for gains 1, 1/2, 1/4)."""
    k, _, decay_input = neuron.charge_params()
    gain = k if decay_input else 1.0
    return u * _threshold(neuron) / gain


def drive(neuron: Neuron, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Increments uniform in [-1/2, 1) thresholds (ternary: [-1, 1)), so ``H < 2 v_th`` after a
    soft reset; ``v0`` uniform in [-1/2, 1/2) thresholds."""
    low = -1.0 if _signed(neuron) else -0.5
    u = rng.uniform(low, 1.0, (STEPS, *SHAPE))
    return _to_input(neuron, u), rng.uniform(-0.5, 0.5, SHAPE) * _threshold(neuron)


def grid(neuron: Neuron, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Increments in [-1/2, 1] thresholds (ternary: [-1, 1]) and ``v0`` in [-1/2, 1/2], all on
    multiples of a quarter threshold: with a dyadic threshold and
    ``1/tau`` in {0, 1/2, 1/4} every membrane is exact and lands on the threshold itself, so
    the ``>=`` / ``>`` convention decides spikes."""
    low = -4 if _signed(neuron) else -2
    u = rng.integers(low, 5, (STEPS, *SHAPE)) / 4.0
    return _to_input(neuron, u), rng.integers(-2, 3, SHAPE) / 4.0 * _threshold(neuron)


def strong(neuron: Neuron, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Increments uniform in [0, 3) thresholds (ternary: [-3, 3)): ``H`` exceeds ``2 v_th``, so
    a soft reset leaves the membrane above the threshold."""
    low = -3.0 if _signed(neuron) else 0.0
    u = rng.uniform(low, 3.0, (STEPS, *SHAPE))
    return _to_input(neuron, u), np.zeros(SHAPE)


def v0_above(neuron: Neuron, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The ``drive`` increments from an initial membrane in [1.25, 2) thresholds."""
    x, _ = drive(neuron, rng)
    return x, rng.uniform(1.25, 2.0, SHAPE) * _threshold(neuron)


def zero(neuron: Neuron, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """No input, from the rest potential: nothing may fire."""
    return np.zeros((STEPS, *SHAPE)), np.full(SHAPE, neuron.rest_potential)


GENERATORS: dict[str, Callable] = {"drive": drive, "grid": grid, "strong": strong,
                                   "v0-above": v0_above, "zero": zero}
"""Generator name (as in case ids) -> ``(neuron, rng) -> (x, v0)``."""


def generate(name: str, neuron: Neuron, seed: int) -> Inputs:
    """The named generator's data for ``neuron``, with standard normal upstream gradients, all
    from ``numpy.random.default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    x, v0 = GENERATORS[name](neuron, rng)
    grad_spikes, grad_v = rng.normal(size=(2, *x.shape))
    return Inputs(x, v0, grad_spikes, grad_v)
