"""The Norse 1.1 target: ``LIFBoxCell`` (LIF, PLIF) and ``IAFCell`` (IF), float64 on CPU.

Mapping (refsnn -> Norse), one cell call per step with ``dt = 1``:

- LIF / PLIF with ``decay_input=True``: ``LIFBoxCell``, whose step is
  ``v' = v + dt tau_mem_inv (v_leak - v + x)``, i.e. refsnn's ``H = V + (X - (V - v_rest)) k``
  with ``k = dt tau_mem_inv`` (``1/tau``, or ``sigmoid(w)`` as a differentiable tensor for PLIF)
  and ``v_leak = v_rest`` (``v_reset``, or 0 with a soft reset); ``reset_method``
  ``reset_value`` (hard, to ``v_reset``) or ``reset_subtract`` (soft).
- IF with a hard reset: ``IAFCell`` (``v' = v + x``, reset to ``v_reset``).
- ``v_threshold`` -> ``v_th``; ``surrogate`` -> ``method`` and ``alpha``
  (refsnn/targets/surrogate_map.py); ``v0`` -> the state's ``v``.

Norse fires at ``v' - v_th > 0`` only, keeps the reset's gradient (the feed-forward cells have
no detach), and does not expose ``v'`` before the reset. Gradients: ``x``, ``v0``, and ``v_th``
and ``tau_mem_inv`` (or PLIF's ``w``) as tensors that require a gradient, reported as
dL/dv_threshold, dL/dtau = -dL/dk / tau^2 and dL/dw.
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import torch
from norse.torch import IAFCell, IAFParameters, LIFBoxCell, LIFBoxParameters
from norse.torch.functional.iaf import IAFFeedForwardState
from norse.torch.functional.lif_box import LIFBoxFeedForwardState
from norse.torch.functional.reset import reset_subtract, reset_value
from norse.torch.functional.threshold import threshold

from refsnn.conformance import networks
from refsnn.neurons import IF, LIF, PLIF, Neuron
from refsnn.surrogates import Surrogate
from refsnn.targets import _surrogates, _torch, _torch_network

NAME = "norse"
VERSION = f"norse {version('norse')}"

SURROGATES = {  # canonical name -> Norse threshold methods that can equal it
    "fast_sigmoid": (lambda s: ("super", {"alpha": s.alpha}),),  # 1.1.0: alpha is ignored
    "triangular": (lambda s: ("triangle", {"alpha": s.scale}),),
    "sigmoid": (lambda s: ("tanh", {"alpha": s.alpha / 2.0}),),
    "gaussian": (lambda s: ("heavi_erfc", {"alpha": s.alpha}),),
}


def supports(neuron: Neuron) -> str | None:
    """None for LIF / PLIF with ``decay_input=True`` and IF with a hard reset, with
    ``compare=">"``, an attached reset and a Norse surrogate; otherwise the reason."""
    if not isinstance(neuron, IF | LIF | PLIF):
        return f"Norse has no {type(neuron).__name__} neuron (binary spikes only)"
    if isinstance(neuron, IF) and neuron.v_reset is None:
        return "Norse's IAFCell resets to v_reset only (no soft reset)"
    if not isinstance(neuron, IF) and not neuron.decay_input:
        return ("Norse's LIFBoxCell decays the input (v += dt/tau (v_leak - v + x)); "
                "there is no decay_input=False form")
    if neuron.compare != ">":
        return "Norse fires at v - v_th > 0 only (functional/heaviside.py)"
    if neuron.detach_reset:
        return "Norse's feed-forward cells keep the reset's gradient (no detach option)"
    if _surrogates.match(NAME, SURROGATES, neuron.surrogate) is None:
        return _no_surrogate(neuron.surrogate)
    return None


def forward(neuron: Neuron, x: np.ndarray, v0: np.ndarray) -> tuple:
    """``(spikes, None, v)``: Norse returns the membrane after the reset only."""
    return _torch.forward_after_reset(_run, neuron, x, v0)


def backward(neuron: Neuron, x: np.ndarray, v0: np.ndarray, grad_spikes: np.ndarray,
             grad_v: np.ndarray | None) -> tuple:
    """dL/dx, dL/dv0, dL/dv_threshold and the leak's gradient, by Norse's autograd."""
    leaves, x_t, v0_t, spikes, v = _run(neuron, x, v0)
    _torch.backpropagate(spikes, v, grad_spikes, grad_v)
    return _torch.gradient(x_t), _torch.gradient(v0_t), _scalar_gradients(neuron, leaves)


def network_forward(network: networks.Network, x: np.ndarray) -> list[np.ndarray]:
    """Every layer's output: ``torch.nn`` layers (BatchNorm2d in eval mode) on the run as one
    batch ``[T B, ...]``, each spiking layer one cell called once per step from
    ``v = v_rest``."""
    return _torch_network.forward(_run_network, network, x)


def network_backward(network: networks.Network, x: np.ndarray,
                     grad_out: np.ndarray) -> dict[str, np.ndarray]:
    """dL/dx, the layers' parameters, and each cell's ``v_th`` and leak (mapped as in
    :func:`backward`) by Norse's autograd."""
    return _torch_network.backward(_run_network, _scalar_gradients, network, x, grad_out)


def _scalar_gradients(neuron: Neuron, leaves: dict[str, torch.Tensor]) -> dict[str, float]:
    """The cell's learnable scalars' gradients under refsnn's names (module docstring)."""
    params = {name: _torch.scalar_gradient(leaf) for name, leaf in leaves.items()}
    if "tau_mem_inv" in params:  # k = 1/tau
        params["tau"] = -params.pop("tau_mem_inv") / (neuron.tau * neuron.tau)
    return params


def surrogate_derivative(surrogate: Surrogate, x: np.ndarray) -> np.ndarray:
    """The derivative of the Norse threshold method equal to ``surrogate``."""
    method, alpha = _method(surrogate)
    return _torch.spike_derivative(lambda u: threshold(u, method, alpha), x)


def _no_surrogate(surrogate: Surrogate) -> str:
    """Why Norse has no surrogate equal to ``surrogate``."""
    if surrogate.name == "fast_sigmoid" and surrogate.scale == 1.0:
        return ("Norse 1.1.0's super ignores alpha: it is 1/(|x| + 1)^2, FastSigmoid(alpha=1), "
                "whatever alpha (fixed after 1.1.0 by PR #403)")
    return _surrogates.unsupported(NAME, surrogate)


def _method(surrogate: Surrogate) -> tuple[str, float]:
    """Norse's ``(method, alpha)`` equal to ``surrogate`` (NotImplementedError if none)."""
    found = _surrogates.match(NAME, SURROGATES, surrogate)
    if found is None:
        raise NotImplementedError(_no_surrogate(surrogate))
    method, params = found
    return method, params["alpha"]


def _cell(neuron: Neuron) -> tuple[torch.nn.Module, dict[str, torch.Tensor], type]:
    """The Norse cell for ``neuron``, its learnable leaves by name, and its state type."""
    method, alpha = _method(neuron.surrogate)
    leaves = {"v_threshold": _torch.leaf(neuron.v_threshold)}
    v_rest = _torch.constant(neuron.rest_potential)
    if isinstance(neuron, IF):
        p = IAFParameters(v_th=leaves["v_threshold"], v_reset=v_rest, method=method, alpha=alpha)
        return IAFCell(p), leaves, IAFFeedForwardState
    if isinstance(neuron, PLIF):
        leaves["w"] = _torch.leaf(neuron.w)
        tau_mem_inv = torch.sigmoid(leaves["w"])
    else:
        leaves["tau_mem_inv"] = tau_mem_inv = _torch.leaf(neuron.leak_rate())
    p = LIFBoxParameters(tau_mem_inv=tau_mem_inv, v_leak=v_rest, v_th=leaves["v_threshold"],
                         v_reset=v_rest, method=method, alpha=alpha,
                         reset_method=reset_subtract if neuron.v_reset is None else reset_value)
    return LIFBoxCell(p, dt=1.0), leaves, LIFBoxFeedForwardState


def _run(neuron: Neuron, x: np.ndarray, v0: np.ndarray) -> tuple:
    """One cell call per step from ``v = v0``: ``(leaves, x leaf, v0 leaf, spikes, v)``."""
    cell, leaves, state_type = _cell(neuron)
    x_t, v0_t = _torch.leaf(x), _torch.leaf(v0)
    state, spikes, v = state_type(v=v0_t), [], []
    for x_step in x_t:
        spike, state = cell(x_step, state)
        spikes.append(spike)
        v.append(state.v)
    return leaves, x_t, v0_t, torch.stack(spikes), torch.stack(v)


def _run_network(network: networks.Network, x: np.ndarray) -> tuple:
    """``(each cell's leaves by layer index, layer leaves, x leaf, every layer's output)``."""
    return _torch_network.run(network, x, _spiking_layer)


def _spiking_layer(neuron: Neuron) -> tuple:
    """The cell called once per step from ``v = v_rest``, and its learnable leaves."""
    cell, leaves, state_type = _cell(neuron)
    state = state_type(v=_torch.constant(neuron.rest_potential))
    return _torch_network.per_step(cell, state), leaves
