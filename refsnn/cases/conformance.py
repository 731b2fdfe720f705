"""The conformance family: named neuron specs x input generators x seeds, run live.

A case id reads ``<neuron>/<inputs>/<seed>``, e.g. ``LIF-decay-soft-gt/strong/0``; the neuron
part names the model, its charge form (``decay`` / ``nodecay``), reset (``hard`` to 0,
``hard-neg`` / ``hard-pos`` to another value, ``soft``), the compare (``ge``: fires at
``H >= v_th``, ``gt``: at ``H > v_th``), ``-detached`` for a detached reset and, after ``~``, a
surrogate other than the default ``sigmoid(4)``; a Ternary or MultiThreshold neuron is prefixed
with its kind and MultiThreshold adds its levels (``-D3``), an MTNeuron is prefixed with its mode
and number of thresholds (``MTNeuron-cascade-K3-``), as ``refsnn fuzz`` names its examples.
The ``<inputs>`` part names a generator of refsnn.cases.inputs.GENERATORS. Expectation files
match ids by prefix, so ``LIF-decay-soft-gt/`` is every case of that neuron. Parameters are
dyadic where possible (``tau`` 2 or 4, ``w = 0``, thresholds 1 or 0.75) so that the ``grid``
inputs hit the threshold exactly. Every case is float64 on ``x[16, 3, 4]`` (12 neurons, 16
steps).
"""

from __future__ import annotations

import dataclasses

from refsnn.cases.case import CONFORMANCE, Case
from refsnn.cases.inputs import Generator
from refsnn.neurons import IF, LIF, PLIF, MTNeuron, MultiThreshold, Neuron, Ternary, WrappedNeuron
from refsnn.surrogates import (
    Arctan,
    FastSigmoid,
    Gaussian,
    PiecewiseExponential,
    Rectangular,
    Sigmoid,
    StraightThrough,
    Surrogate,
    Triangular,
)

SHAPE = (16, 3, 4)
"""``x``'s shape in every conformance case: 12 neurons for 16 steps."""

BINARY = {  # charge form and reset; compare and reset gradient are crossed in below
    "IF-hard": IF(v_reset=0.0),
    "IF-hard-neg": IF(v_reset=-0.25, v_threshold=0.75),
    "IF-soft": IF(v_reset=None),
    "LIF-decay-hard": LIF(tau=2.0),
    "LIF-decay-hard-pos": LIF(tau=4.0, v_reset=0.25),
    "LIF-decay-soft": LIF(tau=3.0, v_reset=None, v_threshold=0.7),
    "LIF-nodecay-hard": LIF(tau=4.0, decay_input=False),
    "LIF-nodecay-soft": LIF(tau=2.0, decay_input=False, v_reset=None),
    "PLIF-decay-hard": PLIF(w=0.0),
    "PLIF-decay-soft": PLIF(w=0.4, v_reset=None),
    "PLIF-nodecay-hard": PLIF(w=-0.7, decay_input=False),
    "PLIF-nodecay-soft": PLIF(w=0.0, decay_input=False, v_reset=None, v_threshold=0.75),
}
COMPARES = {"ge": ">=", "gt": ">"}

SURROGATES = (Rectangular(alpha=1.0), Triangular(alpha=1.0), Triangular(alpha=1.0, scale=0.3),
              Sigmoid(alpha=4.0), Sigmoid(alpha=25.0), Arctan(alpha=2.0),
              FastSigmoid(alpha=1.0), FastSigmoid(alpha=25.0), FastSigmoid(alpha=2.0),
              PiecewiseExponential(alpha=1.0), Gaussian(alpha=2.0),
              Gaussian(alpha=100.0, scale=0.02), StraightThrough())
"""Every canonical surrogate, at the peers' defaults and where their families meet."""

def surrogate_id(surrogate: Surrogate) -> str:
    """``name(alpha)``, or ``name(alpha,scale)`` if the scale is not 1; e.g. ``sigmoid(4)``."""
    numbers = [surrogate.alpha] + ([surrogate.scale] if surrogate.scale != 1.0 else [])
    return f"{surrogate.name}({','.join(f'{n:g}' for n in numbers)})"


SINABS = PiecewiseExponential(alpha=2.0, scale=2.0)
"""Sinabs' default surrogate, SingleExponential(grad_width=0.5, grad_scale=1), at v_th = 1."""

MULTI_BIT = (  # (name[~surrogate], neuron); compare and "-detached" go before the "~"
    ("Ternary-IF-soft", Ternary(neuron=IF(v_reset=None))),
    ("Ternary-IF-hard", Ternary(neuron=IF())),
    ("Ternary-IF-hard", Ternary(neuron=IF(detach_reset=True))),
    ("Ternary-LIF-decay-soft", Ternary(neuron=LIF(tau=2.0, v_reset=None))),
    ("Ternary-LIF-decay-hard", Ternary(neuron=LIF(tau=2.0))),
    ("Ternary-LIF-nodecay-hard-pos", Ternary(neuron=LIF(tau=4.0, decay_input=False, v_reset=0.25,
                                                        detach_reset=True))),
    ("Ternary-PLIF-decay-soft", Ternary(neuron=PLIF(w=0.0, v_reset=None))),
    ("Ternary-IF-soft-amp0.5", Ternary(neuron=IF(v_reset=None), amplitude=0.5)),
    ("Ternary-official", Ternary.official()),
    ("MultiThreshold-IF-soft-D3", MultiThreshold(neuron=IF(v_reset=None), levels=3)),
    ("MultiThreshold-LIF-decay-hard-D2", MultiThreshold(neuron=LIF(tau=2.0), levels=2)),
    # Sinabs' default surrogate (SingleExponential() at v_th = 1) and its resets (docstring of
    # refsnn/targets/sinabs.py): the multi-level specs a peer expresses
    ("MultiThreshold-IF-soft-D3~" + surrogate_id(SINABS),
     MultiThreshold(neuron=IF(v_reset=None, surrogate=SINABS), levels=3)),
    ("MultiThreshold-LIF-decay-hard-D2~" + surrogate_id(SINABS),
     MultiThreshold(neuron=LIF(tau=2.0, detach_reset=True, surrogate=SINABS), levels=2)),
    ("MultiThreshold-PLIF-nodecay-soft-D1~" + surrogate_id(SINABS),
     MultiThreshold(neuron=PLIF(w=0.0, decay_input=False, v_reset=None, surrogate=SINABS),
                    levels=1)),
    # MT-SNN in both modes, every threshold on the quarter grid of the ``grid`` inputs
    ("MTNeuron-parallel-K4-IF-soft", MTNeuron.parallel(IF(v_reset=None), 4)),
    ("MTNeuron-parallel-K2-LIF-decay-hard", MTNeuron.parallel(LIF(tau=2.0), 2)),
    ("MTNeuron-cascade-K3-IF-soft", MTNeuron.cascade(IF(v_reset=None), 3)),
    ("MTNeuron-cascade-K2-PLIF-nodecay-hard",
     MTNeuron.cascade(PLIF(w=0.0, decay_input=False, detach_reset=True), 2)),
)


def _with_compare(neuron: Neuron, compare: str) -> Neuron:
    if isinstance(neuron, WrappedNeuron):
        return dataclasses.replace(neuron, neuron=dataclasses.replace(neuron.neuron,
                                                                      compare=compare))
    return dataclasses.replace(neuron, compare=compare)


def binary_neurons() -> dict[str, Neuron]:
    """Every BINARY spec with each compare, attached and detached (default surrogate)."""
    out = {}
    for name, neuron in BINARY.items():
        for suffix, compare in COMPARES.items():
            for detach in (False, True):
                spec = dataclasses.replace(neuron, compare=compare, detach_reset=detach)
                out[f"{name}-{suffix}" + ("-detached" if detach else "")] = spec
    return out


def _case(name: str, neuron: Neuron, generator: str, seed: int) -> Case:
    return Case(f"{name}/{generator}/{seed}", f"conformance: {name} on the {generator!r} inputs "
                f"(seed {seed})", neuron, "float64", SHAPE, Generator(generator, seed),
                outputs=(CONFORMANCE,))


def conformance() -> list[Case]:
    """The family: the binary specs on every generator (detached ones: drive and grid), the
    surrogate sweep on IF-hard (the one spec all three peers express), the multi-bit spikes."""
    cases = []
    for name, neuron in binary_neurons().items():
        generators = ("drive", "grid") if neuron.detach_reset else (
            "drive", "grid", "strong", "v0-above", "zero")
        cases += [_case(name, neuron, g, 0) for g in generators]
    for surrogate in SURROGATES:
        for suffix, compare in COMPARES.items():
            neuron = IF(v_reset=0.0, compare=compare, surrogate=surrogate)
            cases.append(_case(f"IF-hard-{suffix}~{surrogate_id(surrogate)}", neuron, "drive", 1))
    for name, neuron in MULTI_BIT:
        for suffix, compare in COMPARES.items():
            spec = _with_compare(neuron, compare)
            base, tag, surrogate = name.partition("~")
            name_id = (f"{base}-{suffix}" + ("-detached" if neuron.detach_reset else "")
                       + tag + surrogate)
            cases += [_case(name_id, spec, g, 0) for g in ("drive", "grid", "strong")]
    return cases
