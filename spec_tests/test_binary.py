"""IF, LIF and PLIF (refsnn/neurons/if_.py, lif.py, plif.py: the binary spike kind,
refsnn/neurons/kinds/binary.py): what is specific to them.

Their spikes mark threshold crossings and a soft-reset IF conserves charge: invariants checked
through the target protocol (refsnn/spec/test_conformance.py, refsnn's own kernels by default;
refsnn/spec/invariants.py); resets, rest, kernels, ``out=`` and BPTT = finite differences are
generic properties of every model (spec_tests/test_properties.py). Here: the relations between
the three models, float32 against float64, the detached reset's gradient, and spike trains
derived by hand (closed forms in comments).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refsnn import IF, LIF, PLIF
from refsnn.neurons.base import BACKENDS
from refsnn.tolerances import tolerance
from spec_tests.helpers import run
from spec_tests.strategies import inputs, neurons

# --- the three models and the two dtypes --------------------------------------------------------

@given(neurons(models=(IF,)), inputs())
def test_lif_with_infinite_tau_is_if_bit_for_bit(neuron, x):
    fields = {f.name: getattr(neuron, f.name) for f in dataclasses.fields(neuron)}
    lif = LIF(tau=np.inf, decay_input=False, **fields)
    a, b = run(neuron, x), run(lif, x)
    for name in ("spikes", "h", "v"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@given(st.floats(1.0, 1e6), inputs(scale=0.1))
def test_lif_converges_to_if_as_tau_grows(tau, x):
    """Without spikes, e[t] = V_lif - V_if obeys e[t] = (1-k) e[t-1] - k V_if[t-1], so
    |e[t]| <= t k max|V_if| (k = 1/tau); checked with a threshold no run can reach."""
    threshold = 10.0 * np.abs(x).sum() + 1.0
    v_if = run(IF(v_threshold=threshold), x).v
    v_lif = run(LIF(v_threshold=threshold, tau=tau, decay_input=False), x).v
    steps = np.arange(1, x.shape[0] + 1).reshape((-1,) + (1,) * (x.ndim - 1))
    # the derived bound, plus float64 rounding of the two runs' few operations per step
    bound = steps / tau * np.abs(v_if).max() * (1 + 1e-12) + 1e-15
    assert np.all(np.abs(v_lif - v_if) <= bound)


@given(neurons(), inputs(dtype=np.float32))
def test_float32_agrees_with_float64_until_a_near_threshold_decision(neuron, x):
    """float32 and float64 runs of the same (float32-exact) input take the same spike decisions
    except where the float64 margin |H - v_th| is within float32 rounding of the threshold; up
    to the first such step the membranes agree within "float32_vs_float64" (refsnn.tolerances)
    times the run's scale and the step."""
    bound = tolerance("float32_vs_float64", np.float32).atol
    a32, a64 = run(neuron, x), run(neuron, x.astype(np.float64))
    scale = 1.0 + np.abs(a64.h).max() + np.abs(x).max()
    differ = (a32.spikes != a64.spikes).reshape(x.shape[0], -1).any(axis=1)
    first = int(np.argmax(differ)) if differ.any() else x.shape[0]
    if differ.any():
        margin = np.abs(a64.h[first] - neuron.v_threshold)[a32.spikes[first] != a64.spikes[first]]
        assert margin.min() <= bound * scale * (first + 1)
    err = np.abs(a32.h[:first] - a64.h[:first])
    assert err.size == 0 or err.max() <= bound * scale * first


def test_plif_from_tau_starts_at_that_time_constant():
    for tau in (1.5, 2.0, 7.0):
        plif, lif = PLIF.from_tau(tau), LIF(tau=tau)
        # sigmoid(-log(tau - 1)) against 1/tau: a few roundings of exp and log (derived bound)
        assert np.isclose(plif.leak_rate(), lif.leak_rate(), rtol=1e-15)


@pytest.mark.parametrize("v_reset", [None, 0.0])
def test_detach_reset_only_acts_through_the_membrane(v_reset):
    """The reset path carries gradient only into V: with no dL/dV and a single step (so no later
    H depends on V) detaching it changes nothing; over several steps it must change dL/dx."""
    rng = np.random.default_rng(3)
    x = rng.normal(0.8, 1.0, (6, 5))
    gs = rng.normal(size=x.shape)
    attached, detached = LIF(v_reset=v_reset), LIF(v_reset=v_reset, detach_reset=True)
    for steps, same in ((1, True), (6, False)):
        tr = attached.forward(x[:steps], backend="numpy", smooth=True)
        a = attached.backward(tr, gs[:steps], backend="numpy").x
        d = detached.backward(tr, gs[:steps], backend="numpy").x
        assert np.array_equal(a, d) == same


# --- hand-derived spike trains: the expected values come from closed forms, written out -------

@pytest.fixture(params=sorted(BACKENDS))
def backend(request):
    return request.param


def spike_times(neuron, x, backend, v0=None):
    return np.flatnonzero(neuron.forward(x, v0, backend=backend).spikes[:, 0]).tolist()


def test_lif_constant_input_hard_reset(backend):
    # tau = 2 (k = 1/2), decay_input=False, v_reset = 0, X = 0.75:
    # H[n] = 0.75 (1 + 1/2 + ... + 1/2^(n-1)) = 1.5 (1 - 2^-n): 0.75, 1.125 -> fires every 2nd
    # step after a reset to 0: spikes at t = 1, 3, 5, ...
    x = np.full((8, 1), 0.75)
    assert spike_times(LIF(tau=2.0, decay_input=False), x, backend) == [1, 3, 5, 7]


def test_lif_decay_input_scales_the_input(backend):
    # decay_input=True, tau = 2: H = V/2 + X/2, so from 0 H[n] = X (1 - 2^-n), whose limit is X.
    # X = 0.9 never reaches 1; X = 1.5: 0.75, 1.125 -> every 2nd step; X = 2.5: 1.25 -> every step.
    assert spike_times(LIF(tau=2.0), np.full((6, 1), 0.9), backend) == []
    assert spike_times(LIF(tau=2.0), np.full((6, 1), 1.5), backend) == [1, 3, 5]
    assert spike_times(LIF(tau=2.0), np.full((6, 1), 2.5), backend) == list(range(6))


def test_if_soft_reset_counts_floor_of_charge(backend):
    # IF, soft reset, X = 0.375 = 3/8, threshold 1: V after t+1 steps (before reset) is
    # 3(t+1)/8 - (spikes so far); spikes when it reaches 1: t = 2 (9/8), 5 (18/8 - 1 = 10/8),
    # 7 (24/8 - 2 = 1 exactly: fires with >=, not with >), 10 (33/8 - 3 = 9/8).
    x = np.full((11, 1), 0.375)
    assert spike_times(IF(v_reset=None), x, backend) == [2, 5, 7, 10]
    assert spike_times(IF(v_reset=None, compare=">"), x, backend) == [2, 5, 8, 10]


def test_exactly_at_threshold_convention(backend):
    x = np.ones((1, 1))
    assert spike_times(IF(), x, backend) == [0]
    assert spike_times(IF(compare=">"), x, backend) == []


def test_v0_above_threshold_fires_on_first_step_even_without_input(backend):
    # LIF decay_input=False, tau = 4: H[0] = v0 - (v0 - 0)/4 = 0.75 * 2 = 1.5 >= 1
    assert spike_times(LIF(tau=4.0, decay_input=False), np.zeros((3, 1)), backend, v0=2.0) == [0]


def test_plif_at_w_zero_is_lif_tau_two(backend):
    # sigmoid(0) = 1/2 = 1/tau for tau = 2, exactly in binary
    x = np.linspace(-1, 3, 40).reshape(10, 4)
    a = PLIF(w=0.0).forward(x, backend=backend)
    b = LIF(tau=2.0).forward(x, backend=backend)
    np.testing.assert_array_equal(a.v, b.v)
