"""Hypothesis strategies shared by the spec suite: neurons with every option, and inputs.

:data:`STRATEGIES` is the registry the generic properties (spec_tests/test_properties.py) are
parametrised over, keyed like ``refsnn.neurons.NEURONS``; a test there fails if a registered
model has no strategy, so a new model cannot silently miss them.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
from hypothesis import strategies as st

from refsnn import IF, LIF, PLIF
from refsnn.spec.strategies import dyadic, inputs, neurons  # noqa: F401 (shared with refsnn.spec)

dtypes = st.sampled_from([np.float64, np.float32])


@st.composite
def ternaries(draw, soft=None):
    """A Ternary on any base neuron (its v_reset moved inside (-v_th, v_th) if needed)."""
    from refsnn.neurons.ternary import Ternary

    neuron = draw(neurons(soft=soft), label="base neuron")
    if neuron.v_reset is not None and neuron.v_reset <= -neuron.v_threshold:
        neuron = dataclasses.replace(neuron, v_reset=-0.5 * neuron.v_threshold)
    return Ternary(neuron=neuron, amplitude=draw(st.floats(0.1, 4.0), label="amplitude"),
                   surrogate_centre=draw(st.sampled_from(["thresholds", "zero"]),
                                         label="surrogate_centre"))


@st.composite
def multithresholds(draw, derivative=None, soft=None):
    """A MultiThreshold with D in 1..5 on any base neuron (``derivative``: drawn if None)."""
    from refsnn.neurons.kinds import multithreshold
    from refsnn.neurons.multithreshold import MultiThreshold

    neuron = draw(neurons(soft=soft), label="base neuron")
    if derivative is None:
        derivative = draw(st.sampled_from(multithreshold.DERIVATIVES), label="derivative")
    return MultiThreshold(neuron=neuron, levels=draw(st.integers(1, 5), label="levels"),
                          derivative=derivative)


@st.composite
def mt_neurons(draw, mode=None, soft=None, family=None, dominated=False):
    """Any MTNeuron: a drawn base neuron, mode, K in 1..5, and the standard family of that mode
    (:meth:`MTNeuron.parallel` / :meth:`MTNeuron.cascade`) or drawn ratios. ``dominated``:
    only amplitudes c_i <= rho_i. A hard v_reset is moved below the lowest threshold."""
    from refsnn.neurons.mtsnn import MODES, MTNeuron

    neuron = draw(neurons(soft=soft), label="base neuron")
    mode = draw(st.sampled_from(MODES), label="mode") if mode is None else mode
    k = draw(st.integers(1, 5), label="K")
    family = draw(st.sampled_from(["standard", "drawn"]), label="family") if family is None \
        else family
    if family == "standard":
        rho = c = None
    else:
        ratio = st.floats(0.1, 2.0)
        if mode == "cascade":
            rho = draw(st.lists(ratio, min_size=k, max_size=k, unique=True), label="rho")
            rho = sorted(rho, reverse=True)
        else:
            rho = draw(st.lists(ratio, min_size=k, max_size=k), label="rho")
        if dominated:
            c = [r * draw(st.floats(0.05, 1.0), label="c/rho") for r in rho]
        else:
            c = draw(st.lists(st.floats(0.05, 2.0), min_size=k, max_size=k), label="c")
    lowest = neuron.v_threshold * (min(rho) if rho else (1 / k if mode == "parallel"
                                                           else 2.0 ** (1 - k)))
    if neuron.v_reset is not None and neuron.v_reset >= lowest:
        neuron = dataclasses.replace(neuron, v_reset=lowest / 2)
    if rho is None:
        return getattr(MTNeuron, mode)(neuron, levels=k)
    return MTNeuron(neuron=neuron, mode=mode, thresholds=tuple(rho), amplitudes=tuple(c))


STRATEGIES = {"IF": partial(neurons, models=(IF,)), "LIF": partial(neurons, models=(LIF,)),
              "PLIF": partial(neurons, models=(PLIF,)), "Ternary": ternaries,
              "MultiThreshold": multithresholds, "MTNeuron": mt_neurons}
"""Model name (as in refsnn.neurons.NEURONS) -> ``f(soft=None)``: a strategy of that model with
every option drawn (``soft``: only soft resets if True, only hard ones if False)."""

