"""The thresholds of a spike kind one by one: how many there are, and the fire function with
the other compare convention at one of them only.

An exact golden case is kept only if each of its neuron's thresholds decides some spike
(refsnn.golden.tolerances.every_threshold_hit), and the mutation test plants the one-threshold
compare bug (refsnn.golden.mutants). Threshold ``j`` of each kind, in the kind's own order:

    binary          0: v_th
    ternary         0: +v_th,  1: -v_th
    multithreshold      i - 1: i v_th                  (i = 1..D)
    mtsnn           j: thresholds[j] (parallel: compared with H; cascade: with the residual)

With the other compare at threshold ``j``, the binary step there changes exactly where its
argument is 0, which changes O by that step's weight (binary, multithreshold: 1; ternary: +a at
+v_th, -a at -v_th). For ``mtsnn`` the threshold is moved by one unit in the last place instead
(up for ``>=``, down for ``>``), which is the other compare for every membrane that is not
strictly between the two (none is in an exact case), also inside a cascade's residual chain.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import numpy as np

from refsnn.neurons import Neuron
from refsnn.neurons.kinds import binary, mtsnn, multithreshold, ternary

_COUNTS = {binary: lambda p: 1, ternary: lambda p: 2, multithreshold: lambda p: p.levels,
           mtsnn: lambda p: len(p.thresholds)}


def count(neuron: Neuron) -> int:
    """The number of thresholds of ``neuron``'s spike kind."""
    if neuron.kind not in _COUNTS:
        raise ValueError(f"neuron: expected a spike kind that refsnn.golden.thresholds knows "
                         f"{sorted(k.__name__ for k in _COUNTS)}, got {neuron.kind.__name__}")
    return _COUNTS[neuron.kind](neuron.kind_params(np.float64))


def flipped(kind: ModuleType, j: int, fire: Callable | None = None) -> Callable:
    """``fire(h, p)`` of the spike ``kind`` with the other compare convention at threshold
    ``j`` only, built on ``fire`` (default: the kind's)."""
    fire = fire or kind.fire
    if kind is mtsnn:
        return lambda h, p: fire(h, p._replace(thresholds=_moved(p, j)))

    def fire_flipped(h, p):
        u, weight = _step(kind, h, p, j)
        sign = -1.0 if p.fire_at_zero else 1.0  # ">=" counted u = 0; ">" did not
        return fire(h, p) + sign * weight * (u == 0)

    return fire_flipped


def _step(kind, h, p, j: int) -> tuple[np.ndarray, float]:
    """Threshold ``j``'s step argument (the step fires at ``u >= 0`` or ``u > 0``) and its
    weight in O."""
    if kind is binary:
        return h - p.v_threshold, 1.0
    if kind is ternary:
        return ((h - p.v_threshold, p.amplitude) if j == 0
                else (-h - p.v_threshold, -p.amplitude))
    level = p.v_threshold  # multithreshold: accumulated as the kind does, v_(i+1) = v_i + v_th
    for _ in range(j):
        level = level + p.v_threshold
    return h - level, 1.0


def _moved(p, j: int) -> np.ndarray:
    thresholds = p.thresholds.copy()
    thresholds[j] = np.nextafter(thresholds[j], np.inf if p.fire_at_zero else -np.inf)
    return thresholds
