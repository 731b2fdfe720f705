"""A learnable array, its gradient, and how the optimizer may treat it."""

from __future__ import annotations

import numpy as np


class Parameter:
    """A learnable array ``value`` and the gradient ``grad`` accumulated into it.

    Layers add to ``grad`` in ``backward`` (``+=``, as torch does); an optimizer reads it in
    ``step`` and updates ``value`` *in place*, so the layer that owns the array sees the new
    value. ``zero_grad()`` resets the gradient.

    decay: whether weight decay applies (True for Linear/Conv2d weights; False for biases,
        BatchNorm's affine parameters and neuron scalars, as in the Ternary Spike code's
        ``split_weights``, models/init.py).
    minimum: a lower bound the optimizer projects ``value`` onto after every step (a neuron's
        threshold must stay positive, a LIF ``tau`` >= 1, a ternary amplitude positive);
        ``None`` = unbounded.
    """

    def __init__(self, value: np.ndarray, *, decay: bool = False,
                 minimum: float | None = None) -> None:
        self.value = value
        self.grad = np.zeros_like(value)
        self.decay = decay
        self.minimum = minimum

    def zero_grad(self) -> None:
        self.grad[...] = 0

    def project(self) -> None:
        """Clip ``value`` in place to ``minimum`` (if any)."""
        if self.minimum is not None:
            np.maximum(self.value, self.minimum, out=self.value)

    @classmethod
    def uniform_weights(cls, rng: np.random.Generator, shape: tuple, fan_in: int, bias: bool,
                        dtype: np.dtype) -> tuple[Parameter, Parameter | None]:
        """``(weight, bias or None)`` drawn from ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, torch's
        default for Linear and Conv2d; the weight decays, the bias (``[shape[0]]``) does not."""
        bound = 1.0 / np.sqrt(fan_in)
        weight = cls(rng.uniform(-bound, bound, shape).astype(dtype), decay=True)
        if not bias:
            return weight, None
        return weight, cls(rng.uniform(-bound, bound, shape[0]).astype(dtype))

    def __repr__(self) -> str:
        return (f"Parameter(shape={self.value.shape}, dtype={self.value.dtype}, "
                f"decay={self.decay}, minimum={self.minimum})")
