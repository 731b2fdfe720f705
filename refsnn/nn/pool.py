"""Pooling over windows of an image: AvgPool2d and MaxPool2d."""

from __future__ import annotations

import numpy as np

from refsnn import validation
from refsnn.nn import kernels
from refsnn.nn.layer import BACKENDS, Layer, float_array, gradient
from refsnn.nn.windows import add_windows, output_size, pair, windows


class _Pool2d(Layer):
    """Shared by the pooling layers: a ``kernel_size`` window moved by ``stride`` (default:
    the kernel size, non-overlapping windows) over ``x[N, C, H, W]``, no padding; rows and
    columns that no window reaches are dropped (torch's floor mode)."""

    def __init__(self, kernel_size: int | tuple, stride: int | tuple | None = None) -> None:
        self.kernel_size = pair("kernel_size", kernel_size, minimum=1)
        self.stride = self.kernel_size if stride is None else pair("stride", stride, minimum=1)
        self._x = None

    def _windows(self, x: np.ndarray) -> np.ndarray:
        float_array("x", x, None, rank=4, shape="[N, C, H, W]")
        size = output_size("x", x.shape, self.kernel_size, self.stride, (0, 0))
        self._x, self._out_shape = x, (*x.shape[:2], *size)
        return windows(x, self.kernel_size, self.stride, size)

    def _grad(self, grad: np.ndarray) -> np.ndarray:
        x = self._cached()
        return gradient("grad", grad, self._out_shape, x.dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.kernel_size}, stride={self.stride})"


class AvgPool2d(_Pool2d):
    """``y[n, c, i, j] = mean_{a, b} x[n, c, i s + a, j s + b]`` over the ``kh x kw`` window.

    Backward: every input of a window receives ``dL/dy / (kh kw)`` (summed where windows
    overlap).

    backend: ``"numba"`` (default; refsnn/nn/kernels.py, loops over the windows: the backward
    bit for bit the NumPy one, the forward to one rounding of the window sum, exact for
    spikes) or ``"numpy"`` (the code below, the reference).
    """

    def __init__(self, kernel_size: int | tuple, stride: int | tuple | None = None, *,
                 backend: str = "numba") -> None:
        super().__init__(kernel_size, stride)
        self.backend = validation.choice("backend", backend, BACKENDS)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        win = self._windows(x)
        if self.backend == "numba":
            return kernels.avg_pool(x, *self.kernel_size, *self.stride, *self._out_shape[2:])
        return win.mean(axis=(-2, -1))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._grad(grad)
        if self.backend == "numba":
            return kernels.avg_pool_backward(grad, *self.kernel_size, *self.stride,
                                             *self._x.shape[2:])
        kh, kw = self.kernel_size
        grad_x = np.zeros_like(self._x)
        share = grad / grad.dtype.type(kh * kw)
        add_windows(grad_x, np.broadcast_to(share[..., None, None], (*grad.shape, kh, kw)),
                    self.stride)
        return grad_x


class MaxPool2d(_Pool2d):
    """``y[n, c, i, j] = max_{a, b} x[n, c, i s + a, j s + b]`` over the ``kh x kw`` window.

    Backward: ``dL/dy`` goes to the window's maximum only; at a tie, to the first maximum in
    row-major window order (as torch's CPU max_pool2d).
    """

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        win = self._windows(x)
        flat = win.reshape(*win.shape[:4], -1)
        self._argmax = flat.argmax(axis=-1)
        return np.take_along_axis(flat, self._argmax[..., None], axis=-1)[..., 0]

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self._grad(grad)
        kh, kw = self.kernel_size
        routed = np.zeros((*grad.shape, kh * kw), grad.dtype)
        np.put_along_axis(routed, self._argmax[..., None], grad[..., None], axis=-1)
        grad_x = np.zeros_like(self._x)
        add_windows(grad_x, routed.reshape(*grad.shape, kh, kw), self.stride)
        return grad_x
