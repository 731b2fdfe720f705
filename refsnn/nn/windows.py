"""Sliding windows over images (im2col) and their adjoint (col2im), for Conv2d and pooling."""

from __future__ import annotations

import numpy as np

from refsnn import validation


def pair(name: str, value: object, *, minimum: int) -> tuple[int, int]:
    """An ``(h, w)`` pair from an integer or a pair of integers, each ``>= minimum``."""
    values = value if isinstance(value, tuple | list) else (value, value)
    if len(values) != 2:
        raise ValueError(f"{name}: expected an integer or a pair of integers, got {value!r}")
    return tuple(validation.integer(name, v, minimum=minimum) for v in values)


def output_size(name: str, shape: tuple, kernel: tuple, stride: tuple, padding: tuple) -> tuple:
    """``(H_out, W_out)`` of a ``kernel`` window sliding with ``stride`` over the last two axes
    of ``shape`` zero-padded by ``padding``: ``(H + 2 p - k) // s + 1``."""
    size = tuple((n + 2 * p - k) // s + 1
                 for n, k, s, p in zip(shape[-2:], kernel, stride, padding, strict=True))
    if min(size) < 1:
        raise ValueError(f"{name}: expected an image of at least the kernel size {kernel} "
                         f"(after padding {padding}), got shape {shape}")
    return size


def windows(x: np.ndarray, kernel: tuple, stride: tuple, out_size: tuple) -> np.ndarray:
    """A read-only view ``w[N, C, i, j, a, b] = x[N, C, i s_h + a, j s_w + b]`` (no copy)."""
    view = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(-2, -1))
    return view[:, :, ::stride[0], ::stride[1]][:, :, :out_size[0], :out_size[1]]


def add_windows(out: np.ndarray, grad: np.ndarray, stride: tuple) -> None:
    """The adjoint of :func:`windows`: ``out[N, C, i s_h + a, j s_w + b] += grad[N, C, i, j, a,
    b]``, one strided slice per kernel offset ``(a, b)`` (col2im)."""
    _, _, ho, wo, kh, kw = grad.shape
    sh, sw = stride
    for a in range(kh):
        for b in range(kw):
            out[:, :, a:a + sh * (ho - 1) + 1:sh, b:b + sw * (wo - 1) + 1:sw] += grad[..., a, b]
