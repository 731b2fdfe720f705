"""Bad input raises ValueError naming the argument, before any computation.

The arguments of ``forward`` and ``backward`` are checked for every model of
refsnn.neurons.NEURONS (with its defaults); each model's own parameters are checked here for
the binary models and the surrogates, and in spec_tests/test_<model stem>.py for the others."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra import numpy as hnp

from refsnn import IF, LIF, PLIF, MTNeuron, MultiThreshold, Ternary, surrogates, validation
from refsnn.neurons import NEURONS, with_defaults
from refsnn.neurons.base import BACKENDS, Gradients, Trace

X = np.ones((3, 2))
every_model = pytest.mark.parametrize("model", sorted(NEURONS))


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("x, message", [
    (np.array([[1.0, np.nan]]), r"^x: expected finite values .* nan at index \(0, 1\)"),
    (np.array([[np.inf]]), r"^x: expected finite values .* inf"),
    (np.array(1.0), r"^x: expected rank >= 1 .* got rank 0"),
    (np.ones((0, 3)), r"^x: expected T = x.shape\[0\] >= 1 .* shape \(0, 3\)"),
    (np.ones((2, 3), dtype=np.int64), r"^x: expected dtype float32 or float64, got int64"),
    ([[1.0]], r"^x: expected a numpy.ndarray .* got list"),
])
@every_model
def test_bad_x(model, x, message, backend):
    with pytest.raises(ValueError, match=message):
        with_defaults(NEURONS[model]).forward(x, backend=backend)


@pytest.mark.parametrize("v0, message", [
    (np.ones(3), r"^v0: expected .* neuron shape \(2,\), got shape \(3,\)"),
    (np.ones((2, 2)), r"^v0: expected .* got shape \(2, 2\)"),
    (np.nan, r"^v0: expected finite values"),
    ("a", r"^v0: expected a real scalar or array"),
])
@every_model
def test_bad_v0(model, v0, message):
    with pytest.raises(ValueError, match=message):
        with_defaults(NEURONS[model]).forward(X, v0)


@pytest.mark.parametrize("make, message", [
    (lambda: LIF(tau=0.0), r"^tau: expected a value >= 1.0, got 0.0"),
    (lambda: LIF(tau=-2.0), r"^tau: expected a value >= 1.0"),
    (lambda: LIF(tau=0.5), r"^tau: expected a value >= 1.0, got 0.5"),
    (lambda: LIF(tau=np.nan), r"^tau: expected a finite number or \+inf"),
    (lambda: LIF(tau="2"), r"^tau: expected a real number"),
    (lambda: PLIF.from_tau(1.0), r"^tau: expected a value > 1.0"),
    (lambda: PLIF(w=np.inf), r"^w: expected a finite number"),
    (lambda: IF(v_threshold=0.0), r"^v_threshold: expected a value > 0.0, got 0.0"),
    (lambda: IF(v_threshold=-1.0), r"^v_threshold: expected a value > 0.0"),
    (lambda: IF(v_reset=1.0), r"^v_reset: expected a value < v_threshold = 1.0, got 1.0"),
    (lambda: IF(v_reset=np.inf), r"^v_reset: expected a finite number"),
    (lambda: IF(compare="=>"), r"^compare: expected one of \('>=', '>'\)"),
    (lambda: IF(detach_reset=1), r"^detach_reset: expected True or False, got 1"),
    (lambda: LIF(decay_input="yes"), r"^decay_input: expected True or False"),
    (lambda: IF(surrogate="sigmoid"), r"^surrogate: expected a refsnn.surrogates.Surrogate"),
    (lambda: surrogates.Sigmoid(alpha=0.0), r"^sigmoid.alpha: expected a value > 0.0"),
    (lambda: surrogates.Arctan(scale=-1.0), r"^arctan.scale: expected a value > 0.0"),
    (lambda: surrogates.get("sigmoud"), r"^surrogate: expected one of .* got 'sigmoud'"),
])
def test_bad_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_backend_and_mode():
    with pytest.raises(ValueError, match=r"^backend: expected one of \('numpy', 'numba'\)"):
        LIF().forward(X, backend="cuda")
    with pytest.raises(ValueError, match=r"^smooth: expected False with backend='numba'"):
        LIF().forward(X, backend="numba", smooth=True)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@every_model
def test_bad_backward_arguments(model, backend):
    neuron = with_defaults(NEURONS[model])
    trace = neuron.forward(X, backend=backend)
    with pytest.raises(ValueError, match=r"^grad_spikes: expected shape \(3, 2\) .* \(2, 3\)"):
        neuron.backward(trace, np.ones((2, 3)), backend=backend)
    with pytest.raises(ValueError, match=r"^grad_v: expected finite values"):
        neuron.backward(trace, np.ones((3, 2)), np.full((3, 2), np.nan), backend=backend)
    with pytest.raises(ValueError, match=r"^trace: expected the Trace returned by forward"):
        neuron.backward((X, X), np.ones((3, 2)), backend=backend)


@every_model
def test_bad_output_buffers(model):
    neuron = with_defaults(NEURONS[model])
    trace = neuron.forward(X)
    with pytest.raises(ValueError, match=r"^out: expected a Trace or None, got tuple"):
        neuron.forward(X, out=(X, X, X))
    with pytest.raises(ValueError, match=r"^out.spikes: expected a float64 array of shape \(4,"):
        neuron.forward(np.ones((4, 2)), out=trace)
    with pytest.raises(ValueError, match=r"^out.spikes: expected a float32 array"):
        neuron.forward(X.astype(np.float32), out=trace)
    with pytest.raises(ValueError, match=r"^out.spikes: expected an array that does not overlap"):
        neuron.forward(trace.spikes, out=trace)
    grads = neuron.backward(trace, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"^out: expected a Gradients or None, got Trace"):
        neuron.backward(trace, np.ones((3, 2)), out=trace)
    with pytest.raises(ValueError, match=r"^out.x: expected an array that does not overlap"):
        neuron.backward(trace, np.ones((3, 2)), out=dataclasses.replace(grads, x=trace.x))


@given(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3),
       hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
def test_v0_accepts_exactly_the_shapes_that_broadcast_to_the_neuron_shape(v0_shape, shape):
    try:
        expected = np.broadcast_shapes(v0_shape, shape) == shape
    except ValueError:
        expected = False
    v0 = np.arange(np.prod(v0_shape), dtype=np.float64).reshape(v0_shape)
    if not expected:
        with pytest.raises(ValueError, match=r"^v0: expected a scalar or an array broadcastable"):
            validation.state("v0", v0, shape, np.float32)
        return
    state = validation.state("v0", v0, shape, np.float32)
    assert state.dtype == np.float32
    np.testing.assert_array_equal(state, np.broadcast_to(v0, shape))


# --- regressions of the bad-input audit (issue 16) -------------------------------------------

RNG = np.random.default_rng(0)
XR = RNG.normal(0.6, 1.0, (6, 10))


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_output_trace_arrays_that_alias_each_other_are_refused(backend):
    neuron, buffer = LIF(v_reset=None), np.empty_like(XR)
    out = Trace(x=XR, v0=np.zeros(10), spikes=buffer, h=buffer, v=np.empty_like(XR))
    with pytest.raises(ValueError, match=r"^out.h: expected an array that does not overlap "
                       r"x, out.spikes, got one that overlaps out.spikes"):
        neuron.forward(XR, out=out, backend=backend)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("alias", ["grad_spikes", "trace.h", "trace.spikes", "out.x"])
def test_output_gradients_that_alias_an_input_are_refused(alias, backend):
    neuron = Ternary(neuron=LIF())
    trace, grad = neuron.forward(XR, backend=backend), RNG.normal(size=XR.shape)
    buffers = {"grad_spikes": grad, "trace.h": trace.h, "trace.spikes": trace.spikes,
               "out.x": np.empty_like(XR)}
    grad_x = buffers[alias]
    grad_v0 = grad_x[0] if alias == "out.x" else np.empty(10)  # out.v0 inside out.x
    with pytest.raises(ValueError, match=rf"^out.(x|v0): expected an array that does not "
                       rf"overlap .*, got one that overlaps {re.escape(alias)}$"):
        neuron.backward(trace, grad, out=Gradients(x=grad_x, v0=grad_v0, params={}),
                        backend=backend)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("field, value, message", [
    ("spikes", np.ones((1, 1)), r"^trace.spikes: expected a float64 array of shape \(6, 10\), "
                                r"got float64 \(1, 1\)"),
    ("v0", np.ones(2), r"^trace.v0: expected a float64 array of shape \(10,\), got float64"),
    ("h", XR.astype(np.float32), r"^trace.h: expected a float64 array .* got float32"),
    ("v", [[0.0]], r"^trace.v: expected a float64 array .* got list"),
    ("x", XR[:, :3], r"^trace.v0: expected a float64 array of shape \(3,\)"),
])
def test_a_hand_built_trace_is_checked_before_any_kernel(field, value, message, backend):
    neuron = LIF()
    fields = dataclasses.asdict(neuron.forward(XR, backend=backend)) | {field: value}
    with pytest.raises(ValueError, match=message):
        neuron.backward(Trace(**fields), np.ones_like(XR), backend=backend)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("make, v0, message", [
    (LIF, 1e39, r"^v0: expected values that float32 can hold .* got 1e\+39"),
    (lambda: LIF(v_reset=-1e39), None, r"^v_reset: expected values that float32 can hold"),
    (lambda: LIF(surrogate=surrogates.Sigmoid(alpha=1e39)), None, r"^surrogate.alpha: "),
    (lambda: LIF(surrogate=surrogates.Sigmoid(scale=1e39)), None, r"^surrogate.scale: "),
    (lambda: Ternary(neuron=LIF(), amplitude=1e39), None, r"^amplitude: "),
    (lambda: IF(v_threshold=1e39), None, r"^v_threshold: .* got 1e\+39, which overflows it"),
    (lambda: MultiThreshold(neuron=LIF(v_threshold=1e38), levels=8), None,
     r"^\(levels \+ 1\) \* v_threshold / 2: "),
    (lambda: MTNeuron(neuron=LIF(v_threshold=1e38), thresholds=(1.0, 8.0),
                      amplitudes=(1.0, 2.0)), None, r"^thresholds \* v_threshold: "),
])
def test_scalars_that_overflow_float32_are_named(make, v0, message, backend):
    with pytest.raises(ValueError, match=message):
        make().forward(XR.astype(np.float32), v0, backend=backend)


@pytest.mark.parametrize("name", ["thresholds", "amplitudes"])
def test_thresholds_that_overflow_float64_are_refused_on_construction(name):
    ratios = {"thresholds": (1.0, 0.5), "amplitudes": (1.0, 2.0)} | {name: (1.0, 1e10)}
    with pytest.raises(ValueError, match=rf"^{name} \* v_threshold: expected values that "
                       r"float64 can hold .* got inf"):
        MTNeuron(neuron=LIF(v_threshold=1e300), mode="parallel", **ratios)


@pytest.mark.filterwarnings("ignore:overflow encountered", "ignore:invalid value encountered")
@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_a_membrane_overflow_of_finite_input_is_an_error(backend):
    x = np.full((3, 4), 3e38, np.float32)  # H[1] = 3e38 - 1 + 3e38 overflows float32
    with pytest.raises(ValueError, match=r"^h: expected a membrane that float32 can hold .* "
                       r"got inf at index \(1, 0\)"):
        IF(v_reset=None).forward(x, backend=backend)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_masked_input_is_refused_and_big_endian_input_accepted(backend):
    with pytest.raises(ValueError, match=r"^x: expected a plain numpy.ndarray .*MaskedArray"):
        LIF().forward(np.ma.masked_array(XR, XR > 1), backend=backend)
    with pytest.raises(ValueError, match=r"^v0: expected a plain numpy.ndarray"):
        LIF().forward(XR, np.ma.masked_array(np.zeros(10)), backend=backend)
    for dtype in (">f8", ">f4"):
        swapped, native = XR.astype(dtype), XR.astype(dtype[1:])
        got, want = LIF().forward(swapped, backend=backend), LIF().forward(native, backend=backend)
        np.testing.assert_array_equal(got.v, want.v)
        np.testing.assert_array_equal(LIF().backward(got, native.astype(dtype)).x,
                                      LIF().backward(want, native).x)


@pytest.mark.parametrize("method", ["derivative", "primitive"])
@pytest.mark.parametrize("surrogate", [cls(alpha=0.5) for cls in surrogates.SURROGATES])
def test_surrogates_of_integer_and_bool_input_are_computed_in_float(surrogate, method):
    integers = np.array([0, 1, 2])
    want = getattr(surrogate, method)(integers.astype(np.float64))
    got = getattr(surrogate, method)(integers)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(getattr(surrogate, method)(np.array([False, True])), want[:2])


def test_surrogate_values_of_integer_input_by_hand():
    # sigmoid g = alpha s (1 - s), s = 1/(1 + e^(-alpha x)); alpha = 0.5, x = 0: 0.5/4 = 0.125
    # (an integer computation gave 0); arctan phi = 1/2 + arctan(pi/2 * 2 * 1)/pi = 0.9019...
    assert surrogates.Sigmoid(alpha=0.5).derivative(np.array([0]))[0] == 0.125
    np.testing.assert_allclose(surrogates.Arctan(alpha=2.0).primitive(np.array([1])),
                               [0.5 + np.arctan(np.pi) / np.pi], rtol=1e-15)


@pytest.mark.parametrize("x", [np.array([1.0], dtype=object), "a", np.array([1j]), None])
def test_surrogates_refuse_non_real_input(x):
    for method in ("derivative", "primitive"):
        with pytest.raises(ValueError, match=r"^x: expected a real array .* got dtype"):
            getattr(surrogates.Sigmoid(), method)(x)


@pytest.mark.parametrize("name", [["sigmoid"], {"sigmoid": 1}])
def test_surrogate_lookup_by_a_non_string(name):
    with pytest.raises(ValueError, match=r"^surrogate: expected one of .* got"):
        surrogates.get(name)


@pytest.mark.parametrize("method", ["derivative", "primitive"])
def test_a_surrogate_alpha_that_overflows_float32_is_named(method):
    surrogate = surrogates.Sigmoid(alpha=1e39)
    with pytest.raises(ValueError, match=r"^sigmoid.alpha: expected values that float32 can hold"):
        getattr(surrogate, method)(np.zeros(3, np.float32))
    assert np.isfinite(getattr(surrogate, method)(np.zeros(3))).all()  # float64 holds 1e39
