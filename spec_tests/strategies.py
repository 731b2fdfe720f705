"""Hypothesis strategies shared by the spec suite: neurons with every option, and inputs."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import strategies as st

from refsnn import IF, LIF, PLIF
from refsnn.spec.strategies import dyadic, inputs  # noqa: F401 (shared with refsnn.spec)
from refsnn.surrogates import SURROGATES

surrogates = st.builds(lambda cls, alpha, scale: cls(alpha=alpha, scale=scale),
                       st.sampled_from(SURROGATES),
                       st.floats(0.25, 8.0), st.sampled_from([1.0, 0.5, 2.0]))


@st.composite
def neurons(draw, models=(IF, LIF, PLIF), soft=None):
    """Any neuron of ``models`` with every semantic option drawn."""
    model = draw(st.sampled_from(models), label="model")
    v_threshold = draw(st.floats(0.25, 2.0), label="v_threshold")
    soft = draw(st.booleans(), label="soft") if soft is None else soft
    v_reset = None if soft else draw(st.floats(-1.0, 0.9 * v_threshold), label="v_reset")
    common = dict(v_threshold=v_threshold, v_reset=v_reset,
                  detach_reset=draw(st.booleans(), label="detach_reset"),
                  compare=draw(st.sampled_from([">=", ">"]), label="compare"),
                  surrogate=draw(surrogates, label="surrogate"))
    if model is LIF:
        common |= dict(tau=draw(st.floats(1.0, 20.0) | st.just(np.inf), label="tau"),
                       decay_input=draw(st.booleans(), label="decay_input"))
    if model is PLIF:
        common |= dict(w=draw(st.floats(-3.0, 3.0), label="w"),
                       decay_input=draw(st.booleans(), label="decay_input"))
    return model(**common)


@st.composite
def ternaries(draw):
    """A Ternary on any base neuron (its v_reset moved inside (-v_th, v_th) if needed)."""
    from refsnn.neurons.ternary import Ternary

    neuron = draw(neurons(), label="base neuron")
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


def any_neurons():
    """Every neuron model of the package, with every option drawn."""
    return st.one_of(neurons(), ternaries(), multithresholds(), mt_neurons())
