"""The input generators of every case: ``x``, ``v0`` and the upstream gradients.

A case names its inputs by one of two kinds of generator, both with the method
``data(neuron, shape, dtype, stem, attempt) -> Inputs``:

:class:`Draw` (the golden families)
    ``x`` and ``v0`` uniform in ranges given in units of the threshold, the upstream gradients
    uniform in [-1, 1), from a seed that depends only on the case's name and the attempt
    (:func:`seed`): a golden case whose draw does not make a clean test takes the next one.
    Only PCG64's raw 64-bit stream is used (a uniform double from each word's top 53 bits):
    NumPy keeps that stream fixed across versions, which it does not promise for its
    distributions, so the same name draws the same inputs wherever the generator runs.
:class:`Generator` (the conformance family)
    One of the named generators of :data:`GENERATORS` (``drive``, ``grid``, ``strong``,
    ``v0-above``, ``zero``; the middle part of a conformance case id) with a fixed seed, standard
    normal upstream gradients, all from ``numpy.random.default_rng(seed)``. Every generator
    draws the per-step charge increment ``u`` in units of the threshold and feeds ``x = u /
    gain`` (``gain = dH/dX``: ``1/tau`` with ``decay_input``, else 1), so that every neuron fires
    at a similar rate whatever its charge form. Ternary neurons get increments symmetric about
    0, so that they emit negative spikes too. ``v0`` is drawn in units of the threshold too, and
    an MTNeuron's is moved down by ``1 - rho_min`` thresholds (``rho_min``: its lowest ratio),
    so that it lies as far below its lowest threshold as a binary neuron's below its own.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from refsnn.neurons import MTNeuron, Neuron, Ternary, WrappedNeuron


class Inputs(NamedTuple):
    """One case's data: x[T, ...], v0[...] and dL/dO, dL/dV [T, ...], of the case's dtype."""

    x: np.ndarray
    v0: np.ndarray
    grad_spikes: np.ndarray
    grad_v: np.ndarray


def base_threshold(neuron: Neuron) -> float:
    """The neuron's base threshold (a wrapped neuron's is its charge neuron's)."""
    return (neuron.neuron if isinstance(neuron, WrappedNeuron) else neuron).v_threshold


# --- Draw: the golden families' inputs --------------------------------------------------------

def seed(stem: str, attempt: int) -> int:
    """The seed of a case's ``attempt``-th draw: the first 8 bytes of sha256("<stem>#<n>")."""
    digest = hashlib.sha256(f"{stem}#{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def uniform(bits: np.random.PCG64, low: float, high: float, shape: tuple) -> np.ndarray:
    """Float64 values uniform in ``[low, high)``, from the next words of ``bits``."""
    words = bits.random_raw(math.prod(shape)) if shape else bits.random_raw()
    unit = (np.asarray(words, dtype=np.uint64) >> np.uint64(11)) * 2.0**-53
    return (low + (high - low) * unit).reshape(shape)


@dataclass(frozen=True)
class Draw:
    """How a case's inputs are drawn, in units of the threshold ``v_th``.

    ``x`` uniform in ``[low, high) v_th`` (all zero with ``zero_input``); ``v0`` per neuron
    uniform in ``[v0_low, v0_high) v_th``; the upstream ``grad_spikes`` and ``grad_v`` uniform
    in [-1, 1). With ``dyadic``, ``x`` and ``v0`` are rounded down to multiples of ``v_th/8``,
    so that with a dyadic ``v_th`` (e.g. 1, 1.5) and a leak rate of 0, 1/2 or 3/4 every step of
    the forward pass is exact arithmetic; with ``dyadic_grads`` the upstream gradients are
    rounded down to multiples of 1/8 too, so that, with a piecewise-linear surrogate and dyadic
    parameters, so is every step of the backward pass.
    """

    low: float = -0.5
    high: float = 1.5
    v0_low: float = -0.5
    v0_high: float = 0.9
    dyadic: bool = False
    zero_input: bool = False
    dyadic_grads: bool = False

    def inputs(self, shape: tuple, v_threshold: float, dtype: str, case_seed: int) -> dict:
        """``x``, ``v0``, ``grad_spikes`` and ``grad_v`` of ``dtype`` for ``x.shape == shape``."""
        bits = np.random.PCG64(case_seed)
        x = uniform(bits, self.low, self.high, shape) * v_threshold
        v0 = uniform(bits, self.v0_low, self.v0_high, shape[1:]) * v_threshold
        if self.dyadic:
            x, v0 = (np.floor(a * 8 / v_threshold) * v_threshold / 8 for a in (x, v0))
        if self.zero_input:
            x = np.zeros(shape)
        grads = {key: uniform(bits, -1.0, 1.0, shape) for key in ("grad_spikes", "grad_v")}
        if self.dyadic_grads:
            grads = {key: np.floor(a * 8) / 8 for key, a in grads.items()}
        return {key: np.asarray(a, dtype=dtype) for key, a in
                {"x": x, "v0": v0, **grads}.items()}

    def data(self, neuron: Neuron, shape: tuple, dtype: str, stem: str, attempt: int) -> Inputs:
        """The ``attempt``-th draw of the case named ``stem`` (without its dtype)."""
        float64_threshold = float(neuron.kind_params(np.float64).v_threshold)
        return Inputs(**self.inputs(shape, float64_threshold, dtype, seed(stem, attempt)))


# --- Generator: the conformance family's named inputs -----------------------------------------

def _signed(neuron: Neuron) -> bool:
    return isinstance(neuron, Ternary)


def _to_v0(neuron: Neuron, units: np.ndarray) -> np.ndarray:
    """The initial membrane ``units`` thresholds (an MTNeuron's: below its lowest threshold
    by as much)."""
    shift = min(neuron.thresholds) - 1.0 if isinstance(neuron, MTNeuron) else 0.0
    return (units + shift) * base_threshold(neuron)


def _to_input(neuron: Neuron, u: np.ndarray) -> np.ndarray:
    """The input whose charge increment is ``u`` thresholds (exact for gains 1, 1/2, 1/4)."""
    k, _, decay_input = neuron.charge_params()
    gain = k if decay_input else 1.0
    return u * base_threshold(neuron) / gain


def drive(neuron: Neuron, rng: np.random.Generator, shape: tuple) -> tuple:
    """Increments uniform in [-1/2, 1) thresholds (ternary: [-1, 1)), so ``H < 2 v_th`` after a
    soft reset; ``v0`` uniform in [-1/2, 1/2) thresholds."""
    low = -1.0 if _signed(neuron) else -0.5
    u = rng.uniform(low, 1.0, shape)
    return _to_input(neuron, u), _to_v0(neuron, rng.uniform(-0.5, 0.5, shape[1:]))


def grid(neuron: Neuron, rng: np.random.Generator, shape: tuple) -> tuple:
    """Increments in [-1/2, 1] thresholds (ternary: [-1, 1]) and ``v0`` in [-1/2, 1/2], all on
    multiples of a quarter threshold: with a dyadic threshold and
    ``1/tau`` in {0, 1/2, 1/4} every membrane is exact and lands on the threshold itself, so
    the ``>=`` / ``>`` convention decides spikes."""
    low = -4 if _signed(neuron) else -2
    u = rng.integers(low, 5, shape) / 4.0
    return _to_input(neuron, u), _to_v0(neuron, rng.integers(-2, 3, shape[1:]) / 4.0)


def strong(neuron: Neuron, rng: np.random.Generator, shape: tuple) -> tuple:
    """Increments uniform in [0, 3) thresholds (ternary: [-3, 3)): ``H`` exceeds ``2 v_th``, so
    a soft reset leaves the membrane above the threshold."""
    low = -3.0 if _signed(neuron) else 0.0
    u = rng.uniform(low, 3.0, shape)
    return _to_input(neuron, u), np.zeros(shape[1:])


def v0_above(neuron: Neuron, rng: np.random.Generator, shape: tuple) -> tuple:
    """The ``drive`` increments from an initial membrane in [1.25, 2) thresholds."""
    x, _ = drive(neuron, rng, shape)
    return x, _to_v0(neuron, rng.uniform(1.25, 2.0, shape[1:]))


def zero(neuron: Neuron, rng: np.random.Generator, shape: tuple) -> tuple:
    """No input, from the rest potential: nothing may fire."""
    return np.zeros(shape), np.full(shape[1:], neuron.rest_potential)


GENERATORS: dict[str, Callable] = {"drive": drive, "grid": grid, "strong": strong,
                                   "v0-above": v0_above, "zero": zero}
"""Generator name (as in conformance case ids) -> ``(neuron, rng, shape) -> (x, v0)``."""


@dataclass(frozen=True)
class Generator:
    """The named generator ``name`` of :data:`GENERATORS`, seeded with ``seed``."""

    name: str
    seed: int

    def __post_init__(self) -> None:
        if self.name not in GENERATORS:
            raise ValueError(f"name: expected one of {sorted(GENERATORS)}, got {self.name!r}")

    def data(self, neuron: Neuron, shape: tuple, dtype: str, stem: str, attempt: int) -> Inputs:
        """The generator's data for ``neuron`` with standard normal upstream gradients, all
        from ``numpy.random.default_rng(seed + attempt)`` (``stem`` is not used: the seed is
        the generator's own)."""
        rng = np.random.default_rng(self.seed + attempt)
        x, v0 = GENERATORS[self.name](neuron, rng, shape)
        grad_spikes, grad_v = rng.normal(size=(2, *x.shape))
        return Inputs(*(np.asarray(a, dtype=dtype) for a in (x, v0, grad_spikes, grad_v)))
