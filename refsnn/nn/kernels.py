"""Numba kernels for the convolutional layers, beside the NumPy code of the layers themselves.

The layers' NumPy code (``backend="numpy"``) is the specification; these kernels compute the
same maps (``backend="numba"``, the default) without the copies and slow reductions of the
NumPy version: im2col and col2im as loops that handle the zero padding by bounds instead of a
padded copy, BatchNorm's statistics and its backward as one pass per channel, pooling as
loops over the windows. Pooling is parallel over images, BatchNorm over channels (Numba's
``prange``); im2col and col2im are serial and release the GIL: Conv2d runs them per block of
images on threads of its own (refsnn/nn/blocks.py).

Agreement with the NumPy code (tests/test_nn_kernels.py):

- im2col and col2im: bit for bit (the same values copied; every position's additions in the
  same row-major order of kernel offsets, the positions outside the image adding 0);
- average pooling: the backward bit for bit, the forward to one rounding of the window sum
  (NumPy's ``mean`` picks its own order of the additions);
- BatchNorm: its sums are float64 here, in an order LLVM picks (``fastmath={"reassoc"}``, fixed
  for a compiled kernel), where NumPy reduces float32 data in float32, pairwise; the results
  differ by that rounding (tested to 2e-5 of the largest value in float32, 1e-12 in float64).
"""

from __future__ import annotations

import numba as nb
import numpy as np

# --- im2col / col2im ------------------------------------------------------------------------


@nb.njit(cache=True)
def _inside(pad, offset, stride, size, out):
    """The output positions ``j`` whose input ``j stride + offset - pad`` lies in
    ``[0, size)``: ``range(lo, hi)``."""
    lo = max(0, -(-(pad - offset) // stride))
    hi = min(out, -(-(size + pad - offset) // stride))
    return lo, max(lo, hi)


@nb.njit(cache=True)
def _same_size(h, w, sh, sw, ho, wo):
    """Whether the windows keep the image size (stride 1, padding (k - 1) / 2): then a kernel
    offset ``(a, b)`` reads the flat image shifted by ``(a - ph) w + b - pw``, one long loop."""
    return sh == 1 and sw == 1 and ho == h and wo == w


@nb.njit(cache=True)
def _column_mask(kw, pw, h, w):
    """``inside[b, i w + j]``: whether column ``j + b - pw`` lies in the image."""
    inside = np.empty((kw, h * w), dtype=np.bool_)
    for b in range(kw):
        for q in range(h * w):
            inside[b, q] = 0 <= q % w + b - pw < w
    return inside


@nb.njit(cache=True)
def _shifted(row, inside, image, shift):
    """The aligned parts of a window row, its column mask and the flat image, ``row[q]`` facing
    ``image[q + shift]``: slices taken before the loop, whose indices then start at 0 (an
    index that may be negative is wrapped around by Numba, which keeps a loop scalar)."""
    lo, hi = max(0, -shift), min(row.size, image.size - shift)
    return row[lo:hi], inside[lo:hi], image[lo + shift:hi + shift]


@nb.njit(cache=True, nogil=True)
def columns(x, kh, kw, sh, sw, ph, pw, ho, wo):
    """im2col of ``x[N, C, H, W]``: ``cols[n, (c kh + a) kw + b, i wo + j] = x[n, c, i sh + a -
    ph, j sw + b - pw]``, 0 outside the image (the zero padding)."""
    n_img, chans, h, w = x.shape
    planes = np.ascontiguousarray(x).reshape(n_img, chans, h * w)
    cols = np.zeros((n_img, chans * kh * kw, ho * wo), dtype=x.dtype)
    same, zero = _same_size(h, w, sh, sw, ho, wo), x.dtype.type(0)
    inside = _column_mask(kw, pw, h, w) if same else np.empty((0, 0), dtype=np.bool_)
    for n in range(n_img):
        for c in range(chans):
            src = planes[n, c]
            for a in range(kh):
                i_lo, i_hi = _inside(ph, a, sh, h, ho)
                for b in range(kw):
                    row = cols[n, (c * kh + a) * kw + b]
                    if same:  # one shifted copy of the whole image (rows are short)
                        out, ok, image = _shifted(row, inside[b], src, (a - ph) * w + b - pw)
                        for q in range(out.size):
                            out[q] = image[q] if ok[q] else zero
                        continue
                    j_lo, j_hi = _inside(pw, b, sw, w, wo)
                    for i in range(i_lo, i_hi):
                        start, out = (i * sh + a - ph) * w + b - pw, i * wo
                        for j in range(j_lo, j_hi):
                            row[out + j] = src[start + j * sw]
    return cols


@nb.njit(cache=True, nogil=True)
def add_columns(grad_x, cols, kh, kw, sh, sw, ph, pw, ho, wo):
    """col2im, the adjoint of :func:`columns`: ``grad_x[n, c, i sh + a - ph, j sw + b - pw] +=
    cols[n, (c kh + a) kw + b, i wo + j]`` for the positions inside the image, kernel offsets
    ``(a, b)`` in row-major order (``grad_x`` C-contiguous)."""
    n_img, chans, h, w = grad_x.shape
    planes = grad_x.reshape(n_img, chans, h * w)
    same, zero = _same_size(h, w, sh, sw, ho, wo), grad_x.dtype.type(0)
    inside = _column_mask(kw, pw, h, w) if same else np.empty((0, 0), dtype=np.bool_)
    for n in range(n_img):
        for c in range(chans):
            dst = planes[n, c]
            for a in range(kh):
                i_lo, i_hi = _inside(ph, a, sh, h, ho)
                for b in range(kw):
                    row = cols[n, (c * kh + a) * kw + b]
                    if same:  # one shifted sum over the whole image (adding 0 outside it)
                        out, ok, image = _shifted(row, inside[b], dst, (a - ph) * w + b - pw)
                        for q in range(out.size):
                            image[q] += out[q] if ok[q] else zero
                        continue
                    j_lo, j_hi = _inside(pw, b, sw, w, wo)
                    for i in range(i_lo, i_hi):
                        start, out = (i * sh + a - ph) * w + b - pw, i * wo
                        for j in range(j_lo, j_hi):
                            dst[start + j * sw] += row[out + j]


# --- pooling ----------------------------------------------------------------------------------


@nb.njit(parallel=True, cache=True)
def avg_pool(x, kh, kw, sh, sw, ho, wo):
    """``y[n, c, i, j] = (sum_{a, b} x[n, c, i sh + a, j sw + b]) / (kh kw)``, the sum in
    row-major window order from 0."""
    n_img, chans = x.shape[:2]
    y = np.zeros((n_img, chans, ho, wo), dtype=x.dtype)
    count = x.dtype.type(kh * kw)
    for n in nb.prange(n_img):
        for c in range(chans):
            for i in range(ho):
                out = y[n, c, i]
                for a in range(kh):
                    src = x[n, c, i * sh + a]
                    for b in range(kw):
                        window = src[b:]
                        if sw == 2:  # a constant stride: the loads vectorise
                            for j in range(wo):
                                out[j] += window[2 * j]
                            continue
                        for j in range(wo):
                            out[j] += window[j * sw]
                for j in range(wo):
                    out[j] /= count
    return y


@nb.njit(parallel=True, cache=True)
def avg_pool_backward(grad, kh, kw, sh, sw, h, w):
    """``dL/dx[n, c, i sh + a, j sw + b] += dL/dy[n, c, i, j] / (kh kw)`` into zeros of shape
    ``[N, C, h, w]``, kernel offsets ``(a, b)`` in row-major order (where windows overlap, the
    order of refsnn.nn.windows.add_windows). Windows that do not overlap (stride = kernel)
    write each share once instead (``0 + s = s``: the same values)."""
    n_img, chans, ho, wo = grad.shape
    if sh == kh and sw == kw:
        return _tile_shares(grad, kh, kw, h, w)
    grad_x = np.zeros((n_img, chans, h, w), dtype=grad.dtype)
    count = grad.dtype.type(kh * kw)
    for n in nb.prange(n_img):
        share = np.empty((ho, wo), dtype=grad.dtype)
        for c in range(chans):
            for i in range(ho):
                g, out = grad[n, c, i], share[i]
                for j in range(wo):
                    out[j] = g[j] / count
            for a in range(kh):
                for b in range(kw):
                    for i in range(ho):
                        window, src = grad_x[n, c, i * sh + a, b:], share[i]
                        for j in range(wo):
                            window[j * sw] += src[j]
    return grad_x


@nb.njit(parallel=True, cache=True)
def _tile_shares(grad, kh, kw, h, w):
    """:func:`avg_pool_backward` for non-overlapping windows: every input position receives
    the share of the one window that covers it, or 0 (rows and columns no window reaches)."""
    n_img, chans, ho, wo = grad.shape
    grad_x = np.empty((n_img, chans, h, w), dtype=grad.dtype)
    count, zero = grad.dtype.type(kh * kw), grad.dtype.type(0)
    for n in nb.prange(n_img):
        share = np.empty(wo, dtype=grad.dtype)
        for c in range(chans):
            for i in range(ho):
                g = grad[n, c, i]
                for j in range(wo):
                    share[j] = g[j] / count
                for a in range(kh):
                    row = grad_x[n, c, i * kh + a]
                    if kw == 2:  # a constant stride: the stores vectorise
                        for j in range(wo):
                            row[2 * j] = share[j]
                            row[2 * j + 1] = share[j]
                    else:
                        for j in range(wo):
                            for b in range(kw):
                                row[j * kw + b] = share[j]
                    row[wo * kw:] = zero
            grad_x[n, c, ho * kh:] = zero
    return grad_x


# --- BatchNorm ------------------------------------------------------------------------------


@nb.njit(cache=True, fastmath={"reassoc"})
def _moments(x, c, shift):
    """``(sum d, sum d^2)`` over channel ``c`` of ``x[N, C, M]``, ``d = x - shift`` in float64.

    ``reassoc`` lets LLVM split each sum into vector lanes (one running sum is a serial chain
    of additions, 4x slower here); the order it picks is fixed for a compiled kernel, so a
    result repeats bit for bit on a machine, and any order is exact to about 1e-16 of the
    sum of |terms| in float64."""
    s, ss = 0.0, 0.0
    for n in range(x.shape[0]):
        xc = x[n, c]
        for k in range(xc.size):
            d = xc[k] - shift
            s += d
            ss += d * d
    return s, ss


@nb.njit(cache=True, fastmath={"reassoc"})
def _gradient_sums(grad, x, c, mu, inv_std):
    """``(sum g xhat, sum g)`` over channel ``c``, ``xhat = (x - mu) inv_std`` in x's dtype, the
    sums in float64 (split into lanes as in :func:`_moments`)."""
    sgx, sg = 0.0, 0.0
    for n in range(x.shape[0]):
        gc, xc = grad[n, c], x[n, c]
        for k in range(xc.size):
            sgx += gc[k] * ((xc[k] - mu) * inv_std)
            sg += gc[k]
    return sgx, sg


@nb.njit(parallel=True, cache=True)
def channel_moments(x):
    """Per channel of ``x[N, C, M]``: the mean and the biased variance over ``N M`` values, in
    float64, from sums of ``x - x[0, c, 0]`` and their squares (shifted to the first value, so
    that the variance does not cancel for data far from 0)."""
    n_img, chans, m = x.shape
    mean, var = np.empty(chans), np.empty(chans)
    for c in nb.prange(chans):
        shift = np.float64(x[0, c, 0])
        s, ss = _moments(x, c, shift)
        count = n_img * m
        mean[c] = shift + s / count
        var[c] = max(ss / count - (s / count) ** 2, 0.0)
    return mean, var


@nb.njit(parallel=True, cache=True)
def normalize(x, mean, inv_std, gamma, beta):
    """``y[n, c, k] = (x[n, c, k] - mean[c]) inv_std[c] gamma[c] + beta[c]`` for ``x[N, C, M]``
    (the NumPy code's order of operations; the four vectors in x's dtype)."""
    n_img, chans, m = x.shape
    y = np.empty_like(x)
    for n in nb.prange(n_img):
        for c in range(chans):
            mu, s, g, b = mean[c], inv_std[c], gamma[c], beta[c]
            xc, yc = x[n, c], y[n, c]
            for k in range(m):
                yc[k] = (xc[k] - mu) * s * g + b
    return y


@nb.njit(parallel=True, cache=True)
def normalize_backward(grad, x, mean, inv_std, gamma, training):
    """BatchNorm's backward for ``x[N, C, M]``, ``xhat = (x - mean) inv_std`` recomputed (the
    vectors in x's dtype): returns ``dL/dx``, ``sum g xhat`` and ``sum g`` per channel (sums
    in float64). Training: ``dL/dx = gamma inv_std (g - mean(g) - xhat mean(g xhat))``; eval:
    ``g gamma inv_std``."""
    n_img, chans, m = x.shape
    grad_x = np.empty_like(x)
    sum_gx, sum_g = np.empty(chans), np.empty(chans)
    count = n_img * m
    for c in nb.prange(chans):
        mu, s = mean[c], inv_std[c]
        sum_gx[c], sum_g[c] = _gradient_sums(grad, x, c, mu, s)
        scale = gamma[c] * s
        if not training:
            for n in range(n_img):
                grad_x[n, c] = grad[n, c] * scale
            continue
        mean_g, mean_gx = x.dtype.type(sum_g[c] / count), x.dtype.type(sum_gx[c] / count)
        for n in range(n_img):
            gc, xc, out = grad[n, c], x[n, c], grad_x[n, c]
            for k in range(m):
                out[k] = scale * (gc[k] - mean_g - (xc[k] - mu) * s * mean_gx)
    return grad_x, sum_gx, sum_g
