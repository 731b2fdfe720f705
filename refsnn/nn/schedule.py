"""Learning-rate schedules: the rate for each epoch, from the optimizer's initial rate."""

from __future__ import annotations

import math

from refsnn import validation


def constant(lr: float, epoch: int, epochs: int) -> float:
    """``lr`` at every epoch."""
    return lr


def step(lr: float, epoch: int, epochs: int, *, step_size: int | None = None,
         gamma: float = 0.1) -> float:
    """``lr gamma^(epoch // step_size)`` (torch's StepLR); ``step_size`` defaults to a third of
    the run (at least one epoch)."""
    step_size = max(1, epochs // 3) if step_size is None else \
        validation.integer("step_size", step_size, minimum=1)
    return lr * validation.real_scalar("gamma", gamma, minimum=0.0) ** (epoch // step_size)


def cosine(lr: float, epoch: int, epochs: int, *, eta_min: float = 0.0) -> float:
    """``eta_min + (lr - eta_min) (1 + cos(pi epoch / epochs)) / 2`` (torch's
    CosineAnnealingLR with ``T_max = epochs``, in closed form; the Ternary Spike code anneals
    to ``eta_min = 0`` over the whole run, Train.py)."""
    return eta_min + (lr - eta_min) * (1.0 + math.cos(math.pi * epoch / epochs)) / 2.0


SCHEDULES = {"constant": constant, "step": step, "cosine": cosine}
"""Schedule name -> ``f(lr, epoch, epochs) -> the rate for epoch`` (epochs count from 0)."""
