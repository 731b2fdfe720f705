"""Torch plumbing shared by the peer adapters: float64 CPU tensors in, NumPy arrays out."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

F64 = torch.float64


def leaf(value: object) -> torch.Tensor:
    """A float64 CPU copy of a NumPy array or scalar that records its gradient."""
    return torch.tensor(np.asarray(value, dtype=np.float64), dtype=F64, requires_grad=True)


def constant(value: object) -> torch.Tensor:
    """A float64 CPU copy of a NumPy array or scalar, without gradient."""
    return torch.tensor(np.asarray(value, dtype=np.float64), dtype=F64)


def numpy(tensor: torch.Tensor) -> np.ndarray:
    """The tensor's values as a float64 NumPy array (detached, copied)."""
    return tensor.detach().to(F64).numpy().copy()


def gradient(tensor: torch.Tensor) -> np.ndarray:
    """A leaf's accumulated gradient (zeros if nothing reached it)."""
    if tensor.grad is None:
        return np.zeros(tuple(tensor.shape))
    return numpy(tensor.grad)


def scalar_gradient(tensor: torch.Tensor) -> float:
    """A scalar leaf's accumulated gradient as a Python float (0.0 if nothing reached it)."""
    return float(gradient(tensor))


def forward_after_reset(run: Callable, neuron: object, x: np.ndarray, v0: np.ndarray) -> tuple:
    """A peer target's ``forward``: ``(spikes, None, v)`` from its ``run(neuron, x, v0)``, which
    ends with the spikes and the membrane after the reset (no peer exposes the one before)."""
    *_, spikes, v = run(neuron, x, v0)
    return numpy(spikes), None, numpy(v)


def backpropagate(spikes: torch.Tensor, v: torch.Tensor, grad_spikes: np.ndarray,
                  grad_v: np.ndarray | None) -> None:
    """Run the framework's autograd on ``L = sum(grad_spikes * spikes) + sum(grad_v * v)``."""
    loss = (constant(grad_spikes) * spikes).sum()
    if grad_v is not None:
        loss = loss + (constant(grad_v) * v).sum()
    loss.backward()


def spike_derivative(spike: Callable[[torch.Tensor], torch.Tensor],
                     x: np.ndarray) -> np.ndarray:
    """The derivative a peer's spike function passes back at ``x``, by its autograd."""
    x_t = leaf(x)
    spike(x_t).sum().backward()
    return gradient(x_t)
