"""The invariants of a run, written once as checks of its ``(spikes, h, v)``: the output of a
target's ``forward`` (the protocol, refsnn/targets/_protocol.py) and of ``Neuron.forward`` alike.

refsnn/spec/test_conformance.py holds a target to them (``--target``; refsnn's own by default);
the project's spec_tests/test_properties.py holds the NumPy reference and the Numba kernels to
them for every model of refsnn.neurons.NEURONS, in both dtypes. ``h`` may be None (a target
that does not expose H): the checks that need it are then skipped. Each check is derived from
the equations of refsnn/neurons/base.py and the kinds' docstrings, not from the code's output.
"""

from __future__ import annotations

import numpy as np


def _base(neuron):
    """The single-threshold neuron that holds the threshold and reset (itself if not wrapped)."""
    return getattr(neuron, "neuron", neuron)


def spikes_mark_threshold_crossings(neuron, spikes, h) -> None:
    """A binary neuron: S is 0 or 1, and 1 exactly where H reached v_th (``compare``)."""
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    if h is not None:
        threshold = neuron.v_threshold
        above = h >= threshold if neuron.compare == ">=" else h > threshold
        np.testing.assert_array_equal(spikes, above.astype(spikes.dtype))


def hard_reset_sets_v_reset_where_fired(neuron, spikes, h, v) -> None:
    """Hard reset: V = v_reset (in V's dtype) wherever any spike fired (S != 0), else V = H."""
    fired = spikes != 0
    assert np.all(v[fired] == v.dtype.type(_base(neuron).v_reset))
    if h is not None:
        np.testing.assert_array_equal(v[~fired], h[~fired])


def soft_reset_if_conserves_charge(neuron, x, spikes, v) -> None:
    """A binary IF with a soft reset, from v0 = 0, on dyadic input and threshold (every partial
    sum exact): sum_t X[t] = V[T-1] + v_th * (number of spikes), with equality."""
    np.testing.assert_array_equal(x.sum(0), v[-1] + neuron.v_threshold * spikes.sum(0))


def stays_at_rest(neuron, spikes, v) -> None:
    """Zero input from the rest potential: no spike, and V stays at rest exactly."""
    assert not spikes.any()
    assert np.all(v == v.dtype.type(neuron.rest_potential))
