"""Dropout with one seeded mask per sample, shared by every time step."""

from __future__ import annotations

import numpy as np

from refsnn import validation
from refsnn.nn.layer import Layer, float_array, generator, gradient


class Dropout(Layer):
    """Inverted dropout over a run ``x[T, B, ...]``: in training mode

        y[t] = x[t] m / (1 - p),    m ~ Bernoulli(1 - p) per element of x[0], drawn once per
                                    forward and the same for every time step t;

    in eval mode (or with ``p = 0``) ``y = x``. Backward: ``dL/dx = dL/dy m / (1 - p)``.

    Sharing the mask over time is SpikingJelly's ``layer.Dropout`` convention (a neuron that
    is dropped stays dropped for the whole run); torch.nn.Dropout applied to the ``[T B, ...]``
    view would draw a new mask at every step instead.

    p: the drop probability, in [0, 1). rng: a ``numpy.random.Generator`` or an integer seed;
    every training forward draws the next mask from it, so a seeded run is reproducible.
    """

    temporal = True

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | int = 0) -> None:
        self.p = validation.real_scalar("p", p, minimum=0.0)
        if self.p >= 1.0:
            raise ValueError(f"p: expected a probability in [0, 1), got {self.p}")
        self.rng = generator("rng", rng)
        self._x = None

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, None, rank=tuple(range(2, 33)), shape="[T, B, ...]")
        self._x = x
        if not training or self.p == 0.0:
            self._scale = None
            return x
        keep = self.rng.random(x.shape[1:]) >= self.p
        self._scale = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        return x * self._scale

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self._cached()
        grad = gradient("grad", grad, x.shape, x.dtype)
        return grad if self._scale is None else grad * self._scale

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
