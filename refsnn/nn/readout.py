"""Readout: a network's run ``y[T, B, C]`` made into one score per class, ``[B, C]``."""

from __future__ import annotations

import numpy as np

from refsnn import validation
from refsnn.nn.layer import float_array


def mean_over_time(y: np.ndarray) -> np.ndarray:
    """``r[b, c] = (1/T) sum_t y[t, b, c]``. Both readouts are this mean:

    - spike count: ``y`` is the last layer's spikes, ``r`` the firing rate (spike count / T);
    - membrane: the network ends in a Linear with no neuron after it (a non-spiking output
      layer), ``y`` is its output current and ``r`` its mean over T (the Ternary Spike code's
      ``fc`` per step, then the mean over T, spike_model.py).
    """
    float_array("y", y, None, rank=3, shape="[T, B, C]")
    return y.mean(axis=0)


def mean_over_time_backward(grad: np.ndarray, steps: int) -> np.ndarray:
    """dL/dy from dL/dr for :func:`mean_over_time`: ``dL/dy[t] = dL/dr / T`` for every t."""
    float_array("grad", grad, None, rank=2, shape="[B, C]")
    steps = validation.integer("steps", steps, minimum=1)
    return np.broadcast_to(grad / grad.dtype.type(steps), (steps, *grad.shape)).copy()


READOUTS = ("count", "membrane")
"""``"count"``: the network's last layer is a NeuronLayer; ``"membrane"``: a Linear."""
