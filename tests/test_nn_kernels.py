"""The layers' Numba kernels (refsnn/nn/kernels.py) agree with their NumPy code, the reference.

- im2col and col2im: bit for bit (the same values copied; every position's additions in the
  same row-major order of kernel offsets), also against refsnn.nn.windows' view and adjoint;
- AvgPool2d: backward bit for bit (the same division and additions), forward to one rounding
  of the window sum (NumPy's ``mean`` picks its own order of the additions);
- Conv2d: the same products summed in another order (one BLAS product per image instead of
  one for the batch), so within the classic bound ``n eps sum|terms|`` of each, n the number
  of terms; the sums of |terms| are the reference run on absolute values;
- BatchNorm: its sums are float64 in the kernel, NumPy's are in the data's dtype (pairwise),
  so float32 results differ by the rounding of NumPy's float32 statistics (a few ulps of the
  normalised values); float64 ones to about 1e-12;
- a CNN's training does not depend on the thread count (refsnn/nn/blocks.py), bit for bit;
- a whole CNN trained for three SGD steps in float64 with either backend ends with the same
  parameters to 1e-9 (rounding differences carried through the steps; no spike flips at this
  size). SGD, not Adam: a Conv2d bias before a BatchNorm has a gradient of exactly 0 in exact
  arithmetic (BatchNorm removes every per-channel shift), so both backends compute rounding
  noise for it, and Adam's normalised step would turn any such noise into a step of lr.

The finite-difference checks of both backends are in tests/test_nn.py (LAYERS).
"""

from __future__ import annotations

import numpy as np
import pytest

from refsnn import LIF
from refsnn.nn import SGD, AvgPool2d, BatchNorm, Conv2d, encoding, kernels, losses, models, readout
from refsnn.nn.windows import add_windows, windows
from refsnn.training import limit_threads

DTYPES = (np.float64, np.float32)
CONVS = [  # (in, out, kernel, stride, padding, image [N, C, H, W])
    (2, 3, 3, 1, 1, (3, 2, 7, 6)),  # the "same size" fast path
    (1, 4, 3, 1, 1, (2, 1, 5, 5)),
    (2, 3, (2, 3), 2, 0, (2, 2, 6, 7)),
    (1, 2, 3, (2, 1), (1, 2), (2, 1, 5, 4)),
    (3, 2, (3, 1), 1, (2, 0), (2, 3, 4, 5)),
]


def _reference_columns(x, kernel, stride, padding, out_size):
    """im2col in the kernel's layout ``[N, C kh kw, Ho Wo]``, from refsnn.nn.windows."""
    (ph, pw), n = padding, x.shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    view = windows(xp, kernel, stride, out_size)  # [N, C, Ho, Wo, kh, kw]
    return view.transpose(0, 1, 4, 5, 2, 3).reshape(n, -1, out_size[0] * out_size[1])


def _conv_layer(case, dtype, backend, weight=None):
    c_in, c_out, kernel, stride, padding, _ = case
    layer = Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, rng=1, dtype=dtype,
                   backend=backend)
    if weight is not None:
        layer.weight.value[...], layer.bias.value[...] = weight
    return layer


@pytest.mark.parametrize("case", CONVS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_columns_and_their_adjoint_are_bit_identical_to_the_windows(case, dtype):
    layer = _conv_layer(case, dtype, "numba")
    rng = np.random.default_rng(0)
    x = rng.normal(size=case[5]).astype(dtype)
    (ho, wo) = layer.forward(x).shape[2:]
    args = (*layer.kernel_size, *layer.stride, *layer.padding, ho, wo)
    cols = kernels.columns(x, *args)
    np.testing.assert_array_equal(
        cols, _reference_columns(x, layer.kernel_size, layer.stride, layer.padding, (ho, wo)))
    g = rng.normal(size=cols.shape).astype(dtype)
    grad_x = np.zeros_like(x)
    kernels.add_columns(grad_x, g, *args)
    (ph, pw), (h, w) = layer.padding, x.shape[2:]
    expected = np.zeros((x.shape[0], x.shape[1], h + 2 * ph, w + 2 * pw), dtype)
    kh, kw = layer.kernel_size
    add_windows(expected, g.reshape(x.shape[0], x.shape[1], kh, kw, ho, wo)
                .transpose(0, 1, 4, 5, 2, 3), layer.stride)
    np.testing.assert_array_equal(grad_x, expected[:, :, ph:ph + h, pw:pw + w])


def _conv_run(case, dtype, backend, x, grad, weight):
    layer = _conv_layer(case, dtype, backend, weight)
    y = layer.forward(x, training=True)
    return y, layer.backward(grad), layer.weight.grad, layer.bias.grad


@pytest.mark.parametrize("case", CONVS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv2d_numba_equals_numpy_within_the_rounding_of_its_sums(case, dtype):
    rng = np.random.default_rng(2)
    x = rng.normal(size=case[5]).astype(dtype)
    layer = _conv_layer(case, dtype, "numpy")
    weight = (layer.weight.value.copy(), layer.bias.value.copy())
    grad = rng.normal(size=layer.forward(x).shape).astype(dtype)
    numba = _conv_run(case, dtype, "numba", x, grad, weight)
    numpy = _conv_run(case, dtype, "numpy", x, grad, weight)
    # sums of |terms|: the reference on absolute values
    bound = _conv_run(case, dtype, "numpy", np.abs(x), np.abs(grad),
                      tuple(np.abs(w) for w in weight))
    kh, kw = layer.kernel_size
    terms = (case[0] * kh * kw + 1, case[1] * kh * kw, grad[:, 0].size, grad[:, 0].size)
    eps = np.finfo(dtype).eps
    for name, a, b, size, n in zip(("y", "dL/dx", "dL/dW", "dL/db"), numba, numpy, bound,
                                   terms, strict=True):
        assert a.dtype == dtype, name
        np.testing.assert_array_less(np.abs(a - b), 2 * n * eps * size + np.finfo(dtype).tiny,
                                     err_msg=name)


@pytest.mark.parametrize("kernel, stride, shape", [(2, None, (3, 2, 6, 7)),
                                                   (3, None, (2, 2, 7, 8)),
                                                   (3, 2, (2, 2, 7, 6)),
                                                   ((2, 3), (1, 2), (2, 3, 5, 7))])
@pytest.mark.parametrize("dtype", DTYPES)
def test_avgpool_numba_equals_numpy(kernel, stride, shape, dtype):
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape).astype(dtype)
    a, b = (AvgPool2d(kernel, stride, backend=backend) for backend in ("numba", "numpy"))
    ya, yb = a.forward(x), b.forward(x)
    windows_size = np.prod(a.kernel_size)
    np.testing.assert_allclose(ya, yb, rtol=0, atol=windows_size * np.finfo(dtype).eps
                               * np.abs(x).max())
    spikes = (x > 0).astype(dtype)  # sums of 0s and 1s: exact in any order
    np.testing.assert_array_equal(a.forward(spikes), b.forward(spikes))
    grad = rng.normal(size=ya.shape).astype(dtype)
    np.testing.assert_array_equal(a.backward(grad), b.backward(grad))


BN_TOL = {np.float64: 1e-12, np.float32: 2e-5}  # relative to the largest |value|


@pytest.mark.parametrize("shape", [(6, 3, 4, 5), (5, 2), (2, 4, 3, 17)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_numba_equals_numpy(shape, training, dtype):
    rng = np.random.default_rng(4)
    x = (rng.normal(size=shape) * 3 + 5).astype(dtype)  # far from 0: the variance's shift
    grad = rng.normal(size=shape).astype(dtype)
    layers = [BatchNorm(shape[1], dtype=dtype, backend=b) for b in ("numba", "numpy")]
    results = []
    for layer in layers:
        layer.gamma.value[...] = np.linspace(0.5, 1.5, shape[1])
        layer.running_var[...] = 2.0
        y = layer.forward(x, training=training)
        results.append((y, layer.backward(grad), layer.gamma.grad, layer.beta.grad,
                        layer.running_mean, layer.running_var))
    names = ("y", "dL/dx", "dL/dgamma", "dL/dbeta", "running_mean", "running_var")
    for name, a, b in zip(names, *results, strict=True):
        assert a.dtype == dtype, name
        np.testing.assert_allclose(a, b, rtol=0, atol=BN_TOL[dtype] * np.abs(b).max(),
                                   err_msg=name)


def test_channel_moments_do_not_cancel_far_from_zero():
    """Shifted sums: a channel at 1e4 with unit spread keeps its variance (the naive
    ``E[x^2] - E[x]^2`` in float32 would lose it entirely)."""
    rng = np.random.default_rng(5)
    x = (1e4 + rng.normal(size=(64, 1, 100))).astype(np.float32)
    mean, var = kernels.channel_moments(x)
    np.testing.assert_allclose(mean, x.astype(np.float64).mean(), rtol=1e-12)
    np.testing.assert_allclose(var, x.astype(np.float64).var(), rtol=1e-9)


def _train(backend, steps=3):
    rng = np.random.default_rng(6)
    x, labels = rng.uniform(0, 1, (steps, 8, 1, 8, 8)), rng.integers(0, 4, (steps, 8))
    net = models.cnn((1, 8, 8), 4, LIF(), channels=(3, 4), rng=0, dtype=np.float64,
                     backend=backend)
    opt = SGD(net.parameters(), 0.1)
    for xb, yb in zip(x, labels, strict=True):
        scores = readout.mean_over_time(net.forward(encoding.direct(xb, 3), training=True))
        _, grad = losses.cross_entropy(scores, yb)
        net.zero_grad()
        net.backward(readout.mean_over_time_backward(grad, 3), input_grad=False)
        opt.step()
    return net.state()


def test_cnn_training_steps_agree_between_backends():
    numba, numpy = _train("numba"), _train("numpy")
    for name in numpy:
        np.testing.assert_allclose(numba[name], numpy[name], rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_cnn_training_does_not_depend_on_the_thread_count():
    """Every image's im2col, product and col2im is the same call on any thread, BatchNorm's
    channels and the neurons' chunks are fixed units of work: bit for bit on 1 or 2 threads."""
    states = []
    for threads in (1, 2):
        with limit_threads(threads):
            states.append(_train("numba"))
    for name in states[0]:
        np.testing.assert_array_equal(states[0][name], states[1][name], err_msg=name)
