"""The conformance suite: the case table and the invariants, run against ``--target``.

``python -m pytest --pyargs refsnn.spec --target NAME`` (or ``REFSNN_TARGET``; default
``refsnn``, i.e. refsnn's own kernels through the public target protocol). Every case of
the case table's conformance family (refsnn/cases/conformance.py) runs through the target
(refsnn.targets.load) and is compared with refsnn's NumPy reference: spikes exactly, membranes
and gradients within the float64 tolerances of refsnn.tolerances.CONFORMANCE. A case the
target cannot express is skipped with the target's reason. Known disagreements are listed, with
their size and reason, in the expectations file
(``--expectations``; a built-in target's is refsnn/spec/expectations/<name>.txt); a listed case
is an xfail that must still disagree.

The invariants (refsnn/spec/invariants.py, written once: the project's spec_tests hold the
reference to the same checks) are run through the target's forward on binary neurons the
target supports: the case table's, with hypothesis-drawn thresholds, and neurons with every
option drawn (refsnn.spec.strategies.neurons), with hypothesis-drawn inputs. For these
hypothesis tests an expectation is an explicit check: a listed invariant must have a
counterexample (``hypothesis.find``), not an xfail.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import Phase, Verbosity, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning, NoSuchExample

from refsnn import IF, LIF, PLIF
from refsnn.cases.conformance import binary_neurons
from refsnn.conformance.cases import CASES, SURROGATE_CASES
from refsnn.conformance.compare import run_case, run_surrogate_case
from refsnn.conformance.expectations import matching
from refsnn.spec import invariants
from refsnn.spec.strategies import dyadic, inputs, neurons
from refsnn.spec.verdicts import judge, params


@pytest.mark.parametrize("case", params(CASES))
def test_case(target, target_expectations, case):
    judge(run_case(target, case), target_expectations)


@pytest.mark.parametrize("case", params(SURROGATE_CASES))
def test_surrogate_derivative(target, target_expectations, case):
    judge(run_surrogate_case(target, case), target_expectations)


# --- invariants through the target's forward --------------------------------------------------

THRESHOLDS = (0.5, 0.75, 1.0, 1.5, 2.0)  # dyadic, so that dyadic inputs stay exact
SIXTY_FOURTHS = tuple(j / 64 for j in range(1, 129))  # the exact thresholds of the charge test


def _rescaled(neuron, v_threshold):
    """``neuron`` with threshold ``v_threshold`` and its reset value scaled alike (0 stays 0)."""
    v_reset = None if neuron.v_reset is None else neuron.v_reset * v_threshold / neuron.v_threshold
    return dataclasses.replace(neuron, v_threshold=v_threshold, v_reset=v_reset)


def supported_neurons(target, models=(IF, LIF, PLIF), soft=None, thresholds=THRESHOLDS,
                      drawn=True):
    """Neurons of ``models`` the target supports (optionally only soft or hard resets): the case
    table's binary neurons, each with a threshold drawn from ``thresholds``, and (``drawn``)
    neurons with every option drawn, where the target supports the drawn one (else a table
    neuron instead); skips if there are none."""
    pool = [n for n in binary_neurons().values() if isinstance(n, models)
            and (soft is None or (n.v_reset is None) == soft) and target.supports(n) is None]
    if not pool:
        pytest.skip(f"{target.NAME} supports none of the neurons this invariant needs")
    table = st.builds(_rescaled, st.sampled_from(pool), st.sampled_from(thresholds))
    table = table.filter(lambda n: target.supports(n) is None)
    if not drawn:
        return table
    return table | neurons(models, soft=soft).flatmap(
        lambda n: st.just(n) if target.supports(n) is None else table)


def hold(invariant_id, entries, strategy, prop):
    """Check ``prop`` on hypothesis examples of ``strategy``; if the expectations list
    ``invariant_id``, instead require a counterexample (strict: a listed violation that no
    longer occurs fails)."""
    listed = matching(entries, invariant_id)
    if not listed:
        given(strategy)(prop)()
        return
    try:  # any counterexample will do: no shrinking (it can take minutes), so no report either
        with warnings.catch_warnings():  # of the unshrunk example's large repr
            warnings.simplefilter("ignore", HypothesisWarning)
            find(strategy, lambda example: _violates(prop, example),
                 settings=settings(max_examples=2000, phases=[Phase.generate],
                                   verbosity=Verbosity.quiet))
    except NoSuchExample:
        pytest.fail(f"{invariant_id}: listed violation (line {listed[0].line}) no longer "
                    f"occurs: {listed[0].reason}")


def _violates(prop, example):
    try:
        prop(example)
    except AssertionError:
        return True
    return False


def run(target, neuron, x, v0=None):
    """The target's forward from ``v0`` (default: the neuron's rest potential)."""
    v0 = np.full(x.shape[1:], neuron.rest_potential if v0 is None else v0)
    return target.forward(neuron, x, v0)


def test_spikes_are_binary_and_mark_threshold_crossings(target, target_expectations):
    def prop(example):
        neuron, x = example
        spikes, h, _ = run(target, neuron, x)
        invariants.spikes_mark_threshold_crossings(neuron, spikes, h)

    hold("invariant/spikes-binary", target_expectations,
         st.tuples(supported_neurons(target), inputs()), prop)


def test_hard_reset_sets_v_reset_exactly_where_spiked(target, target_expectations):
    def prop(example):
        neuron, x = example
        invariants.hard_reset_sets_v_reset_where_fired(neuron, *run(target, neuron, x))

    hold("invariant/hard-reset-value", target_expectations,
         st.tuples(supported_neurons(target, soft=False), inputs()), prop)


def test_soft_reset_if_conserves_charge_exactly(target, target_expectations):
    """IF from v0 = 0 with dyadic inputs: sum_t X[t] = V[T-1] + v_threshold * (spike count),
    with equality (every partial sum is exact)."""
    @st.composite
    def dyadic_inputs(draw):
        steps, n = draw(st.integers(1, 40), label="T"), draw(st.integers(1, 8), label="n")
        return dyadic(draw, (steps, n), -2, 4)

    def prop(example):
        neuron, x = example
        spikes, _, v = run(target, neuron, x, 0.0)
        invariants.soft_reset_if_conserves_charge(neuron, x, spikes, v)

    exact = supported_neurons(target, models=(IF,), soft=True, thresholds=SIXTY_FOURTHS,
                              drawn=False)
    hold("invariant/soft-reset-if-conserves-charge", target_expectations,
         st.tuples(exact, dyadic_inputs()), prop)


def test_zero_input_from_rest_never_fires_and_stays_at_rest(target, target_expectations):
    def prop(example):
        neuron, steps, n = example
        spikes, _, v = run(target, neuron, np.zeros((steps, n)))
        invariants.stays_at_rest(neuron, spikes, v)

    hold("invariant/zero-input-stays-at-rest", target_expectations,
         st.tuples(supported_neurons(target), st.integers(1, 30), st.integers(1, 5)), prop)
