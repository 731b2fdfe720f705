"""Flatten and Reshape: the axes after the batch axis, rearranged (C-order)."""

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


class Reshape(Layer):
    """``y = x.reshape(N, *shape)`` for ``x[N, ...]`` (C-order; e.g. a 1-D signal ``[N, L]``
    as a one-row image ``[N, 1, 1, L]``); backward reshapes the gradient back."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = tuple(shape)
        self._x = None

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, None, rank=tuple(range(2, 33)), shape="[N, ...]")
        if x[0].size != np.prod(self.shape, dtype=np.int64):
            raise ValueError(f"x: expected {int(np.prod(self.shape))} values per sample to "
                             f"reshape to {list(self.shape)}, got shape {x.shape}")
        self._x = x
        return x.reshape(x.shape[0], *self.shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self._cached()
        grad = gradient("grad", grad, (x.shape[0], *self.shape), x.dtype)
        return grad.reshape(x.shape)

    def __repr__(self) -> str:
        return f"Reshape({self.shape})"
