"""Input encodings: a static sample ``x[B, ...]`` made into a run ``[T, B, ...]``."""

from __future__ import annotations

import numpy as np

from refsnn import validation
from refsnn.nn.layer import float_array, generator


def direct(x: np.ndarray, steps: int) -> np.ndarray:
    """Direct (analog) encoding: ``X[t] = x`` for every ``t < T = steps``; the first layer
    turns the analog value into a current at every step (the Ternary Spike code repeats the
    image T times, spike_model.py). A contiguous copy, dtype of ``x``."""
    float_array("x", x, None, rank=tuple(range(1, 32)), shape="[B, ...]")
    steps = validation.integer("steps", steps, minimum=1)
    return np.ascontiguousarray(np.broadcast_to(x, (steps, *x.shape)))


def rate(x: np.ndarray, steps: int, rng: np.random.Generator | int) -> np.ndarray:
    """Rate (Bernoulli) encoding: ``X[t] = 1[u_t < x]``, ``u_t ~ U[0, 1)`` independent for
    every step and element, so a pixel of intensity ``x in [0, 1]`` spikes with probability
    ``x`` at each step (snntorch.spikegen.rate). Drawn from ``rng`` (a Generator or a seed),
    in the order ``[T, B, ...]``; dtype of ``x``."""
    float_array("x", x, None, rank=tuple(range(1, 32)), shape="[B, ...]")
    steps = validation.integer("steps", steps, minimum=1)
    validation.finite("x", x)
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"x: expected intensities in [0, 1] for rate encoding, got values in "
                         f"[{x.min()}, {x.max()}]")
    u = generator("rng", rng).random((steps, *x.shape))
    return (u < x).astype(x.dtype)


ENCODINGS = {"direct": direct, "rate": rate}
