"""A drawn example's id in the conformance case family, so expectation files apply to it.

``refsnn fuzz`` names every example ``<neuron>/<inputs>/fuzz`` with the naming of
refsnn/cases/conformance.py, and judges a disagreement with the same entries
(refsnn.conformance.expectations, matched by id prefix): an entry ``IF-soft-gt/strong/``
covers a drawn soft-reset IF with ``compare=">"`` on strong inputs, ``IF-`` every IF.

Neuron part: the model and charge form (``IF``, ``LIF-decay``, ``PLIF-nodecay``, ...), the reset
(``soft``; ``hard`` to 0, ``hard-neg`` / ``hard-pos`` to another value), for a Ternary
``-amp<a>`` (amplitude other than 1) and ``-centre0`` (surrogate at zero), for a MultiThreshold
``-D<levels>`` and the derivative if not "sum", for an MTNeuron ``<mode>-K<levels>`` first,
then the compare (``ge`` / ``gt``), ``-detached``, and ``~<surrogate>`` if it is not the default
``sigmoid(4)``: e.g. ``Ternary-LIF-decay-hard-ge``, ``MultiThreshold-IF-soft-D3-ge~gaussian(2)``.

Inputs part, from the increments ``u`` (in thresholds; refsnn.fuzz.draw) and ``v0``, the first
that applies: ``zero`` (no input, from rest), ``v0-above`` (an initial membrane at or above
the threshold), ``strong`` (an increment above one threshold in magnitude), ``grid`` (every
increment and ``v0`` a quarter multiple of the threshold, up to rounding), else ``drive``.
"""

from __future__ import annotations

import numpy as np

from refsnn.cases.conformance import surrogate_id
from refsnn.cases.inputs import Inputs
from refsnn.fuzz.draw import gain
from refsnn.neurons import IF, LIF, MTNeuron, MultiThreshold, Neuron, Ternary


def _charge(base: Neuron) -> str:
    if isinstance(base, IF):
        return "IF"
    model = "LIF" if isinstance(base, LIF) else "PLIF"
    return f"{model}-{'decay' if base.decay_input else 'nodecay'}"


def _reset(base: Neuron) -> str:
    if base.v_reset is None:
        return "soft"
    return "hard" if base.v_reset == 0 else ("hard-neg" if base.v_reset < 0 else "hard-pos")


def _kind(neuron: Neuron) -> tuple[str, str]:
    """The kind's prefix and its parameters' suffix."""
    if isinstance(neuron, Ternary):
        amplitude = "" if neuron.amplitude == 1 else f"-amp{neuron.amplitude:g}"
        centre = "" if neuron.surrogate_centre == "thresholds" else "-centre0"
        return "Ternary-", amplitude + centre
    if isinstance(neuron, MultiThreshold):
        derivative = "" if neuron.derivative == "sum" else f"-{neuron.derivative}"
        return "MultiThreshold-", f"-D{neuron.levels}{derivative}"
    if isinstance(neuron, MTNeuron):
        return f"MTNeuron-{neuron.mode}-K{neuron.levels}-", ""
    return "", ""


def neuron_id(neuron: Neuron) -> str:
    """The neuron part of the id (module docstring)."""
    base = getattr(neuron, "neuron", neuron)
    prefix, suffix = _kind(neuron)
    compare = "ge" if base.compare == ">=" else "gt"
    detached = "-detached" if base.detach_reset else ""
    surrogate = surrogate_id(base.surrogate)
    tag = "" if surrogate == "sigmoid(4)" else f"~{surrogate}"
    return f"{prefix}{_charge(base)}-{_reset(base)}{suffix}-{compare}{detached}{tag}"


def inputs_id(neuron: Neuron, data: Inputs) -> str:
    """The inputs part of the id (module docstring)."""
    v_th = getattr(neuron, "neuron", neuron).v_threshold
    u, v0 = data.x * gain(neuron) / v_th, data.v0 / v_th
    if not u.any() and np.all(data.v0 == neuron.rest_potential):
        return "zero"
    if np.any(v0 >= _lowest(neuron)):
        return "v0-above"
    if np.any(np.abs(u) > 1):
        return "strong"
    quarters = 4 * np.concatenate([u.ravel(), v0.ravel()])
    on_grid = np.allclose(quarters, np.round(quarters), rtol=1e-12, atol=1e-12)
    return "grid" if on_grid else "drive"


def _lowest(neuron: Neuron) -> float:
    """The lowest positive threshold, in units of the base threshold."""
    return min(neuron.thresholds) if isinstance(neuron, MTNeuron) else 1.0


def case_id(neuron: Neuron, data: Inputs) -> str:
    """``<neuron>/<inputs>/fuzz``."""
    return f"{neuron_id(neuron)}/{inputs_id(neuron, data)}/fuzz"
