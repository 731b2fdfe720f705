"""The Sinabs 3.1 target: ``sinabs.layers.IAF`` and ``LIF`` with ``SingleSpike`` (binary) or
``MaxSpike(D)`` (MultiThreshold), float64 on CPU, one layer call on ``[1, T, ...]``.

Sinabs' step (``layers/functional/lif.py:18-45``), in this order: ``v = alpha v + z`` (``z`` the
input, times ``1 - alpha`` if ``norm_input``); ``spikes = spike_fn(v)``; ``v = reset_fn(v)``;
then ``v = max(v, min_v_mem)`` if ``min_v_mem`` is set. ``alpha = exp(-1/tau_mem)`` (``IAF``:
1); ``MaxSpike(D)`` emits ``min((v > 0) trunc(v / threshold), D)`` and ``SingleSpike``
``v - threshold >= 0`` (``activation/spike_generation.py``); ``MembraneSubtract`` removes
``spikes threshold`` with the spikes' gradient; ``MembraneReset(r)`` computes ``v (spikes == 0)
+ r``, whose mask carries no gradient. Every surrogate is one function of ``(v, threshold)``,
used as dS/dv whatever the level (``BackwardClass.backward``).

Mapping (refsnn -> Sinabs):

- IF -> ``IAF``; LIF / PLIF -> ``LIF(train_alphas=True, norm_input=decay_input)`` with its
  ``alpha_mem`` replaced by the float64 parameter ``1 - k`` (``k = 1/tau`` or ``sigmoid(w)``):
  refsnn's ``V - V k + X`` / ``V + (X - V) k`` is Sinabs' ``alpha V + X`` / ``alpha V + (1 -
  alpha) X``. Sinabs' own ``tau_mem`` gives ``alpha = exp(-1/tau_mem)``, so Sinabs
  ``LIF(tau_mem=T)`` is refsnn ``LIF(tau=1 / (1 - exp(-1/T)))`` (equal up to the rounding of
  that ``tau``); refsnn has no exact-exponential leak parameter.
- binary -> ``SingleSpike``; ``MultiThreshold(levels=D, derivative="sum")`` -> ``MaxSpike(D)``.
- soft reset -> ``MembraneSubtract()`` (reset gradient attached); hard reset -> ``MembraneReset(
  v_reset)`` (reset gradient detached; the leak pulls towards 0, so LIF / PLIF need
  ``v_reset = 0``); ``min_v_mem=None`` (refsnn has no clamp).
- ``surrogate`` -> ``surrogate_grad_fn``: ``piecewise_exponential(alpha, scale)`` ->
  ``SingleExponential(grad_width=1/(alpha v_th), grad_scale=scale/2)``, ``gaussian(alpha,
  scale)`` -> ``Gaussian(mu=0, sigma=1/(alpha sqrt 2), grad_scale=scale)``.
- ``v0`` -> the ``v_mem`` buffer before the call; ``v`` -> ``recordings["v_mem"]``
  (``record_states=True``).

Sinabs fires at ``v >= threshold`` only, emits float32 spikes and does not expose ``v`` before
the reset; its threshold is not learnable. Gradients: ``x``, ``v0`` and ``alpha_mem``, reported
as dL/dtau = dL/dalpha / tau^2 (LIF) and dL/dw = -dL/dalpha k (1 - k) (PLIF).
"""

from __future__ import annotations

import math
from importlib.metadata import version

import numpy as np
import torch
from sinabs.activation import (
    Gaussian,
    MaxSpike,
    MembraneReset,
    MembraneSubtract,
    SingleExponential,
    SingleSpike,
)
from sinabs.layers import IAF
from sinabs.layers import LIF as SinabsLIF

from refsnn.neurons import IF, LIF, PLIF, BinaryNeuron, MultiThreshold, Neuron
from refsnn.surrogates import Surrogate
from refsnn.targets import _torch

NAME = "sinabs"
VERSION = f"sinabs {version('sinabs')}"


def supports(neuron: Neuron) -> str | None:
    """None for IF / LIF / PLIF and MultiThreshold (``derivative="sum"``) on them with
    ``compare=">="``, a soft reset with the gradient attached or a detached hard reset (LIF /
    PLIF: to 0), and a Sinabs surrogate; otherwise the reason."""
    if not isinstance(neuron, IF | LIF | PLIF | MultiThreshold):
        return f"Sinabs has no {type(neuron).__name__} neuron (its spikes are counts >= 0)"
    if isinstance(neuron, MultiThreshold) and neuron.derivative != "sum":
        return ("Sinabs' MaxSpike takes the surrogate once, at the membrane "
                "(derivative='sum' at D = 1), never a ramp or a stretched kernel")
    base = _base(neuron)
    if base.compare != ">=":
        return "Sinabs fires at v >= threshold only (SingleSpike; MaxSpike's trunc(v / threshold))"
    if base.v_reset is None and base.detach_reset:
        return "Sinabs' MembraneSubtract keeps the spikes' gradient (no detach option)"
    if base.v_reset is not None and not base.detach_reset:
        return "Sinabs' MembraneReset masks with spikes == 0, which carries no gradient"
    if base.v_reset not in (None, 0.0) and not isinstance(base, IF):
        return "Sinabs' LIF leaks towards 0, so a hard reset to another value has no LIF form"
    if _surrogate(base) is None:
        return (f"Sinabs has no surrogate equal to {base.surrogate} (it has SingleExponential "
                "= piecewise_exponential and Gaussian = gaussian)")
    return None


def forward(neuron: Neuron, x: np.ndarray, v0: np.ndarray) -> tuple:
    """``(spikes, None, v)``: Sinabs records the membrane after the reset only."""
    return _torch.forward_after_reset(_run, neuron, x, v0)


def backward(neuron: Neuron, x: np.ndarray, v0: np.ndarray, grad_spikes: np.ndarray,
             grad_v: np.ndarray | None) -> tuple:
    """dL/dx, dL/dv0 and the leak's gradient, by Sinabs' autograd."""
    layer, x_t, v0_t, spikes, v = _run(neuron, x, v0)
    _torch.backpropagate(spikes, v, grad_spikes, grad_v)
    base, params = _base(neuron), {}
    if isinstance(base, LIF | PLIF):
        grad_alpha, k = _torch.scalar_gradient(layer.alpha_mem), base.leak_rate()
        params = ({"tau": grad_alpha / (base.tau * base.tau)} if isinstance(base, LIF)
                  else {"w": -grad_alpha * k * (1.0 - k)})
    return _torch.gradient(x_t), _torch.gradient(v0_t), params


def surrogate_derivative(surrogate: Surrogate, x: np.ndarray) -> np.ndarray:
    """The derivative of the Sinabs surrogate equal to ``surrogate``, through ``SingleSpike``
    at threshold 1 (``v = x + 1``)."""
    grad_fn = _surrogate(IF(surrogate=surrogate))
    if grad_fn is None:
        raise NotImplementedError(f"Sinabs has no surrogate equal to {surrogate}")
    one = _torch.constant(1.0)
    return _torch.spike_derivative(lambda u: SingleSpike.apply(u + one, one, grad_fn), x)


def _base(neuron: Neuron) -> BinaryNeuron:
    """The IF / LIF / PLIF that gives ``neuron`` its charge, threshold and reset."""
    return neuron.neuron if isinstance(neuron, MultiThreshold) else neuron


def _surrogate(base: BinaryNeuron):
    """The Sinabs ``surrogate_grad_fn`` equal to ``base.surrogate`` at ``base.v_threshold``,
    or None."""
    s = base.surrogate
    if s.name == "piecewise_exponential":
        return SingleExponential(grad_width=1.0 / (s.alpha * base.v_threshold),
                                 grad_scale=s.scale / 2.0)
    if s.name == "gaussian":
        return Gaussian(mu=0.0, sigma=1.0 / (s.alpha * math.sqrt(2.0)), grad_scale=s.scale)
    return None


def _layer(neuron: Neuron) -> torch.nn.Module:
    """The Sinabs layer for ``neuron``, float64, recording ``v_mem``."""
    multi, base = isinstance(neuron, MultiThreshold), _base(neuron)
    common = dict(spike_threshold=_torch.constant(base.v_threshold),
                  spike_fn=MaxSpike(neuron.levels) if multi else SingleSpike,
                  reset_fn=MembraneSubtract() if base.v_reset is None
                  else MembraneReset(reset_value=base.v_reset),
                  surrogate_grad_fn=_surrogate(base), record_states=True)
    if isinstance(base, IF):
        return IAF(**common)
    layer = SinabsLIF(tau_mem=2.0, train_alphas=True, norm_input=base.decay_input, **common)
    # train_alphas: the layer uses alpha_mem itself (its tau_mem only initialises it, float32)
    layer.alpha_mem = torch.nn.Parameter(_torch.constant(1.0 - base.leak_rate()))
    return layer


def _run(neuron: Neuron, x: np.ndarray, v0: np.ndarray) -> tuple:
    """One layer call on ``x[None]`` (time on axis 1) from ``v_mem = v0``:
    ``(layer, x leaf, v0 leaf, spikes [T, ...], v [T, ...])``."""
    layer = _layer(neuron)
    x_t, v0_t = _torch.leaf(x), _torch.leaf(v0)
    layer.v_mem = v0_t[None]
    spikes = layer(x_t[None])
    return layer, x_t, v0_t, spikes[0], layer.recordings["v_mem"][0]
