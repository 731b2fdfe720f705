"""The BPTT = finite differences cases of every model, keyed like refsnn.neurons.NEURONS.

spec_tests/test_properties.py checks each with both backends (spec_tests/gradcheck.py: the
smooth mode, float64, the reset path attached) and fails if a model has no cases. A case fixes
the neuron and its data: the first seed whose smooth run keeps KINK_MARGIN away from the kinks
of the model's smooth spike or reset (central differences are wrong across a kink), and a
check that the run exercises what the case is for (several levels, for the multi-level kinds).
MTNeuron's cascade mode is not smooth for K >= 2 (its residuals are recomputed from H with the
hard steps): its BPTT is checked against the run linearised at its decisions in
spec_tests/test_mtsnn.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from refsnn import IF, LIF, PLIF, MTNeuron, MultiThreshold, Ternary
from refsnn.neurons import Neuron
from refsnn.neurons.kinds.multithreshold import DERIVATIVES
from refsnn.surrogates import SURROGATES, Arctan, Sigmoid
from spec_tests.gradcheck import gradient_data

KINK_MARGIN = 1e-4  # >> the FD step's effect on H and O (EPS = 1e-6 times O(1) sensitivities)


@dataclasses.dataclass(frozen=True)
class GradientCase:
    """``neuron`` on the data of the first of ``seeds`` that ``usable(neuron, x, v0)`` accepts;
    ``exercised(spikes)`` must hold for its discrete run."""

    neuron: Neuron
    mean: float = 0.7
    shape: tuple = (7, 2, 2)
    seeds: range = range(7, 8)
    usable: Callable | None = None
    exercised: Callable | None = None

    def data(self):
        for seed in self.seeds:
            x, v0, weights = gradient_data(seed, self.shape, self.mean)
            if self.usable is None or self.usable(self.neuron, x, v0):
                return x, v0, weights
        raise AssertionError(f"no kink-free seed in {self.seeds}")


def with_surrogate(neuron, surrogate):
    """``neuron`` with ``surrogate`` on the neuron that holds it."""
    if isinstance(neuron, IF | LIF | PLIF):
        return dataclasses.replace(neuron, surrogate=surrogate)
    return dataclasses.replace(neuron, neuron=with_surrogate(neuron.neuron, surrogate))


# --- IF, LIF, PLIF and Ternary: every surrogate, no kinks -------------------------------------

BINARY = [
    IF(v_reset=-0.25),
    IF(v_reset=None),
    LIF(tau=3.0, v_reset=0.1),
    LIF(tau=2.5, decay_input=False, v_reset=None),
    PLIF(w=0.4, v_reset=None),
    PLIF(w=-0.7, decay_input=False, v_threshold=0.8),
]
TERNARY = [
    Ternary(neuron=IF(v_reset=None), amplitude=1.5),
    Ternary(neuron=LIF(tau=3.0, v_reset=0.1, v_threshold=0.8), amplitude=0.6),
    Ternary(neuron=PLIF(w=0.3, v_reset=None, decay_input=False), amplitude=2.0,
            surrogate_centre="zero"),
    Ternary(neuron=LIF(tau=2.0, v_reset=-0.2), amplitude=1.2, surrogate_centre="zero"),
]


def every_surrogate(neurons, **data):
    return [GradientCase(with_surrogate(n, s(alpha=1.5)), **data) for n in neurons
            for s in SURROGATES]


# --- the multi-level kinds: base neurons whose thresholds let several levels fire -------------

FD_SURROGATES = [Sigmoid(alpha=3.0), Arctan(alpha=1.5, scale=0.5)]
MULTITHRESHOLD_BASES = [  # (base neuron, input mean): the runs reach levels 2 and 3
    (IF(v_threshold=0.5, v_reset=-0.25), 0.8),
    (IF(v_threshold=0.5, v_reset=None), 0.8),
    (LIF(tau=3.0, v_threshold=0.4, v_reset=0.1), 2.5),
    (LIF(tau=2.5, decay_input=False, v_threshold=0.6, v_reset=None), 1.2),
    (PLIF(w=0.4, v_threshold=0.5, v_reset=0.0), 2.0),
    (PLIF(w=-0.7, decay_input=False, v_threshold=0.5, v_reset=None), 1.0),
]


def multithreshold_kink_free(multi, x, v0):
    """The smooth run keeps away from the ramp's corners H = v_th/2, (D+1/2) v_th and, with a
    hard reset, from min(O, 1)'s kink at O = 1."""
    tr = multi.forward(x, v0, backend="numpy", smooth=True)
    th, d = multi.neuron.v_threshold, multi.levels
    distance = np.inf
    if multi.derivative == "ramp":
        distance = min(np.abs(tr.h - th / 2).min(), np.abs(tr.h - (d + 0.5) * th).min())
    if multi.neuron.v_reset is not None:
        distance = min(distance, np.abs(tr.spikes - 1.0).min())
    return distance > KINK_MARGIN


MULTITHRESHOLD = [
    GradientCase(MultiThreshold(neuron=dataclasses.replace(base, surrogate=surrogate), levels=3,
                                derivative=derivative),
                 mean=mean, seeds=range(100), usable=multithreshold_kink_free,
                 exercised=lambda spikes: spikes.max() >= 2)
    for base, mean in MULTITHRESHOLD_BASES for derivative in DERIVATIVES
    for surrogate in FD_SURROGATES]

# MTNeuron: every v_reset is below the lowest threshold of every configuration in CONFIGS.
MTSNN_BASES = [
    (IF(v_threshold=0.5, v_reset=-0.25), 0.5),
    (IF(v_threshold=0.5, v_reset=None), 0.3),
    (LIF(tau=3.0, v_threshold=0.4, v_reset=0.02), 0.8),
    (LIF(tau=2.5, decay_input=False, v_threshold=0.6, v_reset=None), 0.8),
    (PLIF(w=0.4, v_threshold=0.5, v_reset=0.0), 0.8),
    (PLIF(w=-0.7, decay_input=False, v_threshold=0.5, v_reset=None), 0.3),
]
CONFIGS = {  # mode -> (thresholds, amplitudes) of the standard K = 3 family and drawn-like ratios
    "parallel": [((1 / 3, 2 / 3, 1.0), (1 / 3,) * 3), ((0.3, 1.1, 0.8), (0.2, 0.7, 0.5))],
    "cascade": [((1.0, 0.5, 0.25), (1.0, 0.5, 0.25)), ((1.2, 0.7, 0.3), (0.9, 0.6, 0.4))],
}


def mt_neuron(mode, base, surrogate, which):
    thresholds, amplitudes = CONFIGS[mode][which]
    return MTNeuron(neuron=dataclasses.replace(base, surrogate=surrogate), mode=mode,
                    thresholds=thresholds, amplitudes=amplitudes)


def a_min(model):
    return min(model.amplitudes) * model.neuron.v_threshold


def parallel_kink_free(model, x, v0):
    """With a hard reset the smooth run keeps away from min(O / a_min, 1)'s kink."""
    if model.neuron.v_reset is None:
        return True
    o = model.forward(x, v0, backend="numpy", smooth=True).spikes
    return np.abs(o / a_min(model) - 1).min() > KINK_MARGIN


MTSNN = [GradientCase(mt_neuron("parallel", base, surrogate, which), mean=mean, seeds=range(200),
                      usable=parallel_kink_free,
                      exercised=lambda spikes: np.unique(spikes).size >= 3)
         for base, mean in MTSNN_BASES for surrogate in FD_SURROGATES for which in (0, 1)]

GRADIENT_CASES: dict[str, list[GradientCase]] = {
    name: [case for case in every_surrogate(BINARY) if type(case.neuron) is model]
    for name, model in (("IF", IF), ("LIF", LIF), ("PLIF", PLIF))
} | {"Ternary": every_surrogate(TERNARY, mean=0.0, shape=(7, 2, 3)),
     "MultiThreshold": MULTITHRESHOLD, "MTNeuron": MTSNN}
"""Model name -> its cases."""
