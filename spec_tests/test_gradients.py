"""BPTT of IF / LIF / PLIF checked exactly against finite differences (spec_tests/gradcheck.py).

In smooth mode the spike is ``phi(H - v_th)`` with ``phi' = g`` (the surrogate), so the run is
an ordinary differentiable function and the BPTT gradients must equal its true derivative. The
reset path must be attached (``detach_reset=False``) for that; the detached variant is checked
against torch autograd in test_torch_autograd.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from refsnn import IF, LIF, PLIF
from refsnn.surrogates import SURROGATES
from spec_tests.gradcheck import assert_bptt_matches_fd

MODELS = [
    IF(v_reset=-0.25),
    IF(v_reset=None),
    LIF(tau=3.0, v_reset=0.1),
    LIF(tau=2.5, decay_input=False, v_reset=None),
    PLIF(w=0.4, v_reset=None),
    PLIF(w=-0.7, decay_input=False, v_threshold=0.8),
]


@pytest.mark.parametrize("surrogate", SURROGATES, ids=lambda s: s.name)
@pytest.mark.parametrize("model", MODELS, ids=repr)
@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_bptt_equals_finite_differences(model, surrogate, backend):
    assert_bptt_matches_fd(dataclasses.replace(model, surrogate=surrogate(alpha=1.5)), backend)


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
