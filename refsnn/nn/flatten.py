"""Flatten: every axis after the batch axis into one."""

from __future__ import annotations

import numpy as np

from refsnn.nn.layer import Layer, float_array, gradient


class Flatten(Layer):
    """``y = x.reshape(N, -1)`` for ``x[N, ...]`` (C-order, as torch.nn.Flatten); backward
    reshapes the gradient back."""

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, None, rank=tuple(range(2, 33)), shape="[N, ...]")
        self._x = x
        return x.reshape(x.shape[0], -1)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self._cached()
        grad = gradient("grad", grad, (x.shape[0], x[0].size), x.dtype)
        return grad.reshape(x.shape)

    def __repr__(self) -> str:
        return "Flatten()"
