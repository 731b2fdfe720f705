"""Conv2d: 2-D cross-correlation by im2col and one BLAS matrix product."""

from __future__ import annotations

import functools

import numpy as np

from refsnn import validation
from refsnn.nn import kernels
from refsnn.nn.blocks import map_blocks
from refsnn.nn.layer import BACKENDS, Layer, float_array, float_dtype, generator, gradient
from refsnn.nn.parameter import Parameter
from refsnn.nn.windows import add_windows, output_size, pair, windows


class Conv2d(Layer):
    """``y[n, o, i, j] = b[o] + sum_{c, a, b} W[o, c, a, b] xp[n, c, i s + a, j s + b]``, with
    ``xp`` the input ``x[N, C, H, W]`` zero-padded by ``padding`` on each side (torch's
    ``conv2d``, a cross-correlation).

    Computed by im2col: the windows become the rows of ``X[N Ho Wo, C kh kw]`` and
    ``y = X W_mat^T + b`` with ``W_mat = W.reshape(O, C kh kw)``. Backward: ``dL/dW_mat =
    g^T X``, ``dL/db = sum g``, and ``dL/dX = g W_mat`` scattered back onto the image
    (col2im), with ``g = dL/dy`` as ``[N Ho Wo, O]``.

    Initialisation: weight and bias from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``,
    ``fan_in = C kh kw`` (torch.nn.Conv2d's default). Weight decay applies to ``weight`` only.

    kernel_size, stride (default 1), padding (default 0): an integer or an ``(h, w)`` pair.
    rng: a ``numpy.random.Generator`` or an integer seed (required, as for Linear).
    dtype: float32 or float64 (default).
    backend: ``"numba"`` (default) or ``"numpy"`` (the code below, the reference). Numba
        builds the windows per image, ``cols[N, C kh kw, Ho Wo]``, and computes ``y[n] =
        W_mat cols[n]`` (one BLAS product per image, already in ``[N, O, Ho, Wo]``: no
        transposed copies), ``dL/dW = sum_n g[n] cols[n]^T``, ``dL/dcols[n] = W_mat^T g[n]``,
        with im2col and col2im as Numba loops (refsnn/nn/kernels.py), in blocks of images
        spread over Numba's thread count (refsnn/nn/blocks.py); the windows are built again in
        the backward instead of kept (they take ``C kh kw`` times the input's memory). The
        products sum in another order: the backends agree to rounding, not bit for bit.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple, *,
                 stride: int | tuple = 1, padding: int | tuple = 0, bias: bool = True,
                 rng: np.random.Generator | int, dtype: object = np.float64,
                 backend: str = "numba") -> None:
        self.in_channels = validation.integer("in_channels", in_channels, minimum=1)
        self.out_channels = validation.integer("out_channels", out_channels, minimum=1)
        self.kernel_size = pair("kernel_size", kernel_size, minimum=1)
        self.stride = pair("stride", stride, minimum=1)
        self.padding = pair("padding", padding, minimum=0)
        self.weight, self.bias = Parameter.uniform_weights(
            generator("rng", rng), (self.out_channels, self.in_channels, *self.kernel_size),
            self.in_channels * self.kernel_size[0] * self.kernel_size[1],
            validation.flag("bias", bias), float_dtype("dtype", dtype))
        self.backend = validation.choice("backend", backend, BACKENDS)
        self._x = None

    @property
    def dtype(self) -> np.dtype:
        return self.weight.value.dtype

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, self.dtype, rank=4, shape=f"[N, C={self.in_channels}, H, W]")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"x: expected shape [N, C={self.in_channels}, H, W], "
                             f"got shape {x.shape}")
        out_size = output_size("x", x.shape, self.kernel_size, self.stride, self.padding)
        if self.backend == "numba":
            return self._forward_numba(x, out_size)
        (ph, pw), n = self.padding, x.shape[0]
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        # rows [n, i, j], columns [c, a, b]: the layout of W.reshape(O, C kh kw)
        cols = windows(xp, self.kernel_size, self.stride, out_size).transpose(0, 2, 3, 1, 4, 5)
        cols = cols.reshape(n * out_size[0] * out_size[1], -1)
        y = cols @ self.weight.value.reshape(self.out_channels, -1).T
        if self.bias is not None:
            y += self.bias.value
        self._x, self._cols, self._out_size = x, cols, out_size
        return np.ascontiguousarray(y.reshape(n, *out_size, self.out_channels)
                                    .transpose(0, 3, 1, 2))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self._backward(grad, input_grad=True)

    def backward_parameters(self, grad: np.ndarray) -> None:
        self._backward(grad, input_grad=False)

    def _backward(self, grad: np.ndarray, input_grad: bool) -> np.ndarray | None:
        x = self._cached()
        n, (ho, wo) = x.shape[0], self._out_size
        grad = gradient("grad", grad, (n, self.out_channels, ho, wo), self.dtype)
        if self.backend == "numba":
            return self._backward_numba(grad, input_grad)
        g = grad.transpose(0, 2, 3, 1).reshape(n * ho * wo, self.out_channels)
        w_mat = self.weight.value.reshape(self.out_channels, -1)
        self.weight.grad += (g.T @ self._cols).reshape(self.weight.value.shape)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        if not input_grad:
            return None
        g_cols = (g @ w_mat).reshape(n, ho, wo, self.in_channels, *self.kernel_size)
        (ph, pw), (h, w) = self.padding, x.shape[2:]
        grad_xp = np.zeros((n, self.in_channels, h + 2 * ph, w + 2 * pw), self.dtype)
        add_windows(grad_xp, g_cols.transpose(0, 3, 1, 2, 4, 5), self.stride)
        return np.ascontiguousarray(grad_xp[:, :, ph:ph + h, pw:pw + w])

    def _columns(self, x: np.ndarray, out_size: tuple) -> np.ndarray:
        return kernels.columns(x, *self.kernel_size, *self.stride, *self.padding, *out_size)

    def _forward_numba(self, x: np.ndarray, out_size: tuple) -> np.ndarray:
        w_mat = self.weight.value.reshape(self.out_channels, -1)
        y = np.empty((x.shape[0], self.out_channels, out_size[0] * out_size[1]), self.dtype)

        def block(part: slice) -> None:
            np.matmul(w_mat, self._columns(x[part], out_size), out=y[part])
            if self.bias is not None:
                y[part] += self.bias.value[:, None]  # while the block is in the caches

        map_blocks(block, x.shape[0])
        self._x, self._out_size = x, out_size
        return y.reshape(x.shape[0], self.out_channels, *out_size)

    def _backward_numba(self, grad: np.ndarray, input_grad: bool) -> np.ndarray | None:
        x, out_size = self._x, self._out_size
        g = np.ascontiguousarray(grad).reshape(x.shape[0], self.out_channels, -1)
        w_mat = self.weight.value.reshape(self.out_channels, -1)
        grad_x = np.zeros_like(x) if input_grad else None

        def block(part: slice) -> np.ndarray:
            # the windows again: kept from the forward, they would be a step's largest array
            cols = self._columns(x[part], out_size)
            if input_grad:
                kernels.add_columns(grad_x[part], np.matmul(w_mat.T, g[part]),
                                    *self.kernel_size, *self.stride, *self.padding, *out_size)
            return np.matmul(g[part], cols.transpose(0, 2, 1)).sum(axis=0)

        grad_w = functools.reduce(np.add, map_blocks(block, x.shape[0]))  # in block order
        self.weight.grad += grad_w.reshape(self.weight.value.shape)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=2).sum(axis=0)
        return grad_x

    def parameters(self) -> dict[str, Parameter]:
        return {"weight": self.weight} | ({} if self.bias is None else {"bias": self.bias})

    def __repr__(self) -> str:
        return (f"Conv2d({self.in_channels}, {self.out_channels}, {self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, dtype={self.dtype}, "
                f"backend={self.backend!r})")

