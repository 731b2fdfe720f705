"""Targets with a planted bug, for tests/test_fuzz.py: the NumPy reference run on a
changed neuron (``refsnn_numpy`` otherwise). Each module is a complete target."""

from __future__ import annotations

from refsnn.targets import refsnn_numpy


def planted(change):
    """``(forward, backward)`` of the reference run on ``change(neuron)``."""

    def forward(neuron, x, v0):
        return refsnn_numpy.forward(change(neuron), x, v0)

    def backward(neuron, x, v0, grad_spikes, grad_v):
        return refsnn_numpy.backward(change(neuron), x, v0, grad_spikes, grad_v)

    return forward, backward
