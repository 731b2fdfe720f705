"""MTNeuron (refsnn/neurons/mtsnn.py), the MT-SNN spike kind (refsnn/neurons/kinds/mtsnn.py).

Every expected value is derived here from the kind docstring's equations, not from the code:
the spikes from the equations in float64 NumPy (the documented arithmetic), the standard
families' levels from exact rationals (fractions.Fraction) on dyadic grids, charge conservation
from exact dyadic sums, gradients from central differences (of the smooth run in parallel mode,
of the run linearised at the forward pass's decisions in cascade mode) or by hand. Resets, the
kernels and BPTT = finite differences of the parallel mode's smooth run are generic properties
of every model (spec_tests/test_properties.py; the gradient cases: spec_tests/gradient_cases.py).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refsnn import IF, LIF
from refsnn.neurons.base import BACKENDS
from refsnn.neurons.kinds import mtsnn
from refsnn.neurons.mtsnn import MTNeuron
from refsnn.surrogates import (
    Arctan,
    FastSigmoid,
    Rectangular,
    Sigmoid,
    StraightThrough,
    Triangular,
)
from refsnn.tolerances import assert_close, tolerance
from spec_tests.gradcheck import central_difference, elementwise_fd, get_param, with_param
from spec_tests.gradient_cases import (
    FD_SURROGATES,
    KINK_MARGIN,
    MTSNN_BASES,
    GradientCase,
    a_min,
    mt_neuron,
)
from spec_tests.strategies import dtypes, dyadic, inputs, mt_neurons, neurons

MODES = ("parallel", "cascade")
TRACE = ("spikes", "h", "v")
ARITHMETIC_SURROGATES = (Rectangular, Triangular, FastSigmoid, StraightThrough)



def expected_spikes(model, h, dtype):
    """O (float64, before its rounding to ``dtype``) and the binary spikes s_i from the
    docstring's equations: theta_i and a_i are the float64 products rounded once to ``dtype``;
    the steps compare exactly; a_i s_i, O and the residuals are float64, summed in index
    order."""
    v = model.neuron.v_threshold
    theta = [float(dtype(r * v)) for r in model.thresholds]
    amp = [float(dtype(c * v)) for c in model.amplitudes]
    h = h.astype(np.float64)
    r, o, spikes = h, np.zeros_like(h), []
    for th, a in zip(theta, amp, strict=True):
        u = (r if model.mode == "cascade" else h) - th
        s = (u >= 0) if model.neuron.compare == ">=" else (u > 0)
        spikes.append(s)
        o = o + a * s
        r = r - a * s
    return o, spikes


def assert_trace_equal(a, b, dtype):
    for name in TRACE:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        assert getattr(a, name).dtype == dtype


def upstream_gradients(data, x, with_grad_v=True):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    gs = rng.normal(size=x.shape).astype(x.dtype)
    return gs, rng.normal(size=x.shape).astype(x.dtype) if with_grad_v else None


# --- 1. K = 1 is the base neuron, its spike scaled by V -------------------------------------

@given(neurons(), dtypes, st.sampled_from(MODES), st.floats(-1, 1.5), st.data())
def test_one_threshold_is_the_base_neuron(neuron, dtype, mode, v0, data):
    """thresholds = amplitudes = (1,): O == V S and H, V are the base neuron's bit for bit, in
    both backends. Backward: O = V S, so the base neuron's BPTT with dL/dS = V dL/dO gives the
    same dL/dx, dL/dv0 and charge gradients; dL/dV adds the amplitude's own term sum dL/dO S
    (O depends on V through a_1 = V at fixed S; the reset does not: V - O = V - S V_th and
    O / a_min = S)."""
    x = data.draw(inputs(dtype=dtype), label="x")
    model = MTNeuron(neuron=neuron, mode=mode, thresholds=(1,), amplitudes=(1,))
    gs, gv = upstream_gradients(data, x)
    v = dtype(neuron.v_threshold)
    steps = x.shape[0]
    for backend in BACKENDS:
        a, b = neuron.forward(x, v0, backend=backend), model.forward(x, v0, backend=backend)
        np.testing.assert_array_equal(b.spikes, v * a.spikes)
        for name in ("h", "v"):
            np.testing.assert_array_equal(getattr(b, name), getattr(a, name), err_msg=name)
            assert getattr(b, name).dtype == dtype
        ga = neuron.backward(a, (v * gs).astype(dtype), gv, backend=backend)
        gb = model.backward(b, gs, gv, backend=backend)
        upstream = max(np.abs(gs).max() * max(float(v), 1.0), np.abs(gv).max())
        bound = tolerance("mtsnn_one_threshold", dtype).atol * steps
        for name in ("x", "v0"):
            ref, got = getattr(ga, name), getattr(gb, name)
            assert got.dtype == ref.dtype and got.shape == ref.shape
            assert np.abs(got - ref).max() <= bound * max(np.abs(ref).max(), upstream), name
        assert ga.params.keys() == gb.params.keys()
        sums = tolerance("kernels_parameter_gradients", dtype)  # sums in another order, too
        tol = sums.atol * x.size * (1 + np.abs(ga.x).max() + upstream)
        amplitude_term = float(np.sum(gs.astype(np.float64) * a.spikes))
        for name, value in ga.params.items():
            expected = value + (amplitude_term if name == "v_threshold" else 0.0)
            np.testing.assert_allclose(gb.params[name], expected, rtol=sums.rtol, atol=tol,
                                       err_msg=name)


# --- 2. the spike: binary spikes times fixed amplitudes; the standard families ---------------

@given(mt_neurons(), dtypes, st.data())
def test_spike_is_a_sum_of_binary_spikes_times_the_amplitudes(model, dtype, data):
    """O = sum_i a_i s_i with s_i = step(H - theta_i) (parallel) or step(r_i - theta_i) along
    the residual chain (cascade), for any ratios and inputs; so O / V is a subset sum of c."""
    x = data.draw(inputs(dtype=dtype, max_steps=8), label="x")
    for backend in BACKENDS:
        tr = model.forward(x, backend=backend)
        o, _ = expected_spikes(model, tr.h, dtype)
        np.testing.assert_array_equal(tr.spikes, o.astype(dtype))


def exact_uniform_count(h, v, k, compare):
    """clip(floor(K H / V), 0, K) (">=") or clip(ceil(K H / V) - 1, 0, K) (">"), exactly."""
    q = Fraction(float(h)) * k / Fraction(v)
    n = math.floor(q) if compare == ">=" else math.ceil(q) - 1
    return min(max(n, 0), k)


def exact_binary_count(h, lam, k, compare):
    """min(floor(H / lambda), 2^K - 1) (">=") or min(ceil(H / lambda) - 1, 2^K - 1) (">") for
    H >= 0, else 0: the greedy binary expansion of H in units of lambda, exactly."""
    q = Fraction(float(h)) / Fraction(lam)
    n = math.floor(q) if compare == ">=" else math.ceil(q) - 1
    return min(max(n, 0), 2**k - 1)


@given(dtypes, st.sampled_from([1, 2, 4, 8]), st.integers(8, 128), st.sampled_from([">=", ">"]),
       st.booleans(), st.data())
def test_parallel_uniform_levels_on_the_dyadic_grid(dtype, k, sixty_fourths, compare, soft,
                                                    data):
    """MTNeuron.parallel: O = (V/K) clip(floor(K H / V), 0, K). IF with V = j/64 and inputs
    multiples of 1/64, so every H, theta_i = iV/K and a_i = V/K is exact (K a power of two) and
    H hits thresholds exactly: the compare convention decides. The count is also recovered from
    O alone: O / (V/K) is an integer n, and s_i = 1 exactly for i <= n."""
    v = sixty_fourths / 64
    neuron = IF(v_threshold=v, v_reset=None if soft else -0.5, compare=compare)
    model = MTNeuron.parallel(neuron, levels=k)
    steps, n = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 8))
    x = dyadic(data.draw, (steps, n), -1, 3).astype(dtype)
    count = np.vectorize(exact_uniform_count, otypes=[np.float64])
    for backend in BACKENDS:
        tr = model.forward(x, backend=backend)
        levels = count(tr.h, v, k, compare)
        np.testing.assert_array_equal(tr.spikes, (levels * (v / k)).astype(dtype))
        recovered = tr.spikes / (v / k)
        np.testing.assert_array_equal(recovered, np.round(recovered))
        _, spikes = expected_spikes(model, tr.h, dtype)
        for i, s in enumerate(spikes, start=1):  # thermometer code: s_i = [i <= n]
            np.testing.assert_array_equal(s, recovered >= i)


@given(dtypes, st.integers(1, 5), st.integers(8, 128), st.sampled_from([">=", ">"]),
       st.booleans(), st.data())
def test_cascade_binary_expansion_on_the_dyadic_grid(dtype, k, sixty_fourths, compare, soft,
                                                     data):
    """MTNeuron.cascade: O = lambda min(floor(H / lambda), 2^K - 1) for H >= 0, 0 below lambda
    (lambda = V / 2^(K-1)); the s_i are the bits of O / lambda, most significant first."""
    v = sixty_fourths / 64
    lam = v / 2 ** (k - 1)
    neuron = IF(v_threshold=v, v_reset=None if soft else -0.5, compare=compare)
    model = MTNeuron.cascade(neuron, levels=k)
    steps, n = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 8))
    x = dyadic(data.draw, (steps, n), -1, 3).astype(dtype)
    count = np.vectorize(exact_binary_count, otypes=[np.float64])
    for backend in BACKENDS:
        tr = model.forward(x, backend=backend)
        units = count(tr.h, lam, k, compare)
        np.testing.assert_array_equal(tr.spikes, (units * lam).astype(dtype))
        recovered = (tr.spikes / lam).astype(np.int64)
        np.testing.assert_array_equal(recovered, units)
        _, spikes = expected_spikes(model, tr.h, dtype)
        for i, s in enumerate(spikes):  # bit K-1-i of the level
            np.testing.assert_array_equal(s, (recovered >> (k - 1 - i)) & 1)


@given(mt_neurons(mode="cascade", dominated=True), dtypes, st.data())
def test_cascade_never_emits_more_than_the_membrane(model, dtype, data):
    """With c_i <= rho_i (the binary family, or drawn ratios) a fired stage leaves a residual
    r_i - a_i >= r_i - theta_i >= 0, so 0 <= O <= max(H, 0). Exact for float32 (the float64
    residuals and sums of float32 values are exact here); in float64 O is the rounded float64
    sum, allowed K rounding errors."""
    x = data.draw(inputs(dtype=dtype), label="x")
    slack = 0.0 if dtype == np.float32 else model.levels * np.finfo(np.float64).eps
    for backend in BACKENDS:
        tr = model.forward(x, backend=backend)
        assert np.all(tr.spikes >= 0)
        assert np.all(tr.spikes <= np.maximum(tr.h, 0) * (1 + slack))


@given(dtypes, st.sampled_from(MODES), st.integers(1, 4), st.integers(1, 40), st.integers(1, 8),
       st.integers(1, 128), st.sampled_from([">=", ">"]), st.data())
def test_soft_reset_if_conserves_charge_exactly(dtype, mode, log_k, steps, n, sixty_fourths,
                                                compare, data):
    """IF, soft reset, v0 = 0: sum_t X[t] = V[T-1] + sum_t O[t], exactly: inputs, V = j/64 and
    the standard families' thresholds and amplitudes (K a power of two for parallel) are dyadic
    with |values| < 2^8, so every step is exact in float32 too."""
    x = dyadic(data.draw, (steps, n), -2, 4).astype(dtype)
    neuron = IF(v_threshold=sixty_fourths / 64, v_reset=None, compare=compare)
    model = getattr(MTNeuron, mode)(neuron, levels=2 ** (log_k - 1) if mode == "parallel"
                                    else log_k)
    for backend in BACKENDS:
        tr = model.forward(x, 0.0, backend=backend)
        np.testing.assert_array_equal(x.astype(np.float64).sum(0),
                                      tr.v[-1].astype(np.float64)
                                      + tr.spikes.astype(np.float64).sum(0))


@given(mt_neurons(soft=True), dtypes, st.data())
def test_soft_reset_rounds_h_minus_o_once(model, dtype, data):
    """Soft: V = H - O computed in float64 from the unrounded O and rounded once to the dtype (so
    in float32 not H - O of the rounded spikes); the hard reset is generic."""
    x = data.draw(inputs(dtype=dtype, max_steps=8), label="x")
    for backend in BACKENDS:
        tr = model.forward(x, backend=backend)
        o, _ = expected_spikes(model, tr.h, dtype)  # the unrounded float64 O
        np.testing.assert_array_equal(tr.v, (tr.h.astype(np.float64) - o).astype(dtype))


# --- 3. BPTT of the cascade == finite differences of its linearised run (float64) ----------

SHAPE = (7, 2, 2)
FD_CASES = [pytest.param(base, mean, surrogate, which, id=f"{base!r}-{surrogate.name}-{which}")
            for base, mean in MTSNN_BASES for surrogate in FD_SURROGATES for which in (0, 1)]


def spec_run(model, x, v0, frozen=None):
    """The run from the kind docstring's equations, float64 (charge written out here).

    ``frozen=None``: the discrete run; returns ``(spikes, h, v, record)`` where ``record`` holds
    every stage's argument u0 = r_i - theta_i and step s0. With a ``record``: the run linearised
    at those decisions, every step(u) replaced by s0 + phi(u) - phi(u0), which is the discrete
    run at the recorded point and differentiable around it with the surrogate as the steps'
    derivative (residuals attached): what BPTT differentiates."""
    neuron = model.neuron
    big_v = neuron.v_threshold
    theta = [r * big_v for r in model.thresholds]
    amp = [c * big_v for c in model.amplitudes]
    k, v_rest, decay_input = neuron.charge_params()
    phi = neuron.surrogate.primitive
    v = np.broadcast_to(np.asarray(v0, dtype=np.float64), x.shape[1:])
    record, out = [], {"spikes": [], "h": [], "v": []}
    for t in range(x.shape[0]):
        h = v + (x[t] - (v - v_rest)) * k if decay_input else v - (v - v_rest) * k + x[t]
        r, o, stages = h, np.zeros_like(h), []
        for i in range(len(theta)):
            u = (r if model.mode == "cascade" else h) - theta[i]
            if frozen is None:
                s = 1.0 * ((u >= 0) if neuron.compare == ">=" else (u > 0))
                stages.append((u, s))
            else:
                u0, s0 = frozen[t][i]
                s = s0 + phi(u) - phi(u0)
            o = o + amp[i] * s
            r = r - amp[i] * s
        record.append(stages)
        if neuron.v_reset is None:
            v = h - o
        else:
            f = np.minimum(o / min(amp), 1.0)
            v = f * v_rest + (1.0 - f) * h
        for name, value in (("spikes", o), ("h", h), ("v", v)):
            out[name].append(value)
    return (*(np.array(out[name]) for name in TRACE), record)


@pytest.mark.parametrize("model, mean, surrogate, which", FD_CASES)
def test_cascade_bptt_equals_finite_differences_of_the_linearised_run(model, mean, surrogate,
                                                                      which):
    """Cascade mode: BPTT of the discrete run == central differences of the run linearised at
    its decisions (spec_run), for dL/dx, dL/dv0, dL/dv_threshold, dL/dtau or dL/dw; both
    backends. (The smooth run is not usable for K >= 2: its residuals are smooth, while BPTT
    recomputes them from H with the hard steps; see the kind docstring.) With a hard reset,
    the data avoid O = a_min, the kink of min(O / a_min, 1)."""
    neuron = mt_neuron("cascade", model, surrogate, which)

    def kink_free(neuron, x, v0):
        o = spec_run(neuron, x, v0)[0]
        return neuron.neuron.v_reset is None or np.all(
            (o == 0) | (np.abs(o / a_min(neuron) - 1) > KINK_MARGIN))

    x, v0, weights = GradientCase(neuron, mean, seeds=range(200), usable=kink_free).data()
    trace = neuron.forward(x, v0, backend="numpy")
    *spec, record = spec_run(neuron, x, v0)
    for name, value in zip(TRACE, spec, strict=True):  # the spec's run is the forward pass
        assert_close(getattr(trace, name), value, "float64_reordered")
    assert np.unique(trace.spikes).size >= 3  # several levels are used

    def linearised_loss(model, x, v0):
        spikes, _, v, _ = spec_run(model, x, v0, frozen=record)
        return np.sum(weights[0] * spikes) + np.sum(weights[1] * v)

    expected = {"x": elementwise_fd(lambda a: linearised_loss(neuron, a, v0), x),
                "v0": elementwise_fd(lambda a: linearised_loss(neuron, x, a), v0)}
    for backend in BACKENDS:
        grads = neuron.backward(trace, weights[0], weights[1], backend=backend)
        assert set(grads.params) == {"v_threshold"} | set(model.leak_rate_gradient(0.0))
        for name in ("x", "v0"):
            assert_close(getattr(grads, name), expected[name], "finite_differences",
                         err_msg=f"dL/d{name}")
        for name, value in grads.params.items():
            fd = central_difference(
                lambda p, name=name: linearised_loss(with_param(neuron, name, p), x, v0),
                get_param(neuron, name))
            assert_close(value, fd, "finite_differences", err_msg=f"dL/d{name}")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("which", [0, 1])
def test_fire_grad_and_threshold_gradient_element_wise(mode, which):
    """One step, element-wise over a fine grid of H: fire_grad == dO/dH and param_grads' dO/dV
    (read off with dL/dO = 1, dL/dV = 0) == dO/dV, by central differences of the smooth spike
    (parallel) or of the spike linearised at the hard decisions (cascade)."""
    base = IF(v_threshold=0.7, v_reset=None, surrogate=Sigmoid(alpha=2.5, scale=0.8))
    model = mt_neuron(mode, base, base.surrogate, which)
    h = np.linspace(-1.0, 2.5, 1501)
    p, g0 = model.kind_params(np.float64), type(base.surrogate).g0
    zero_v0 = np.zeros(h.shape)
    if mode == "parallel":
        def spike(h, v_threshold):
            other = with_param(model, "v_threshold", v_threshold)
            return mtsnn.fire_smooth(h, other.kind_params(np.float64), base.surrogate.primitive)
        o = spike(h, 0.7)  # the smooth O: param_grads reads sum_i c_i s_i off it
    else:
        # IF with X = H from V = 0: H[0] = X; spec_run's linearised spike at the recorded steps
        recorded = spec_run(model, h[None], zero_v0)[3]

        def spike(h, v_threshold):
            other = with_param(model, "v_threshold", v_threshold)
            return spec_run(other, np.asarray(h)[None], zero_v0, frozen=recorded)[0][0]
        o = mtsnn.fire(h, p)
    dodh = mtsnn.fire_grad(h, o, p, g0)
    assert_close(dodh, central_difference(lambda a: spike(a, 0.7), h), "finite_differences")
    dodv, unused = mtsnn.param_grads(h, o, dodh, 1.0, 1.0, 0.0, p, g0)
    assert_close(dodv, central_difference(lambda t: spike(h, t), 0.7), "finite_differences")
    assert unused == 0.0


def test_hard_reset_threshold_gradient_through_a_min():
    """Hard reset, smooth parallel spike below a_min: V' = f v_reset + (1 - f) H with
    f = O / a_min, and a_min = c_min V. dV'/dV at fixed H (dL/dV' = 1, dL/dO = 0) == central
    differences of the reset of the smooth spike (both O and a_min move with V)."""
    base = IF(v_threshold=0.8, v_reset=-0.3, surrogate=Arctan(alpha=2.0))
    model = MTNeuron(neuron=base, thresholds=(0.6, 1.0), amplitudes=(0.5, 0.75))
    h = np.linspace(-0.5, 0.3, 200)  # O well below a_min = 0.4: f = O / a_min < 1

    def membrane(h, v_threshold):
        p = with_param(model, "v_threshold", v_threshold).kind_params(np.float64)
        return mtsnn.reset(h, mtsnn.fire_smooth(h, p, base.surrogate.primitive), p)

    p, g0 = model.kind_params(np.float64), type(base.surrogate).g0
    o = mtsnn.fire_smooth(h, p, base.surrogate.primitive)
    assert np.all(o < p.a_min)
    dodh = mtsnn.fire_grad(h, o, p, g0)
    dvdh, dvdo = mtsnn.reset_grad(h, o, p)
    assert_close(dvdh + dvdo * dodh, central_difference(
        lambda a: membrane(a, 0.8), h), "finite_differences")
    d_threshold, _ = mtsnn.param_grads(h, o, dodh, dvdo, 0.0, 1.0, p, g0)  # g_o = dL/dV' dV'/dO
    assert_close(d_threshold, central_difference(lambda t: membrane(h, t), 0.8),
                 "finite_differences")


# --- 4. bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="serial"), r"^mode: expected one of \('parallel', 'cascade'\), got 'serial'$"),
    (dict(mode=None), r"^mode: expected one of"),
    (dict(thresholds=(), amplitudes=()),
     r"^thresholds: expected a tuple of K >= 1 positive ratios, got \(\)$"),
    (dict(thresholds=1.0), r"^thresholds: expected a tuple of K >= 1 positive ratios, "
                           r"got float 1.0$"),
    (dict(thresholds="ab"), r"^thresholds: expected a tuple .* got str 'ab'$"),
    (dict(thresholds=np.ones((2, 1))), r"^thresholds: expected a 1-D sequence of ratios, got an "
                                       r"array of shape \(2, 1\)$"),
    (dict(thresholds=(0.5, 0.0)), r"^thresholds\[1\]: expected a value > 0.0, got 0.0$"),
    (dict(thresholds=(-0.5, 1.0)), r"^thresholds\[0\]: expected a value > 0.0, got -0.5$"),
    (dict(thresholds=(0.5, np.inf)), r"^thresholds\[1\]: expected a finite number, got inf$"),
    (dict(thresholds=(np.nan, 1.0)), r"^thresholds\[0\]: expected a finite number, got nan$"),
    (dict(thresholds=(True, 1.0)), r"^thresholds\[0\]: expected a real number, got bool True$"),
    (dict(thresholds=("1", 1.0)), r"^thresholds\[0\]: expected a real number, got str '1'$"),
    (dict(amplitudes=(0.5,)), r"^amplitudes: expected K = 2 ratios \(one per threshold\), "
                              r"got 1$"),
    (dict(amplitudes=(0.5, 0.5, 0.5)), r"^amplitudes: expected K = 2 ratios .* got 3$"),
    (dict(amplitudes=(0.5, -1.0)), r"^amplitudes\[1\]: expected a value > 0.0, got -1.0$"),
    (dict(amplitudes=(0.0, 0.5)), r"^amplitudes\[0\]: expected a value > 0.0, got 0.0$"),
    (dict(amplitudes=(np.inf, 0.5)), r"^amplitudes\[0\]: expected a finite number, got inf$"),
    (dict(amplitudes=None), r"^amplitudes: expected a tuple .* got NoneType None$"),
    (dict(mode="cascade", thresholds=(0.5, 1.0)),
     r"^thresholds: expected strictly descending ratios in cascade mode .* "
     r"got \(0.5, 1.0\)$"),
    (dict(mode="cascade", thresholds=(1.0, 1.0)), r"^thresholds: expected strictly descending"),
    (dict(neuron="LIF"), r"^neuron: expected an IF, LIF or PLIF .* got str$"),
    (dict(neuron=MTNeuron(neuron=IF())), r"^neuron: expected .* got MTNeuron$"),
    (dict(neuron=IF(v_reset=0.5)), r"^neuron.v_reset: expected a value < the lowest threshold "
                                   r"min\(thresholds\) \* v_threshold = 0.5, got 0.5$"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MTNeuron(**({"neuron": IF()} | kwargs))


@pytest.mark.parametrize("factory", [MTNeuron.parallel, MTNeuron.cascade])
@pytest.mark.parametrize("levels, message", [
    (0, r"^levels: expected an integer >= 1, got 0$"),
    (2.0, r"^levels: expected an integer >= 1, got float 2.0$"),
    (True, r"^levels: expected an integer >= 1, got bool True$"),
])
def test_bad_levels(factory, levels, message):
    with pytest.raises(ValueError, match=message):
        factory(IF(), levels=levels)


def test_bad_reset_for_the_lowest_cascade_threshold():
    with pytest.raises(ValueError, match=r"^neuron.v_reset: .* = 0.25, got 0.3$"):
        MTNeuron.cascade(IF(v_reset=0.3), levels=3)


def test_defaults_families_and_normalisation():
    model = MTNeuron(neuron=IF())
    assert (model.mode, model.thresholds, model.amplitudes) == ("parallel", (0.5, 1.0),
                                                                (0.5, 0.5))
    assert model == MTNeuron.parallel(IF(), levels=2)
    four = MTNeuron.parallel(IF(), levels=np.int64(4))
    assert four.thresholds == (0.25, 0.5, 0.75, 1.0) and four.amplitudes == (0.25,) * 4
    three = MTNeuron.cascade(IF(), levels=3)
    assert three.mode == "cascade" and three.thresholds == three.amplitudes == (1.0, 0.5, 0.25)
    assert three.levels == 3
    given_as = MTNeuron(neuron=IF(), thresholds=np.array([2, 1]), amplitudes=[1, np.float32(1)])
    assert given_as.thresholds == (2.0, 1.0) and given_as.amplitudes == (1.0, 1.0)
    assert all(type(r) is float for r in given_as.thresholds + given_as.amplitudes)
    p = MTNeuron.parallel(LIF(v_threshold=0.3), levels=3).kind_params(np.float32)
    assert p.thresholds.dtype == p.amplitudes.dtype == p.threshold_ratios.dtype == np.float32
    np.testing.assert_array_equal(p.thresholds, np.float32([(1 / 3) * 0.3, (2 / 3) * 0.3, 0.3]))
    np.testing.assert_array_equal(p.amplitudes, np.float32([(1 / 3) * 0.3] * 3))
    assert p.a_min == np.float32((1 / 3) * 0.3) and p.a_min.dtype == np.float32


# --- 5. hand-derived cases ------------------------------------------------------------------

def one_step(model, h, backend):
    """IF from V = 0 with X = H: one step whose H is exactly ``h``."""
    return model.forward(np.array([[h]]), 0.0, backend=backend)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_cascade_by_hand(backend):
    # Cascade, K = 3, V = 1 (thresholds = amplitudes = 1, 1/2, 1/4), soft reset, H = 1.6:
    #   r_1 = 1.6              >= theta_1 = 1     -> s_1 = 1, r_2 = 1.6 - 1   = 0.6
    #   r_2 = 0.6              >= theta_2 = 0.5   -> s_2 = 1, r_3 = 0.6 - 0.5 = 0.1
    #   r_3 = 0.1              <  theta_3 = 0.25  -> s_3 = 0, r_4 = 0.1
    #   O = 1 + 0.5 = 1.5 (binary 110: 6 lambda, lambda = 1/4 = floor(1.6 / 0.25)),
    #   V = H - O = r_4 = 0.1 (the residual; 1.6 is not dyadic: 0.1 up to rounding).
    # Parallel uniform K = 3 (thresholds 1/3, 2/3, 1, amplitude 1/3): all three reached,
    #   O = 1 (saturated at V), V = 0.6.
    # Gradients, Rectangular(alpha=1): g(u) = 1[|u| < 1/2]:
    #   u_1 = 0.6  -> g = 0: ds_1/dH = 0,              D_2 = 1
    #   u_2 = 0.1  -> g = 1: ds_2/dH = D_2 = 1,        D_3 = 1 - 0.5 * 1 = 0.5
    #   u_3 = -0.15 -> g = 1: ds_3/dH = D_3 = 0.5
    #   dO/dH = 1 * 0 + 0.5 * 1 + 0.25 * 0.5 = 0.625
    #   E_1 = 0: ds_1/dV = 0 (g = 0);                  E_2 = 0 - 1 * 1 - 1 * 0 = -1
    #   ds_2/dV = 1 * (E_2 - 0.5) = -1.5;              E_3 = -1 - 0.5 * 1 - 0.5 * (-1.5) = -0.75
    #   ds_3/dV = 1 * (E_3 - 0.25) = -1
    #   dO/dV = (1 * 1 + 1 * 0) + (0.5 * 1 + 0.5 * (-1.5)) + (0.25 * 0 + 0.25 * (-1)) = 0.5
    # With dL/dO = 1, dL/dV' = 0: dL/dX = dO/dH (IF: dH/dX = 1), dL/dv_th = dO/dV.
    neuron = IF(v_reset=None, surrogate=Rectangular(alpha=1.0))
    cascade = MTNeuron.cascade(neuron, levels=3)
    tr = one_step(cascade, 1.6, backend)
    assert tr.spikes[0, 0] == 1.5
    assert tr.v[0, 0] == pytest.approx(0.1, abs=1e-15)
    g = cascade.backward(tr, np.ones((1, 1)), np.zeros((1, 1)), backend=backend)
    assert (g.x[0, 0], g.params["v_threshold"]) == (0.625, 0.5)
    parallel = MTNeuron.parallel(neuron, levels=3)
    tr = one_step(parallel, 1.6, backend)
    assert tr.spikes[0, 0] == 1.0 and tr.v[0, 0] == pytest.approx(0.6, abs=1e-15)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_hard_reset_gradient_by_hand(backend):
    # Parallel uniform K = 2 (thresholds 0.5, 1; amplitudes 0.5, 0.5), V = 1, hard reset to 0,
    # Rectangular(alpha=1), dL/dV' = 1 only. f = min(O / a_min, 1), a_min = 0.5.
    #   H = 0.75: O = 0.5 = a_min (one spike): dV'/dH = 1 - 1 = 0, dV'/dO = (0 - 0.75) / 0.5
    #             = -1.5 (left slope at the kink), dO/dH = 0.5 g(0.25) + 0.5 g(-0.25) = 1
    #             -> dL/dX = 0 + (-1.5)(1) = -1.5
    #   H = 1.25: O = 1 > a_min: dV'/dO = 0, dV'/dH = 0 -> dL/dX = 0
    #   H = 0.25: O = 0: dV'/dH = 1, dV'/dO = -0.25 / 0.5 = -0.5, dO/dH = 0.5 g(-0.25) + 0.5
    #             g(-0.75) = 0.5 -> dL/dX = 1 - 0.25 = 0.75
    model = MTNeuron.parallel(IF(surrogate=Rectangular(alpha=1.0)), levels=2)
    x = np.array([[0.75, 1.25, 0.25]])
    tr = model.forward(x, 0.0, backend=backend)
    assert tr.spikes[0].tolist() == [0.5, 1.0, 0.0] and tr.v[0].tolist() == [0.0, 0.0, 0.25]
    g = model.backward(tr, np.zeros_like(x), np.ones_like(x), backend=backend)
    assert g.x[0].tolist() == [-1.5, 0.0, 0.75]
