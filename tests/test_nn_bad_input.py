"""Bad input to refsnn.nn (layers, networks, optimizers, losses, readouts) raises ValueError
naming the argument (regressions of the bad-input audit, issue 16); the neurons' and
surrogates' are in spec_tests/test_bad_input.py."""

from __future__ import annotations

import numpy as np
import pytest

from refsnn.nn import Adam, Linear, Sequential, losses, readout


@pytest.mark.parametrize("steps, message", [
    (-1, r"^steps: expected an integer >= 1, got -1"),
    (0, r"^steps: expected an integer >= 1, got 0"),
    (2.5, r"^steps: expected an integer >= 1, got float 2.5"),
])
def test_mean_over_time_backward_with_bad_steps(steps, message):
    with pytest.raises(ValueError, match=message):
        readout.mean_over_time_backward(np.ones((2, 3)), steps)


def test_sequential_errors_show_the_shape_of_the_run():
    net = Sequential(Linear(8, 3, rng=0))
    with pytest.raises(ValueError, match=r"^layers\[0\] \(Linear\) got the run of shape \(5, 8\) "
                       r"\[T, B, \.\.\.\] as one batch \[T\*B, \.\.\.\]: x: expected shape"):
        net.forward(np.ones((5, 8)))
    net.forward(np.ones((4, 5, 8)))
    with pytest.raises(ValueError, match=r"^layers\[0\] \(Linear\) got the run of shape "
                       r"\(4, 4, 3\)"):
        net.backward(np.ones((4, 4, 3)))


def test_adam_accepts_numpy_floats_as_betas():
    params = Linear(2, 2, rng=0).parameters()
    assert Adam(params, betas=(np.float32(0.5), np.float64(0.25))).betas == (0.5, 0.25)
    with pytest.raises(ValueError, match=r"^betas\[1\]: expected a number in \[0, 1\), got 1.0"):
        Adam(params, betas=(np.float32(0.5), np.float32(1.0)))


@pytest.mark.parametrize("loss", sorted(losses.LOSSES))
@pytest.mark.parametrize("scores, labels, message", [
    (np.array([[0.0, np.nan]]), np.array([0]), r"^scores: expected finite values .* nan at "
                                               r"index \(0, 1\)"),
    (np.zeros((0, 3)), np.zeros(0, dtype=np.int64), r"^scores: expected a batch of B >= 1 rows"),
])
def test_losses_refuse_nan_scores_and_an_empty_batch(loss, scores, labels, message):
    with pytest.raises(ValueError, match=message):
        losses.LOSSES[loss](scores, labels)
