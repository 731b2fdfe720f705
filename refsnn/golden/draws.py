"""The random inputs of a golden case, from a seed that depends only on the case's name.

Only PCG64's raw 64-bit stream is used (a uniform double from each word's top 53 bits): NumPy
keeps that stream fixed across versions, which it does not promise for its distributions, so
the same name draws the same inputs wherever the generator runs.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np


def seed(stem: str, attempt: int) -> int:
    """The seed of a case's ``attempt``-th draw: the first 8 bytes of sha256("<stem>#<n>")."""
    digest = hashlib.sha256(f"{stem}#{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def uniform(bits: np.random.PCG64, low: float, high: float, shape: tuple) -> np.ndarray:
    """Float64 values uniform in ``[low, high)``, from the next words of ``bits``."""
    words = bits.random_raw(math.prod(shape)) if shape else bits.random_raw()
    unit = (np.asarray(words, dtype=np.uint64) >> np.uint64(11)) * 2.0**-53
    return (low + (high - low) * unit).reshape(shape)


@dataclass(frozen=True)
class Draw:
    """How a case's inputs are drawn, in units of the threshold ``v_th``.

    ``x`` uniform in ``[low, high) v_th`` (all zero with ``zero_input``); ``v0`` per neuron
    uniform in ``[v0_low, v0_high) v_th``; the upstream ``grad_spikes`` and ``grad_v`` uniform
    in [-1, 1). With ``dyadic``, ``x`` and ``v0`` are rounded down to multiples of ``v_th/8``,
    so that with a dyadic ``v_th`` (e.g. 1, 1.5) and a leak rate of 0, 1/2 or 3/4 every step of
    the forward pass is exact arithmetic; with ``dyadic_grads`` the upstream gradients are
    rounded down to multiples of 1/8 too, so that, with a piecewise-linear surrogate and dyadic
    parameters, so is every step of the backward pass.
    """

    low: float = -0.5
    high: float = 1.5
    v0_low: float = -0.5
    v0_high: float = 0.9
    dyadic: bool = False
    zero_input: bool = False
    dyadic_grads: bool = False

    def inputs(self, shape: tuple, v_threshold: float, dtype: str, case_seed: int) -> dict:
        """``x``, ``v0``, ``grad_spikes`` and ``grad_v`` of ``dtype`` for ``x.shape == shape``."""
        bits = np.random.PCG64(case_seed)
        x = uniform(bits, self.low, self.high, shape) * v_threshold
        v0 = uniform(bits, self.v0_low, self.v0_high, shape[1:]) * v_threshold
        if self.dyadic:
            x, v0 = (np.floor(a * 8 / v_threshold) * v_threshold / 8 for a in (x, v0))
        if self.zero_input:
            x = np.zeros(shape)
        grads = {key: uniform(bits, -1.0, 1.0, shape) for key in ("grad_spikes", "grad_v")}
        if self.dyadic_grads:
            grads = {key: np.floor(a * 8) / 8 for key, a in grads.items()}
        return {key: np.asarray(a, dtype=dtype) for key, a in
                {"x": x, "v0": v0, **grads}.items()}
