"""Invariants every IF / LIF / PLIF run must satisfy, for every option (backend: the reference).

Each property is derived from the equations in refsnn/neurons/base.py, not from the code's
output; the numba backend is held to the reference in test_kernels.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from refsnn import IF, LIF, PLIF
from spec_tests.strategies import dyadic, inputs, neurons


def run(neuron, x, v0=None, **kw):
    return neuron.forward(x, v0, backend="numpy", **kw)


@given(neurons(), inputs())
def test_spikes_are_binary_and_mark_threshold_crossings(neuron, x):
    tr = run(neuron, x)
    assert set(np.unique(tr.spikes)) <= {0.0, 1.0}
    above = tr.h >= neuron.v_threshold if neuron.compare == ">=" else tr.h > neuron.v_threshold
    np.testing.assert_array_equal(tr.spikes, above.astype(x.dtype))


@given(neurons(soft=False), inputs())
def test_hard_reset_sets_v_reset_exactly_where_spiked(neuron, x):
    tr = run(neuron, x)
    fired = tr.spikes == 1
    assert np.all(tr.v[fired] == neuron.v_reset)
    np.testing.assert_array_equal(tr.v[~fired], tr.h[~fired])


@given(neurons(soft=True), inputs())
def test_soft_reset_subtracts_threshold(neuron, x):
    tr = run(neuron, x)
    np.testing.assert_array_equal(tr.v, tr.h - tr.spikes * neuron.v_threshold)


@given(st.data())
def test_soft_reset_if_conserves_charge_exactly(data):
    """IF from v0 = 0: sum_t X[t] = V[T-1] + v_threshold * (number of spikes).

    Inputs and threshold are multiples of 1/64, so every partial sum is exact in float64 and the
    identity holds with equality, not just approximately.
    """
    steps, n = data.draw(st.integers(1, 40)), data.draw(st.integers(1, 8))
    x = dyadic(data.draw, (steps, n), -2, 4)
    threshold = data.draw(st.integers(1, 128)) / 64
    tr = run(IF(v_threshold=threshold, v_reset=None), x, 0.0)
    np.testing.assert_array_equal(x.sum(0), tr.v[-1] + threshold * tr.spikes.sum(0))


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
    bound = steps / tau * np.abs(v_if).max() * (1 + 1e-12) + 1e-15
    assert np.all(np.abs(v_lif - v_if) <= bound)


@given(neurons(), st.integers(1, 30), st.integers(1, 5))
def test_zero_input_from_rest_never_fires_and_stays_at_rest(neuron, steps, n):
    tr = run(neuron, np.zeros((steps, n)))
    assert not tr.spikes.any()
    assert np.all(tr.v == neuron.rest_potential)


@given(neurons(), inputs(), st.data())
def test_per_neuron_independence(neuron, x, data):
    """Each neuron's trace depends only on its own input column (no cross-talk)."""
    if x.ndim < 2 or x.shape[1] < 2:
        x = np.stack([x.reshape(x.shape[0], -1)[:, 0]] * 2, axis=1)
    full = run(neuron, x)
    i = data.draw(st.integers(0, x.shape[1] - 1), label="neuron")
    alone = run(neuron, x[:, i:i + 1])
    np.testing.assert_array_equal(full.v[:, i:i + 1], alone.v)


@given(neurons(), inputs(), st.floats(-1.0, 1.0))
def test_scalar_v0_equals_broadcast_array_v0(neuron, x, v0):
    a = run(neuron, x, v0)
    b = run(neuron, x, np.full(x.shape[1:], v0))
    np.testing.assert_array_equal(a.v, b.v)
    assert a.v0.shape == x.shape[1:]


@given(neurons(), inputs(dtype=np.float32))
def test_float32_agrees_with_float64_until_a_near_threshold_decision(neuron, x):
    """float32 and float64 runs of the same (float32-exact) input take the same spike decisions
    except where the float64 margin |H - v_th| is within float32 rounding of the threshold; up
    to the first such step the membranes agree to FLOAT32_RTOL relative to the run's scale."""
    a32, a64 = run(neuron, x), run(neuron, x.astype(np.float64))
    scale = 1.0 + np.abs(a64.h).max() + np.abs(x).max()
    differ = (a32.spikes != a64.spikes).reshape(x.shape[0], -1).any(axis=1)
    first = int(np.argmax(differ)) if differ.any() else x.shape[0]
    if differ.any():
        margin = np.abs(a64.h[first] - neuron.v_threshold)[a32.spikes[first] != a64.spikes[first]]
        assert margin.min() <= FLOAT32_RTOL * scale * (first + 1)
    err = np.abs(a32.h[:first] - a64.h[:first])
    assert err.size == 0 or err.max() <= FLOAT32_RTOL * scale * first


FLOAT32_RTOL = 4 * np.finfo(np.float32).eps
"""float32 vs float64: a few float32 rounding errors per step, growing at most linearly in T."""


def test_plif_from_tau_starts_at_that_time_constant():
    for tau in (1.5, 2.0, 7.0):
        plif, lif = PLIF.from_tau(tau), LIF(tau=tau)
        assert np.isclose(plif.leak_rate(), lif.leak_rate(), rtol=1e-15)


@given(neurons(), inputs(dtype=np.float32), st.sampled_from(["numpy", "numba"]))
def test_a_neuron_used_in_both_dtypes_computes_each_as_a_fresh_one(neuron, x, backend):
    """Neurons keep their dtype-cast scalars per dtype: a float64 run after a float32 one (and
    the reverse) must not see the other's."""
    for first, second in ((np.float32, np.float64), (np.float64, np.float32)):
        used = dataclasses.replace(neuron)
        used.forward(x.astype(first), backend=backend)
        a = used.forward(x.astype(second), backend=backend)
        b = dataclasses.replace(neuron).forward(x.astype(second), backend=backend)
        assert a.h.dtype == second
        np.testing.assert_array_equal(a.h, b.h)
        np.testing.assert_array_equal(a.spikes, b.spikes)
