"""The properties every neuron model satisfies, written once and run for every model of
refsnn.neurons.NEURONS, with every option drawn (spec_tests/strategies.py STRATEGIES).

The first tests fail if a registered model has no strategy or no gradient case, so a new
model cannot silently miss the rest: resets, rest, independence, v0 broadcasting, per-dtype
state, the Numba kernels against the NumPy reference (refsnn.tolerances states how closely and
why), ``out=`` buffers, and BPTT against finite differences (spec_tests/gradient_cases.py).
The invariants also held through a target (refsnn/spec/test_conformance.py) are the checks of
refsnn/spec/invariants.py; what is specific to one model (its spike values, closed forms,
by-hand cases, peers) is in spec_tests/test_<model stem>.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refsnn.neurons import NEURONS
from refsnn.neurons.base import BACKENDS
from refsnn.neurons.kinds import binary, multithreshold, ternary
from refsnn.spec import invariants
from refsnn.surrogates import FastSigmoid, Rectangular, StraightThrough, Triangular
from refsnn.tolerances import tolerance
from spec_tests.gradcheck import assert_bptt_matches_fd
from spec_tests.gradient_cases import GRADIENT_CASES
from spec_tests.strategies import STRATEGIES, dtypes, inputs

MODELS = sorted(NEURONS)
every_model = pytest.mark.parametrize("model", MODELS)


def test_every_model_has_a_strategy():
    assert set(STRATEGIES) == set(NEURONS)


def test_every_model_has_gradient_cases():
    assert set(GRADIENT_CASES) == set(NEURONS)
    assert all(GRADIENT_CASES[name] for name in NEURONS)


@every_model
@given(data=st.data())
def test_a_strategy_draws_its_own_model(model, data):
    assert type(data.draw(STRATEGIES[model]())) is NEURONS[model]


# --- resets and rest ----------------------------------------------------------------------------

@every_model
@given(data=st.data())
def test_hard_reset_sets_v_reset_exactly_where_it_fired(model, data):
    neuron = data.draw(STRATEGIES[model](soft=False), label="neuron")
    x = data.draw(inputs(dtype=data.draw(dtypes, label="dtype")), label="x")
    for backend in BACKENDS:
        tr = neuron.forward(x, backend=backend)
        invariants.hard_reset_sets_v_reset_where_fired(neuron, tr.spikes, tr.h, tr.v)


SOFT_RESET_REMOVES = {  # model -> the charge its soft reset removes, from its spikes
    "IF": lambda n, s: s * n.v_threshold,
    "LIF": lambda n, s: s * n.v_threshold,
    "PLIF": lambda n, s: s * n.v_threshold,
    "Ternary": lambda n, s: s / n.amplitude * n.neuron.v_threshold,  # +-v_th per signed spike
    "MultiThreshold": lambda n, s: s * n.neuron.v_threshold,  # O levels of v_th
    "MTNeuron": lambda n, s: s,  # O itself (in float32: test_mtsnn.py)
}


@every_model
@given(data=st.data())
def test_soft_reset_subtracts_the_charge_that_fired(model, data):
    """Soft reset, float64: V = H - (what the spikes stand for, in units of charge)."""
    neuron = data.draw(STRATEGIES[model](soft=True), label="neuron")
    x = data.draw(inputs(), label="x")
    for backend in BACKENDS:
        tr = neuron.forward(x, backend=backend)
        np.testing.assert_array_equal(tr.v, tr.h - SOFT_RESET_REMOVES[model](neuron, tr.spikes))


@every_model
@given(data=st.data(), steps=st.integers(1, 30), n=st.integers(1, 5))
def test_zero_input_from_rest_stays_at_rest(model, data, steps, n):
    neuron = data.draw(STRATEGIES[model](), label="neuron")
    x = np.zeros((steps, n), dtype=data.draw(dtypes, label="dtype"))
    for backend in BACKENDS:
        tr = neuron.forward(x, backend=backend)
        invariants.stays_at_rest(neuron, tr.spikes, tr.v)


# --- shapes, v0 and dtypes ----------------------------------------------------------------------

@every_model
@given(data=st.data())
def test_per_neuron_independence(model, data):
    """Each neuron's trace depends only on its own input column (no cross-talk)."""
    neuron, x = data.draw(STRATEGIES[model](), label="neuron"), data.draw(inputs(), label="x")
    if x.ndim < 2 or x.shape[1] < 2:
        x = np.stack([x.reshape(x.shape[0], -1)[:, 0]] * 2, axis=1)
    full = neuron.forward(x, backend="numpy")
    i = data.draw(st.integers(0, x.shape[1] - 1), label="neuron index")
    alone = neuron.forward(x[:, i:i + 1], backend="numpy")
    np.testing.assert_array_equal(full.v[:, i:i + 1], alone.v)


@every_model
@given(data=st.data(), v0=st.floats(-1.0, 1.0))
def test_scalar_v0_equals_broadcast_array_v0(model, data, v0):
    neuron, x = data.draw(STRATEGIES[model](), label="neuron"), data.draw(inputs(), label="x")
    a = neuron.forward(x, v0, backend="numpy")
    b = neuron.forward(x, np.full(x.shape[1:], v0), backend="numpy")
    np.testing.assert_array_equal(a.v, b.v)
    assert a.v0.shape == x.shape[1:]


@every_model
@given(data=st.data(), backend=st.sampled_from(sorted(BACKENDS)))
def test_a_neuron_used_in_both_dtypes_computes_each_as_a_fresh_one(model, data, backend):
    """Neurons keep their dtype-cast scalars per dtype: a float64 run after a float32 one (and
    the reverse) must not see the other's."""
    neuron = data.draw(STRATEGIES[model](), label="neuron")
    x = data.draw(inputs(dtype=np.float32), label="x")
    for first, second in ((np.float32, np.float64), (np.float64, np.float32)):
        used = dataclasses.replace(neuron)
        used.forward(x.astype(first), backend=backend)
        a = used.forward(x.astype(second), backend=backend)
        b = dataclasses.replace(neuron).forward(x.astype(second), backend=backend)
        assert a.h.dtype == second
        np.testing.assert_array_equal(a.h, b.h)
        np.testing.assert_array_equal(a.spikes, b.spikes)


# --- the Numba kernels against the NumPy reference ----------------------------------------------

ARITHMETIC_SURROGATES = (Rectangular, Triangular, FastSigmoid, StraightThrough)
EXACT_KINDS = (binary, multithreshold, ternary)
"""The kinds whose backward is bit-identical in both dtypes with arithmetic surrogates (the
same IEEE operations in the same order). MT-SNN's (kinds/mtsnn.py) is in float64 only: Numba
types its fire_grad float64 for both modes (the cascade's residuals are float64), where the
reference's parallel mode is float32 (refsnn/neurons/kernels.py)."""
OWN_PARAMETERS = {"Ternary": {"amplitude"}}
"""The learnable scalars a model adds to its base neuron's v_threshold and leak."""


PER_MODEL = settings(max_examples=max(8, settings().max_examples // 4))
"""The kernel comparisons' examples per model: a quarter of the profile's, at least the share
each model had when one test drew from all four families (it was one of four), at 6/4 of the
cost; the rest of the file gives every model the whole profile."""


def runs(model):
    @st.composite
    def draw_run(draw):
        dtype = draw(dtypes, label="dtype")
        x = draw(inputs(dtype=dtype, max_steps=20), label="x")
        v0 = draw(st.floats(-1, 1.5), label="v0")
        return draw(STRATEGIES[model](), label="neuron"), x, v0
    return draw_run()


@every_model
@given(data=st.data())
def test_kernels_forward_is_bit_identical(model, data):
    neuron, x, v0 = data.draw(runs(model), label="run")
    a, b = neuron.forward(x, v0, backend="numpy"), neuron.forward(x, v0, backend="numba")
    for name in ("spikes", "h", "v"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert getattr(b, name).dtype == x.dtype


def backward_is_exact(neuron, dtype):
    arithmetic = isinstance(neuron.surrogate, ARITHMETIC_SURROGATES)
    return arithmetic and (type(neuron).kind in EXACT_KINDS or dtype == np.float64)


@every_model
@PER_MODEL
@given(data=st.data(), with_grad_v=st.booleans())
def test_kernels_backward_agrees(model, data, with_grad_v):
    """dL/dx, dL/dv0: bit for bit where backward_is_exact, else within "kernels_backward" times
    T max(max |grad|, max |upstream grad|) (a result can cancel far below its terms). The
    learnable scalars: sums of T * N terms, each rounded as the gradients are, in another order
    (float64 accumulators per chunk): "kernels_parameter_gradients" on every term."""
    neuron, x, v0 = data.draw(runs(model), label="run")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    gs = rng.normal(size=x.shape).astype(x.dtype)
    gv = rng.normal(size=x.shape).astype(x.dtype) if with_grad_v else None
    trace = neuron.forward(x, v0, backend="numpy")
    a = neuron.backward(trace, gs, gv, backend="numpy")
    b = neuron.backward(trace, gs, gv, backend="numba")
    bound = tolerance("kernels_backward_exact" if backward_is_exact(neuron, x.dtype)
                      else "kernels_backward", x.dtype)
    upstream = max(np.abs(gs).max(), 0.0 if gv is None else np.abs(gv).max())
    for name in ("x", "v0"):
        ref, got = getattr(a, name), getattr(b, name)
        assert got.dtype == ref.dtype and got.shape == ref.shape
        scale = x.shape[0] * max(np.abs(ref).max(initial=0), upstream)
        assert np.abs(got - ref).max(initial=0) <= bound.atol * scale, name
    expected = {"v_threshold"} | set(neuron.leak_rate_gradient(0.0)) | OWN_PARAMETERS.get(model,
                                                                                        set())
    assert a.params.keys() == b.params.keys() == expected
    sums = tolerance("kernels_parameter_gradients", x.dtype)
    for name, value in a.params.items():
        np.testing.assert_allclose(b.params[name], value, rtol=sums.rtol,
                                   atol=sums.atol * x.size * (1 + np.abs(a.x).max()),
                                   err_msg=name)


@every_model
@PER_MODEL
@given(data=st.data(), backend=st.sampled_from(sorted(BACKENDS)))
def test_writing_into_out_buffers_gives_the_same_results(model, data, backend):
    neuron, x, v0 = data.draw(runs(model), label="run")
    fresh = neuron.forward(x, v0, backend=backend)
    stale = neuron.forward(x[::-1].copy(), v0, backend=backend)  # other contents, same shape
    reused = neuron.forward(x, v0, backend=backend, out=stale)
    assert reused.spikes is stale.spikes
    for name in ("spikes", "h", "v"):
        np.testing.assert_array_equal(getattr(reused, name), getattr(fresh, name))
    grad = np.ones_like(x)
    a = neuron.backward(fresh, grad, backend=backend)
    b = neuron.backward(fresh, grad, backend=backend,
                        out=neuron.backward(stale, 2 * grad, backend=backend))
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.v0, b.v0)


# --- BPTT == finite differences (smooth mode, float64) --------------------------------------------

@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("case", [pytest.param(case, id=f"{name}-{case.neuron!r}")
                                  for name in MODELS for case in GRADIENT_CASES[name]])
def test_bptt_equals_finite_differences(case, backend):
    x, v0, weights = case.data()
    if case.exercised is not None:
        assert case.exercised(case.neuron.forward(x, v0, backend="numpy").spikes)
    assert_bptt_matches_fd(case.neuron, backend, x, v0, weights)
