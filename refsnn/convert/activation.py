"""The ANN side's activations: the clamped-and-quantized activation (the paper's "VR"), its
input-channel expansion ("ICE"), and ReLU for the baselines.

All three are stateless :class:`refsnn.nn.Layer` s, so an ANN is a :class:`refsnn.nn.Sequential`
run with one time step (``x[1, B, ...]``) and trained with refsnn's optimizers.
"""

from __future__ import annotations

import math

import numpy as np

from refsnn import validation
from refsnn.nn.layer import Layer, float_array, gradient


class ClampQuantize(Layer):
    """``a = n / q`` with the level index ``n = clip(floor(q z), 0, T)``, i.e.

        a = floor(q clip(z, 0, T/q)) / q          (the two are equal in exact arithmetic;
                                                   in floating point see below)

    with ``T = steps`` (the SNN's time window: the largest spike count) and ``q = levels``
    (the grid step ``1/q``). ``a`` takes the ``T + 1`` values ``0, 1/q, ..., T/q``; a neuron
    that fires ``n`` times in ``T`` steps encodes it exactly. ``T/q`` is the clip ceiling
    (``ceiling``). Source: clamp-and-quantize ("CQ") training, Yan, Zhou & Wong, AAAI 2021,
    kept as the TNNLS paper's "VR" activation; the authors' code
    (github.com/zhangluyan9/Low-latency-SNNs) applies ``torch.clamp(x, 0, T/q)`` then
    ``floor(x q) / q`` after every BatchNorm (examples/MNIST/mnsit_vr.py, ``Quantization``).
    refsnn computes the integer index first, so ``n`` does not depend on the rounding of
    ``T/q``: the clamp-first form can give ``(T - 1)/q`` at saturation where ``q fl(T/q)``
    rounds below ``T`` (T = 61, q = 113, z = 0.6789382907351376: ``n = 61`` here, 60 there;
    of the default table's pairs, T = 1, 2, 4, ..., 32 with ceiling 0.8, none is affected,
    but T = 31 with q = 39 is). The product ``q z`` is rounded once before the floor (as in
    the authors' code), so where the exact product lies within half an ulp below an integer
    the rounding decides:
    ``z = 0.3`` (stored as 0.29999999999999998890) with ``q = 10`` gives ``q z = 3.0`` and
    ``n = 3``.

    Backward (a straight-through estimator, as the code's): the clamp passes the gradient
    where ``0 <= z <= T/q`` (torch.clamp's derivative, boundaries included), the floor passes
    it unchanged, and with ``clip_gradient=True`` (the code's ``F.hardtanh(grad_output)``)
    every element of the incoming gradient is first clipped to ``[-1, 1]``.

    ``unit``: the value of one level; ``None`` (default) gives ``n / q`` (correctly rounded),
    ``unit=1`` the index ``n`` itself (the SNN's input encoder uses it: integer charges are
    exact).
    """

    def __init__(self, steps: int, levels: int, *, clip_gradient: bool = True,
                 unit: float | None = None) -> None:
        self.steps = validation.integer("steps", steps, minimum=1)
        self.levels = validation.integer("levels", levels, minimum=1)
        self.clip_gradient = validation.flag("clip_gradient", clip_gradient)
        self.unit = _unit(unit)
        self._x = None

    @property
    def ceiling(self) -> float:
        """``T/q``: the largest activation (the clip ceiling)."""
        return self.steps / self.levels

    def index(self, z: np.ndarray) -> np.ndarray:
        """The level index ``n = clip(floor(q z), 0, T)`` (integer-valued, ``z``'s dtype)."""
        return np.clip(np.floor(z * z.dtype.type(self.levels)), 0, self.steps)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, None, rank=tuple(range(1, 33)), shape="[N, ...]")
        self._x = x
        return _values(self.index(x), self.levels, self.unit)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self._cached()
        grad = gradient("grad", grad, x.shape, x.dtype)
        if self.clip_gradient:
            grad = np.clip(grad, -1, 1)
        return grad * ((x >= 0) & (x <= x.dtype.type(self.ceiling)))

    def __repr__(self) -> str:
        return (f"ClampQuantize(steps={self.steps}, levels={self.levels}, "
                f"clip_gradient={self.clip_gradient})")


class InputExpansion(Layer):
    """The paper's "ICE" (input channel expansion; the expansion of the acronym is a guess):
    each input channel quantized on three grids, concatenated on axis 1 (``[N, C, ...] ->
    [N, 3 C, ...]``):

        n_d = clip(floor((q + d) x), 0, T),   a_d = n_d / q,   for d = 0, +1, -1

    so every copy takes the values ``0, 1/q, ..., T/q`` (a spike count ``n_d`` encodes it) but
    the three place their level boundaries differently, which recovers input resolution that
    one grid loses. Source: the authors' ``AddQuantization_new`` (examples/MNIST/mnsit_vr.py),
    which remaps value ``i/(q +- 1)`` to ``i/q``; it then concatenates the three copies twice
    (six copies). refsnn keeps three: the repeated copies feed the first layer the same values
    again, which only duplicates weight columns (the same function class). Needs ``q >= 2``.
    No backward is needed (it is the network's input), but it is provided: zero, as the
    floor's derivative.

    ``unit``: as :class:`ClampQuantize` (``None``: ``n_d / q``; ``1``: the indices).
    """

    OFFSETS = (0, 1, -1)

    def __init__(self, steps: int, levels: int, *, unit: float | None = None) -> None:
        self.steps = validation.integer("steps", steps, minimum=1)
        self.levels = validation.integer("levels", levels, minimum=2)
        self.unit = _unit(unit)
        self._x = None

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, None, rank=tuple(range(2, 33)), shape="[N, C, ...]")
        self._x = x
        cast = x.dtype.type
        copies = [np.clip(np.floor(x * cast(self.levels + d)), 0, self.steps)
                  for d in self.OFFSETS]
        return _values(np.concatenate(copies, axis=1), self.levels, self.unit)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self._cached()
        gradient("grad", grad, (x.shape[0], 3 * x.shape[1], *x.shape[2:]), x.dtype)
        return np.zeros_like(x)

    def __repr__(self) -> str:
        return f"InputExpansion(steps={self.steps}, levels={self.levels})"


def _unit(unit: float | None) -> float | None:
    return None if unit is None else validation.real_scalar("unit", unit, minimum=0.0,
                                                             inclusive=False)


def _values(index: np.ndarray, levels: int, unit: float | None) -> np.ndarray:
    """The activation of level ``index``: ``index / levels``, or ``index * unit``."""
    if unit is None:
        return index / index.dtype.type(levels)
    return index * index.dtype.type(unit)


class ReLU(Layer):
    """``a = max(z, 0)``; backward passes the gradient where ``z > 0`` (torch's convention at
    0). The baselines' ANN activation."""

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, None, rank=tuple(range(1, 33)), shape="[N, ...]")
        self._x = x
        return np.maximum(x, 0)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self._cached()
        return gradient("grad", grad, x.shape, x.dtype) * (x > 0)

    def __repr__(self) -> str:
        return "ReLU()"


def levels_for(steps: int, ceiling: float) -> int:
    """The grid ``q = ceil(T / ceiling)`` that puts the clip ceiling ``T/q`` at or just below
    ``ceiling``. The authors' CIFAR and ImageNet pairs ``(T, q)`` = (8, 10), (16, 20),
    (32, 40), (160, 200) all have ``T/q = 0.8``; their MNIST pair (1, 4) has 0.25."""
    steps = validation.integer("steps", steps, minimum=1)
    ceiling = validation.real_scalar("ceiling", ceiling, minimum=0.0, inclusive=False)
    return max(1, math.ceil(round(steps / ceiling, 9)))  # round: 8 / 0.8 = 10.000000000000002
