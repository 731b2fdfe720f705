"""What ``refsnn fuzz`` draws: neuron specs a target supports, and inputs that probe them.

Neurons: a *skeleton* (every kind, charge form, reset, compare, reset gradient and surrogate,
at dyadic parameters) chosen among those ``target.supports``, ordered simplest first (binary IF
before LIF, ternary, MultiThreshold, MTNeuron), so that hypothesis shrinks towards it. Then
each continuous parameter (threshold, reset value, ``tau`` or ``w``, surrogate sharpness,
levels, amplitude) is kept or redrawn; a redrawn value the model or the target refuses is put
back, so no draw is ever rejected.

Inputs, in units of the threshold ``u`` (fed as ``x = u v_th / gain`` with ``gain = dH/dX``, so
that one step from 0 lands at ``H = u v_th``): zero, each threshold level of the neuron (both
signs), quarter multiples up to two thresholds above the top level (exact in binary, so sums
land exactly on thresholds), any float in that range, and extreme magnitudes (1e3 thresholds).
``v0``: the rest potential, a level, a quarter multiple (above the threshold too) or any
float. T from 1 to 16, or 64 (one example in 8). Upstream gradients: 0, +-1 or any float in [-2, 2].
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refsnn.cases.conformance import SINABS, SURROGATES
from refsnn.cases.inputs import Inputs
from refsnn.neurons import IF, LIF, PLIF, MTNeuron, MultiThreshold, Neuron, Ternary
from refsnn.neurons.kinds import multithreshold
from refsnn.surrogates import Sigmoid

POOL = (Sigmoid(alpha=4.0), *SURROGATES, SINABS)
"""The surrogates of the skeletons: refsnn's default first, then the conformance sweep."""

EXTREME = 1e3
"""The largest increment, in thresholds."""

LONG, LONG_ODDS = 64, 8
"""One example in ``LONG_ODDS`` runs ``LONG`` steps; the others 1 to 16."""


def _bases() -> list[Neuron]:
    """Every binary skeleton: charge form x reset x compare x reset gradient x surrogate."""
    charges = (IF(), LIF(tau=2.0), LIF(tau=2.0, decay_input=False), PLIF(w=0.0),
               PLIF(w=0.0, decay_input=False))
    return [dataclasses.replace(c, v_reset=reset, compare=compare, detach_reset=detach,
                                surrogate=surrogate)
            for c, reset, compare, detach, surrogate in itertools.product(
                charges, (None, 0.0, -0.25, 0.25), (">=", ">"), (False, True), POOL)]


def _kinds(base: Neuron) -> list[Neuron]:
    """``base`` itself and every multi-bit neuron built on it, at default parameters."""
    multi = [MultiThreshold(neuron=base, levels=2, derivative=d)
             for d in multithreshold.DERIVATIVES]
    return [base, Ternary(neuron=base), *multi, MTNeuron.parallel(base, 2),
            MTNeuron.cascade(base, 2)]


def skeletons(target, unsupported: bool = False) -> list[Neuron]:
    """The skeletons ``target`` supports (every one if ``unsupported``), simplest first."""
    kinds = zip(*(_kinds(base) for base in _bases()), strict=True)
    every = [neuron for kind in kinds for neuron in kind]
    return every if unsupported else [n for n in every if target.supports(n) is None]


def _base(neuron: Neuron) -> Neuron:
    return getattr(neuron, "neuron", neuron)


def with_base(neuron: Neuron, **changes) -> Neuron:
    """``neuron`` with ``changes`` made to its base IF / LIF / PLIF."""
    if neuron is _base(neuron):
        return dataclasses.replace(neuron, **changes)
    return dataclasses.replace(neuron, neuron=dataclasses.replace(neuron.neuron, **changes))


def _levels(neuron: Neuron, levels: int) -> Neuron:
    if isinstance(neuron, MultiThreshold):
        return dataclasses.replace(neuron, levels=levels)
    if isinstance(neuron, MTNeuron):
        return getattr(MTNeuron, neuron.mode)(neuron.neuron, levels)
    return neuron


def _amplitude(neuron: Neuron, amplitude: float) -> Neuron:
    return dataclasses.replace(neuron, amplitude=amplitude) if isinstance(neuron, Ternary) \
        else neuron


def _surrogate_alpha(neuron: Neuron, alpha: float) -> Neuron:
    return with_base(neuron, surrogate=dataclasses.replace(_base(neuron).surrogate, alpha=alpha))


def _redraws(neuron: Neuron) -> list[tuple]:
    """``(strategy, apply)`` per continuous parameter of ``neuron``."""
    base = _base(neuron)
    out = [(st.sampled_from([0.5, 0.75, 2.0, 0.7, 0.1, 1e-3, 1e3]) | st.floats(0.01, 100.0),
            lambda n, v: with_base(n, v_threshold=v))]
    if base.v_reset is not None:
        out.append((st.sampled_from([0.0, -0.5, 0.5]) | st.floats(-1.0, 0.9),
                    lambda n, r: with_base(n, v_reset=r * _base(n).v_threshold)))
    if isinstance(base, LIF):
        out.append((st.sampled_from([4.0, 1.5, 3.0]) | st.floats(1.01, 50.0),
                    lambda n, tau: with_base(n, tau=tau)))
    if isinstance(base, PLIF):
        out.append((st.floats(-3.0, 3.0), lambda n, w: with_base(n, w=w)))
    out.append((st.floats(0.25, 8.0), _surrogate_alpha))
    out.append((st.integers(1, 5), _levels))
    out.append((st.sampled_from([0.5, 2.0]) | st.floats(0.1, 4.0), _amplitude))
    return out


@st.composite
def neurons(draw, target, pool: list[Neuron], unsupported: bool = False) -> Neuron:
    """A skeleton of ``pool`` with each continuous parameter kept or redrawn (a redrawn value
    the model refuses, or the target does not support, is put back)."""
    neuron = draw(st.sampled_from(pool), label="skeleton")
    for strategy, apply in _redraws(neuron):
        value = draw(st.none() | strategy)
        if value is None:
            continue
        try:
            changed = apply(neuron, value)
        except ValueError:  # e.g. a v_reset above a multi-level neuron's lowest threshold
            continue
        if unsupported or target.supports(changed) is None:
            neuron = changed
    return neuron


def threshold_levels(neuron: Neuron) -> list[float]:
    """Where ``neuron`` fires, in units of its base threshold: 1; +-1 (ternary); 1..D
    (MultiThreshold); the ratios (MTNeuron)."""
    if isinstance(neuron, Ternary):
        return [1.0, -1.0]
    if isinstance(neuron, MultiThreshold):
        return [float(i) for i in range(1, neuron.levels + 1)]
    if isinstance(neuron, MTNeuron):
        return list(neuron.thresholds)
    return [1.0]


def gain(neuron: Neuron) -> float:
    """``dH/dX``: ``k`` with ``decay_input`` (and ``k > 0``), else 1."""
    k, _, decay_input = neuron.charge_params()
    return k if decay_input and k > 0 else 1.0


def _units(levels: list[float]) -> st.SearchStrategy:
    """Increments or membranes in thresholds: 0 first (what hypothesis shrinks to)."""
    top = max(max(levels), 1.0)
    bottom = -top if min(levels) < 0 else -1.0
    quarters = st.integers(int(4 * bottom) - 4, int(4 * top) + 8).map(lambda i: i / 4.0)
    return st.one_of(st.just(0.0), st.sampled_from(levels), quarters,
                     st.floats(bottom - 1.0, top + 2.0), st.sampled_from([EXTREME, -EXTREME]))


@st.composite
def inputs(draw, neuron: Neuron) -> Inputs:
    """``x``, ``v0`` and upstream gradients for ``neuron`` (module docstring)."""
    long = draw(st.integers(0, LONG_ODDS - 1), label="long T") == LONG_ODDS - 1
    steps = LONG if long else draw(st.integers(1, 16), label="T")
    shape = (steps, draw(st.integers(1, 3), label="neurons"))
    levels = threshold_levels(neuron)
    v_th = _base(neuron).v_threshold
    u = draw(hnp.arrays(np.float64, shape, elements=_units(levels)), label="u")
    v0_units = st.one_of(st.none(), st.sampled_from(levels), _units(levels))
    v0 = [draw(v0_units, label="v0") for _ in range(shape[1])]
    v0 = np.array([neuron.rest_potential if v is None else v * v_th for v in v0])
    grads = st.one_of(st.just(0.0), st.sampled_from([1.0, -1.0]), st.floats(-2.0, 2.0))
    grad_spikes = draw(hnp.arrays(np.float64, shape, elements=grads), label="grad_spikes")
    grad_v = draw(hnp.arrays(np.float64, shape, elements=grads), label="grad_v")
    return Inputs(u * v_th / gain(neuron), v0, grad_spikes, grad_v)


def examples(target, pool: list[Neuron], unsupported: bool = False) -> st.SearchStrategy:
    """``(neuron, inputs)`` pairs."""
    return neurons(target, pool, unsupported).flatmap(lambda n: st.tuples(st.just(n), inputs(n)))
