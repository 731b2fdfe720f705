"""ANN-to-SNN conversion (refsnn/convert): the activations against the authors' code, the core
claim (spike counts equal the quantized ANN's levels, exactly), the IF bounds behind it, the
normalization baselines and the threshold tuning.

Exactness is tested twice: on dyadic data (weights, biases and thresholds with few binary
digits, T and q powers of two), where every sum the SNN forms is exact in float64 and the
claim must hold bit for bit including inputs exactly on a level boundary; and on random
float data with BatchNorm, where it must hold for every neuron whose pre-activation is not
within rounding of a level boundary.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from refsnn import IF, LIF
from refsnn.convert import (
    Activation,
    ClampQuantize,
    InputExpansion,
    ReLU,
    TimeAverage,
    activation_scales,
    cnn,
    convert,
    levels_for,
    logits,
    mlp,
    neuron_layers,
    predict,
    tune_thresholds,
)
from refsnn.convert import ann as anns
from refsnn.nn import AvgPool2d, Flatten, Linear, MaxPool2d, NeuronLayer, Sequential

torch = pytest.importorskip("torch")

powers_of_two = st.sampled_from([1, 2, 4, 8, 16])


# --- the activations ------------------------------------------------------------------------

@given(st.lists(st.floats(-2, 4, allow_subnormal=False) | st.decimals(-2, 4, places=3).map(float),
                min_size=1, max_size=50), st.integers(1, 12), st.integers(1, 40))
def test_clamp_quantize_is_the_exact_level(zs, steps, levels):
    """n = clip(floor(q z), 0, T), computed here in exact rational arithmetic, wherever the
    exact q z is more than one rounding of the float product away from an integer; within it
    (short decimals such as 0.3 q = 10 land there) the float product decides, so n is the
    floor of either neighbour."""
    z = np.array(zs)
    layer = ClampQuantize(steps, levels)
    got = layer.index(z)
    for value, n in zip(zs, got, strict=True):
        exact = Fraction(value) * levels
        margin = Fraction(np.spacing(abs(value * levels)))
        candidates = {min(max(int(np.floor(exact + d)), 0), steps) for d in (-margin, 0, margin)}
        if abs(exact - round(exact)) > margin:
            assert n == min(max(int(np.floor(exact)), 0), steps), value
        else:
            assert n in candidates, value
    np.testing.assert_array_equal(layer.forward(z), got / levels)


def test_clamp_quantize_rounds_the_product_once():
    """The documented example: 0.3 is stored below 3/10, but 10 x 0.3 rounds to 3.0."""
    assert Fraction(0.3) * 10 < 3 and ClampQuantize(5, 10).index(np.array([0.3]))[0] == 3


def test_clamp_quantize_is_index_first_not_clamp_first_at_saturation():
    """docs/conversion.md's example: T = 61, q = 113 and a z above T/q saturate at n = T = 61;
    the clamp-first form floor(q clip(z, 0, T/q)) gives 60, because q fl(T/q) rounds below T."""
    steps, levels, z = 61, 113, 0.6789382907351376
    assert z * levels > steps and np.floor(levels * min(z, steps / levels)) == steps - 1
    assert ClampQuantize(steps, levels).index(np.array([z]))[0] == steps


class _AuthorsQuantization(torch.autograd.Function):
    """The authors' ``Quantization`` (examples/MNIST/mnsit_vr.py), restated: forward
    ``floor(x q) / q``, backward ``hardtanh(grad)``."""

    @staticmethod
    def forward(ctx, x, levels):
        return torch.floor(x * levels) / levels

    @staticmethod
    def backward(ctx, grad):
        return torch.nn.functional.hardtanh(grad), None


@given(st.integers(1, 8), st.integers(1, 20), st.integers(0, 2**32 - 1))
def test_clamp_quantize_matches_the_authors_autograd(steps, levels, seed):
    """Forward and straight-through backward equal torch.clamp then the authors' Quantization,
    gradients larger than 1 included (clipped by hardtanh); boundary values included."""
    rng = np.random.default_rng(seed)
    z = np.concatenate([rng.uniform(-1, 2 * steps / levels, 200), [0.0, steps / levels]])
    g = rng.normal(0, 2, z.shape)
    zt = torch.tensor(z, requires_grad=True)
    out = _AuthorsQuantization.apply(torch.clamp(zt, 0, steps / levels), levels)
    out.backward(torch.tensor(g))
    layer = ClampQuantize(steps, levels)
    np.testing.assert_allclose(layer.forward(z), out.detach().numpy(), rtol=0, atol=1e-15)
    np.testing.assert_array_equal(layer.backward(g), zt.grad.numpy())


@given(st.integers(1, 6), st.integers(0, 6), st.integers(0, 2**32 - 1))
def test_input_expansion_matches_the_authors_remap(steps, extra, seed):
    """Each copy equals the authors' AddQuantization_new: quantize on the (q + d) grid, clip at
    T/(q + d), then replace the value i/(q + d) by i/q for i = 1..T in turn (restated in
    NumPy). For q >= T, their only regime: with q < T that loop replaces an already replaced
    value again (i/(q + 1) -> i/q = j/(q + 1) for a later j), which refsnn does not copy."""
    levels = max(steps, 2) + extra
    x = np.random.default_rng(seed).uniform(0, 1, (5, 2, 3))
    got = InputExpansion(steps, levels).forward(x)
    assert got.shape == (5, 6, 3)
    for copy, d in enumerate((0, 1, -1)):
        grid = levels + d
        authors = np.clip(np.floor(x * grid) / grid, 0, steps / grid)
        for i in range(1, steps + 1):
            authors = np.where(authors == i / grid, i / levels, authors)
        np.testing.assert_allclose(got[:, 2 * copy:2 * copy + 2], authors, rtol=1e-15)


def test_levels_for_gives_the_authors_grids():
    assert [levels_for(t, 0.8) for t in (8, 16, 32, 160)] == [10, 20, 40, 200]
    assert levels_for(1, 0.25) == 4  # their MNIST pair (1, 4)
    assert levels_for(1, 0.8) == 2


def test_time_average_and_its_backward():
    rng = np.random.default_rng(0)
    x, g = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 3, 2))
    layer = TimeAverage()
    y = layer.forward(x)
    np.testing.assert_allclose(y, np.broadcast_to(x.mean(axis=0), x.shape))
    # y is linear in x: <g, y(x)> = <layer.backward(g), x> for every x
    np.testing.assert_allclose(np.sum(g * y), np.sum(layer.backward(g) * x), rtol=1e-12)


# --- the IF neuron's counts, which the conversion rests on ------------------------------------

def _count(currents: np.ndarray, threshold: float) -> np.ndarray:
    """Spike counts of IF(v_threshold, soft reset, V[-1] = 0) driven by ``currents[T, N]``."""
    trace = IF(v_threshold=threshold, v_reset=None).forward(currents, backend="numpy")
    return trace.spikes.sum(axis=0)


@given(powers_of_two, st.integers(-6, 6), st.lists(st.integers(-40, 200), min_size=1,
                                                   max_size=30))
def test_constant_current_fires_the_floor_exactly(steps, log_theta, numerators):
    """Constant I >= 0, threshold v: n = min(T, floor(T I / v)); n = 0 for I < 0 (dyadic, so
    exact, boundaries I = k v / T included)."""
    theta = 2.0 ** log_theta
    current = np.array(numerators) * theta / (16 * steps)
    n = _count(np.broadcast_to(current, (steps, len(current))).copy(), theta)
    expected = np.clip(np.floor(steps * current / theta), 0, steps)
    np.testing.assert_array_equal(n, expected)


@given(powers_of_two, st.data())
def test_if_count_bounds_for_varying_currents(steps, data):
    """With every I[t] <= v: n >= floor(sum I / v), the IF can only over-count its time
    average; with every I[t] in [0, v]: n == floor(sum I / v) exactly (dyadic currents)."""
    n_neurons = 20
    low = data.draw(st.sampled_from([-32, 0]), label="lowest numerator")
    numerators = data.draw(st.lists(st.integers(low, 32), min_size=steps * n_neurons,
                                    max_size=steps * n_neurons), label="currents")
    currents = np.array(numerators, dtype=float).reshape(steps, n_neurons) / 32  # v = 1
    n = _count(currents, 1.0)
    floor_of_mean = np.floor(currents.sum(axis=0))
    assert np.all(n >= floor_of_mean)
    if low == 0:
        np.testing.assert_array_equal(n, floor_of_mean)


def test_if_over_counts_early_excitation():
    """I = [1, -1], v = 1: the IF fires at t = 0 and cannot take it back (n = 1); the ASG
    neuron integrates the mean 0 and stays silent (n = 0)."""
    currents = np.array([[1.0], [-1.0]])
    assert _count(currents, 1.0)[0] == 1
    assert _count(TimeAverage().forward(currents), 1.0)[0] == 0


# --- the core claim: counts equal levels ------------------------------------------------------

def _dyadic(rng: np.random.Generator, shape: tuple, bits: int = 5) -> np.ndarray:
    return np.round(rng.uniform(-1, 1, shape) * 2**bits) / 2**bits


def _dyadic_mlp(rng: np.random.Generator, steps: int, levels: int, widths: list[int]):
    """[ClampQuantize, Flatten, Linear, (ClampQuantize, Linear) per further width], with
    dyadic weights and biases."""
    layers = [ClampQuantize(steps, levels), Flatten()]
    for fan_in, fan_out in zip(widths[:-1], widths[1:], strict=True):
        if len(layers) > 2:
            layers.append(ClampQuantize(steps, levels))
        linear = Linear(fan_in, fan_out, rng=rng)
        linear.weight.value[...] = _dyadic(rng, linear.weight.value.shape)
        linear.bias.value[...] = _dyadic(rng, linear.bias.value.shape)
        layers.append(linear)
    return Sequential(*layers)


def _levels(ann: Sequential, x: np.ndarray) -> list[np.ndarray]:
    """The level indices of every quantizer of ``ann`` on ``x``, in order."""
    found, a = [], x
    for layer in ann.layers:
        if isinstance(layer, ClampQuantize):
            found.append(layer.index(a))
        elif isinstance(layer, InputExpansion):
            found.append(InputExpansion(layer.steps, layer.levels, unit=1.0).forward(a))
        a = layer.forward(a)
    return found


def _counts(snn: Sequential) -> list[np.ndarray]:
    """The spike count of every spiking layer of ``snn`` in its last run, in order."""
    return [layer.trace.spikes.sum(axis=0) for layer in neuron_layers(snn)]


@given(powers_of_two, st.integers(0, 3), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_counts_equal_the_ann_levels_exactly_on_dyadic_nets(steps, log_ratio, depth, seed):
    """The claim, bit for bit: VR + ASG + the input encoder, every layer, any depth."""
    levels = steps * 2**log_ratio
    rng = np.random.default_rng(seed)
    ann = _dyadic_mlp(rng, steps, levels, [6] + [5] * depth + [3])
    x = np.round(rng.uniform(-0.2, 1.2, (40, 6)) * 64) / 64
    snn = convert(ann, activation_scales(ann, None), asg=True, backend="numpy")
    out = logits(snn, x, steps)
    for layer, (ann_level, count) in enumerate(zip(_levels(ann, x), _counts(snn), strict=True)):
        np.testing.assert_array_equal(count, ann_level, err_msg=f"layer {layer}")
    np.testing.assert_array_equal(out, predict(ann, x))


def _boundary(ann: Sequential, x: np.ndarray, margin: float = 1e-9) -> bool:
    """Whether any pre-activation q z lies within ``margin`` of an integer in [0, T]."""
    a = x
    for layer in ann.layers:
        if isinstance(layer, ClampQuantize):
            qz = a * layer.levels
            inside = (qz > -margin) & (qz < layer.steps + margin)
            if np.any(inside & (np.abs(qz - np.round(qz)) < margin)):
                return True
        a = layer.forward(a)
    return False


NETS = {  # name: (builder, input shape, size)
    "mlp": (mlp, (1, 4, 4), {"hidden": (12, 8)}),
    "cnn": (cnn, (1, 4, 4), {"channels": (3, 4)}),
    # five Conv-BN stages pooled after the 2nd and 4th: 4x4 -> 2x2 -> 1x1; and on a 1-D signal
    # (MNIST-1D's layout) 8 -> 4 -> 2, six stages pooled after the 2nd, 4th and 6th: 8 -> 1
    "deep-cnn": (cnn, (1, 4, 4), {"channels": (2, 3, 2, 3, 2), "pool_every": 2}),
    "deep-cnn-1d": (cnn, (8,), {"channels": (2, 3, 2, 3, 2), "pool_every": 2}),
    "deeper-cnn-1d": (cnn, (8,), {"channels": (2,) * 6, "pool_every": 2}),
}


ROUNDING = {"float64": 1e-9, "float32": 1e-4}  # dtype: how far rounding can move a q z


@given(st.integers(1, 10), st.sampled_from(list(NETS)), st.booleans(),
       st.sampled_from(list(ROUNDING)), st.integers(0, 2**32 - 1))
def test_counts_equal_the_ann_levels_on_random_nets(steps, model, expand, dtype, seed):
    """The claim on float data: random BatchNorm statistics (folded), any T and
    q = ceil(T / 0.8), plain or expanded input, MLP, CNN with pooling, or deeper CNNs (five or
    six Conv-BN stages, 2-D or 1-D), in float64 or float32 (`refsnn convert --dtype`): every
    spiking layer's count equals the ANN's level index, and the logits agree to rounding and
    keep the ANN's dtype."""
    rng = np.random.default_rng(seed)
    levels = levels_for(steps, 0.8)
    activation = Activation("cq", steps, levels, expand_input=expand)
    build, shape, size = NETS[model]
    ann = build(shape, 3, activation, rng=rng, dtype=dtype, **size)
    for layer in ann.layers:
        if hasattr(layer, "running_mean"):
            layer.running_mean[...] = rng.normal(0, 0.2, layer.running_mean.shape)
            layer.running_var[...] = rng.uniform(0.5, 2, layer.running_var.shape)
            layer.beta.value[...] = rng.uniform(0, 0.6, layer.beta.value.shape)
    x = rng.uniform(0, 1, (30, *shape)).astype(dtype)
    folded = ann.fold_batchnorm()
    assume(not _boundary(folded, x, ROUNDING[dtype]))
    snn = convert(ann, activation_scales(ann, None), asg=True)
    out = logits(snn, x, steps)
    for layer, (ann_level, count) in enumerate(zip(_levels(folded, x), _counts(snn),
                                                   strict=True)):
        np.testing.assert_array_equal(count, ann_level, err_msg=f"layer {layer}")
    assert out.dtype == dtype
    tolerance = ROUNDING[dtype] / 10
    np.testing.assert_allclose(out, predict(folded, x), rtol=tolerance, atol=tolerance)


@given(st.integers(1, 64), st.integers(0, 2**32 - 1))
def test_relu_conversion_error_is_below_one_spike_per_window(steps, seed):
    """A ReLU net normalized by the maximum (one hidden layer, analog input): the hidden
    neurons see a constant current z in [0, lambda], fire floor(T z / lambda) times, so each
    rate is below z by less than lambda / T, and every logit is within sum_j |W_kj| lambda / T
    of the ANN's."""
    rng = np.random.default_rng(seed)
    ann = Sequential(Flatten(), Linear(5, 7, rng=rng), ReLU(), Linear(7, 3, rng=rng))
    x = rng.uniform(0, 1, (50, 5))
    (lam,) = activation_scales(ann, x, normalization="max")
    snn = convert(ann, [lam], asg=False)
    error = np.abs(logits(snn, x, steps) - predict(ann, x))
    bound = np.abs(ann.layers[3].weight.value).sum(axis=1) * lam / steps
    assert np.all(error <= bound * (1 + 1e-12))


# --- scales, structure, tuning ------------------------------------------------------------------

def test_scales_max_and_percentile_by_hand():
    """Identity weights: the ReLU activations are relu(x) = 0, 1, ..., 100 (and negatives)."""
    ann = Sequential(Linear(1, 1, rng=0), ReLU(), Linear(1, 1, rng=0))
    ann.layers[0].weight.value[...] = 1.0
    ann.layers[0].bias.value[...] = 0.0
    x = np.arange(-5.0, 101.0)[:, None]
    assert activation_scales(ann, x, normalization="max") == [100.0]
    # 99.9th percentile of 1..100 with linear interpolation: 1 + 0.999 * 99
    (p,) = activation_scales(ann, x, normalization="percentile", percentile=99.9)
    assert p == pytest.approx(1 + 0.999 * 99, rel=1e-12)
    cq = Sequential(ClampQuantize(4, 5), Linear(1, 1, rng=0), ClampQuantize(4, 5),
                    Linear(1, 1, rng=0))
    assert activation_scales(cq, None) == [0.8, 0.8]


def test_convert_builds_the_documented_layers():
    """Encoder IF(threshold T_q) on indices, then weights x lambda_in, TimeAverage, IF(lambda)."""
    ann = mlp((1, 2, 2), 3, Activation("cq", 4, 5), hidden=(6,), rng=0)
    snn = convert(ann, activation_scales(ann, None), asg=True, tau=8.0)
    kinds = [type(layer).__name__ for layer in snn.layers]
    assert kinds == ["ClampQuantize", "NeuronLayer", "Flatten", "Linear", "TimeAverage",
                     "NeuronLayer", "Linear"]
    encoder, hidden = neuron_layers(snn)
    assert snn.layers[0].unit == 1.0 and encoder.neuron.v_threshold == 4.0
    assert isinstance(encoder.neuron, IF)  # the encoder does not leak, whatever tau
    assert isinstance(hidden.neuron, LIF) and hidden.neuron.tau == 8.0
    assert hidden.neuron.v_reset is None and not hidden.neuron.decay_input
    assert hidden.neuron.v_threshold == 0.8
    folded = ann.fold_batchnorm()
    np.testing.assert_array_equal(snn.layers[3].weight.value, folded.layers[2].weight.value * 0.8)
    np.testing.assert_array_equal(snn.layers[3].bias.value, folded.layers[2].bias.value)
    np.testing.assert_array_equal(snn.layers[6].weight.value, folded.layers[4].weight.value * 0.8)
    assert isinstance(convert(ann, [0.8, 0.8]).layers[1].neuron, IF)


def test_threshold_tuning_by_hand():
    """One hidden neuron, T = 2: inputs with indices 2 and 1 spike [1, 1] and [0, 1]; weights
    1 and -2 (scaled by lambda_in = 1) give the current [1, -1], so the IF fires once where the
    ASG neuron does not (N_IF = 1, N_ASG = 0, M = B T = 2). With eta = 0.5:
    theta = 1 - 0.5 * 1 * (0 - 1) / 2 = 1.25, the gain 1 / 1.25 = 0.8 makes the current
    [0.8, -0.8], the IF falls silent, and a second pass changes nothing."""
    ann = Sequential(ClampQuantize(2, 2), Linear(2, 1, rng=0), ClampQuantize(2, 2),
                     Linear(1, 1, rng=0))
    ann.layers[1].weight.value[...] = [[1.0, -2.0]]
    ann.layers[1].bias.value[...] = 0.0
    x = np.array([[1.0, 0.5]])  # indices floor(2 x) = 2, 1
    scales = activation_scales(ann, None)
    asg, plain = (convert(ann, scales, asg=a, backend="numpy") for a in (True, False))
    logits(plain, x, 2)
    assert _counts(plain)[1][0, 0] == 1
    (theta,) = tune_thresholds(plain, asg, x, 2, rate=0.5, epochs=2, batch=1)
    np.testing.assert_array_equal(theta, [1.25])
    np.testing.assert_allclose(plain.layers[2].weight.value, [[0.8, -1.6]], rtol=1e-15)
    logits(plain, x, 2)
    assert _counts(plain)[1][0, 0] == 0


def test_threshold_tuning_reduces_the_count_mismatch():
    """On a trained-like random CQ net without ASG, tuning against ASG lowers the total
    |N_ASG - N_IF| over the hidden layers on the data it was tuned on."""
    rng = np.random.default_rng(3)
    ann = mlp((1, 4, 4), 3, Activation("cq", 4, 5), hidden=(32, 32), rng=rng)
    x = rng.uniform(0, 1, (200, 1, 4, 4))
    scales = activation_scales(ann, None)
    asg, plain = convert(ann, scales, asg=True), convert(ann, scales, asg=False)

    def mismatch():
        logits(asg, x, 4), logits(plain, x, 4)
        return sum(np.abs(a.sum() - b.sum()) for a, b in zip(_counts(asg)[1:], _counts(plain)[1:],
                                                              strict=True))
    before = mismatch()
    tune_thresholds(plain, asg, x, 4, rate=0.1, epochs=5, batch=50, rng=rng)
    assert before > 0 and mismatch() < before


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "name"), [
    (lambda: ClampQuantize(0, 4), "steps"),
    (lambda: ClampQuantize(2, 0), "levels"),
    (lambda: ClampQuantize(2, 4, unit=0.0), "unit"),
    (lambda: InputExpansion(2, 1), "levels"),
    (lambda: levels_for(4, 0.0), "ceiling"),
    (lambda: Activation("tanh"), "kind"),
    (lambda: convert(mlp((4,), 2, Activation("cq", 2, 3), hidden=(3,), rng=0), [0.5]), "scales"),
    (lambda: convert(mlp((4,), 2, Activation("cq", 2, 3), hidden=(3,), rng=0), [0.5, 0.0]),
     "scales[1]"),
    (lambda: convert(mlp((4,), 2, Activation("cq", 2, 3), hidden=(3,), rng=0), [1, 1],
                     tau=0.5), "tau"),
    (lambda: convert(Sequential(Linear(2, 2, rng=0), NeuronLayer(IF()), Linear(2, 1, rng=0)),
                     []), "NeuronLayer"),
    (lambda: convert(Sequential(Linear(2, 2, rng=0), MaxPool2d(2), ReLU(), Linear(2, 1, rng=0)),
                     [1.0]), "MaxPool2d"),
    (lambda: convert(Sequential(ReLU(), Linear(2, 1, rng=0)), [1.0]), "without weights"),
    (lambda: convert(Sequential(ClampQuantize(2, 2), MaxPool2d(2), ReLU(), Linear(2, 1, rng=0)),
                     [1.0, 1.0]), "layers[1]: cannot convert a MaxPool2d"),
    (lambda: convert([Linear(2, 1, rng=0)], []), "Sequential"),
    (lambda: convert(Sequential(Linear(2, 2, rng=0), ReLU()), [1.0]), "output layer"),
    (lambda: activation_scales(Sequential(Linear(2, 2, rng=0), ReLU(), Linear(2, 1, rng=0)),
                               None), "calibration"),
    (lambda: activation_scales(Sequential(Linear(2, 2, rng=0), ReLU(), Linear(2, 1, rng=0)),
                               np.ones((3, 2)), normalization="percentile", percentile=101),
     "percentile"),
    (lambda: activation_scales(Sequential(Linear(2, 2, rng=0), ReLU(), Linear(2, 1, rng=0)),
                               np.ones((3, 2)), normalization="mean"), "normalization"),
    (lambda: logits(Sequential(Linear(2, 1, rng=0)), np.ones((3, 2)), 0), "steps"),
    (lambda: cnn((1, 4, 4), 2, Activation(), channels=(2, 2, 2), rng=0),
     "channels: stage 3 of 3 pools a 1x1 map of the input [1, 4, 4] to nothing"),
    (lambda: cnn((8,), 2, Activation(), channels=(2,) * 8, pool_every=2, rng=0),
     "channels: stage 8 of 8 pools a 1x1 map"),  # 8 -> 4 -> 2 -> 1 after stages 2, 4, 6
    (lambda: cnn((8,), 2, Activation(), channels=(2,), pool_every=0, rng=0), "pool_every"),
    (lambda: cnn((4, 4), 2, Activation(), rng=0), "input_shape"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name.replace("[", r"\[").replace("]", r"\]")):
        call()


def test_deep_cnn_layout_on_images_and_signals(tmp_path):
    """Five Conv-BN stages, pooled after the 2nd and 4th: MNIST's 28x28 -> 14x14 -> 7x7, so the
    output Linear reads 64 * 7 * 7 = 3136 features; MNIST-1D's 40 samples, three copies with
    ICE, reshaped to [3, 1, 40] -> 20 -> 10: 64 * 10 = 640. Saved and loaded, it is the same."""
    size = {"channels": (16, 16, 32, 32, 64), "pool_every": 2}
    images = cnn((1, 28, 28), 10, Activation("relu"), rng=0, **size)
    kinds = [type(layer).__name__ for layer in images.layers]
    assert kinds.count("Conv2d") == 5 and kinds.count("BatchNorm") == 5
    # stage s: Conv, BN, [Pool], act; stages 1, 3: 3 layers, 2, 4: 4 -> pools at 3+2, 3+4+3+2
    assert [i for i, k in enumerate(kinds) if k == "AvgPool2d"] == [5, 12]
    assert images.layers[-1].weight.value.shape == (10, 3136)
    signal = cnn((40,), 10, Activation("cq", 2, 3, expand_input=True), rng=0, **size)
    assert signal.layers[1].shape == (3, 1, 40)
    assert signal.layers[-1].weight.value.shape == (10, 640)
    meta = anns.describe("cnn", (40,), 10, Activation("cq", 2, 3, expand_input=True), size,
                         np.float64, anns.Training(), 0)
    net, loaded = anns.load(anns.save(tmp_path / "deep.npz", signal, meta))
    x = np.random.default_rng(0).uniform(0, 1, (4, 40))
    assert loaded == meta
    np.testing.assert_array_equal(predict(net, x), predict(signal, x))


def test_pooling_block_converts():
    """AvgPool2d inside a block (Conv, BN, pool, activation) is part of the linear map."""
    ann = cnn((1, 4, 4), 2, Activation("cq", 2, 3), channels=(2,), rng=0)
    snn = convert(ann, activation_scales(ann, None))
    assert any(isinstance(layer, AvgPool2d) for layer in snn.layers)
