"""Hand-derived spike trains: the expected values come from closed forms, written out here."""

from __future__ import annotations

import numpy as np
import pytest

from refsnn import IF, LIF, PLIF
from refsnn.neurons.base import BACKENDS


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
