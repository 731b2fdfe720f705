"""The snnTorch 1.0 target: ``snntorch.Leaky`` with ``reset_delay=False``, float64 on CPU.

Mapping (refsnn -> snnTorch): the charge ``V - V k + X`` (``decay_input=False``) is
``beta U + X`` with ``beta = 1 - k``: LIF ``beta = 1 - 1/tau``, PLIF ``beta = 1 - sigmoid(w)``,
IF ``beta = 1``; ``v_threshold`` -> ``threshold``; soft reset (``v_reset=None``) ->
``reset_mechanism="subtract"``; hard reset to 0 -> ``"zero"`` (with ``reset_delay=False`` it
zeroes the spiking step's membrane); ``surrogate`` -> ``spike_grad``
(refsnn/targets/surrogate_map.py); ``v0`` -> the ``mem`` of the first call. One call per step;
``v`` is the returned ``mem`` (after the same-step reset). snnTorch fires at
``U - threshold > 0`` only and does not expose the membrane before the reset.

Gradients: ``x``, ``v0``, and ``threshold`` and ``beta`` as learnable parameters
(``learn_threshold``, ``learn_beta``), reported as dL/dv_threshold and, through the mappings
above, dL/dtau = dL/dbeta / tau^2 (LIF) and dL/dw = -dL/dbeta k (1 - k) (PLIF).
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import snntorch
import torch
from snntorch import surrogate as snn_surrogate

from refsnn.conformance import networks
from refsnn.neurons import IF, LIF, PLIF, Neuron
from refsnn.surrogates import Surrogate
from refsnn.targets import _surrogates, _torch, _torch_network

NAME = "snntorch"
VERSION = f"snntorch {version('snntorch')}"

SURROGATES = {  # canonical name -> snnTorch spike_grad functions that can equal it
    "arctan": (lambda s: ("atan", {"alpha": s.alpha}),),
    "fast_sigmoid": (lambda s: ("fast_sigmoid", {"slope": s.alpha}),),
    "sigmoid": (lambda s: ("sigmoid", {"slope": s.alpha}),),
    "straight_through": (lambda s: ("straight_through_estimator", {}),),
}


def supports(neuron: Neuron) -> str | None:
    """None for IF / LIF / PLIF with ``decay_input=False``, a soft reset or a hard reset to 0,
    ``compare=">"``, an attached reset and an snnTorch surrogate; otherwise the reason."""
    if not isinstance(neuron, IF | LIF | PLIF):
        return f"snnTorch has no {type(neuron).__name__} neuron (binary spikes only)"
    if neuron.decay_input:
        return "snnTorch Leaky has no decay_input=True form (beta U + X never scales X)"
    if neuron.v_reset not in (None, 0.0):
        return "snnTorch resets by subtraction or to zero only (no other v_reset)"
    if neuron.compare != ">":
        return "snnTorch fires at U - threshold > 0 only (every surrogate's forward)"
    if neuron.detach_reset:
        return ("snnTorch's same-step reset (reset_delay=False) carries the spike's gradient; "
                "only the delayed reset is detached")
    if _surrogates.match(NAME, SURROGATES, neuron.surrogate) is None:
        return _surrogates.unsupported(NAME, neuron.surrogate)
    return None


def forward(neuron: Neuron, x: np.ndarray, v0: np.ndarray) -> tuple:
    """``(spikes, None, v)``: snnTorch returns the membrane after the reset only."""
    return _torch.forward_after_reset(_run, neuron, x, v0)


def backward(neuron: Neuron, x: np.ndarray, v0: np.ndarray, grad_spikes: np.ndarray,
             grad_v: np.ndarray | None) -> tuple:
    """dL/dx, dL/dv0, dL/dv_threshold and the leak's gradient, by snnTorch's autograd."""
    leaky, x_t, v0_t, spikes, v = _run(neuron, x, v0)
    _torch.backpropagate(spikes, v, grad_spikes, grad_v)
    return _torch.gradient(x_t), _torch.gradient(v0_t), _scalar_gradients(neuron, leaky)


def network_forward(network: networks.Network, x: np.ndarray) -> list[np.ndarray]:
    """Every layer's output: ``torch.nn`` layers (BatchNorm2d in eval mode) on the run as one
    batch ``[T B, ...]``, each spiking layer one ``Leaky`` called once per step from
    ``mem = 0`` (snnTorch's own loop, ``init_leaky``). snnTorch's spikes are float32 whatever
    the input (``(x > 0).float()``): they are cast to float64 (exact) for the next layer."""
    return _torch_network.forward(_run_network, network, x)


def network_backward(network: networks.Network, x: np.ndarray,
                     grad_out: np.ndarray) -> dict[str, np.ndarray]:
    """dL/dx, the layers' parameters, and each ``Leaky``'s threshold and leak (mapped as in
    :func:`backward`) by snnTorch's autograd."""
    return _torch_network.backward(_run_network, _scalar_gradients, network, x, grad_out)


def _scalar_gradients(neuron: Neuron, leaky: snntorch.Leaky) -> dict[str, float]:
    """dL/dv_threshold and the leak's gradient under refsnn's names (module docstring)."""
    params = {"v_threshold": _torch.scalar_gradient(leaky.threshold)}
    grad_beta = _torch.scalar_gradient(leaky.beta)
    if isinstance(neuron, LIF):  # beta = 1 - 1/tau
        params["tau"] = grad_beta / (neuron.tau * neuron.tau)
    elif isinstance(neuron, PLIF):  # beta = 1 - sigmoid(w)
        k = neuron.leak_rate()
        params["w"] = -grad_beta * k * (1.0 - k)
    return params


def surrogate_derivative(surrogate: Surrogate, x: np.ndarray) -> np.ndarray:
    """The derivative of the snnTorch surrogate equal to ``surrogate``."""
    return _torch.spike_derivative(_spike_grad(surrogate), x)


def _spike_grad(surrogate: Surrogate):
    """The snnTorch ``spike_grad`` equal to ``surrogate`` (NotImplementedError if none)."""
    found = _surrogates.match(NAME, SURROGATES, surrogate)
    if found is None:
        raise NotImplementedError(_surrogates.unsupported(NAME, surrogate))
    name, params = found
    return getattr(snn_surrogate, name)(**params)


def _leaky(neuron: Neuron) -> snntorch.Leaky:
    """The ``Leaky`` for ``neuron``, float64, with learnable threshold and beta."""
    return snntorch.Leaky(beta=_torch.constant(1.0 - neuron.leak_rate()),
                          threshold=_torch.constant(neuron.v_threshold),
                          spike_grad=_spike_grad(neuron.surrogate),
                          reset_mechanism="subtract" if neuron.v_reset is None else "zero",
                          reset_delay=False, learn_beta=True, learn_threshold=True)


def _run(neuron: Neuron, x: np.ndarray, v0: np.ndarray) -> tuple:
    """One ``Leaky`` call per step from ``mem = v0``: ``(leaky, x leaf, v0 leaf, spikes, v)``."""
    leaky = _leaky(neuron)
    x_t, v0_t = _torch.leaf(x), _torch.leaf(v0)
    mem, spikes, v = v0_t, [], []
    for x_step in x_t:
        spike, mem = leaky(x_step, mem)
        spikes.append(spike)
        v.append(mem)
    return leaky, x_t, v0_t, torch.stack(spikes), torch.stack(v)


def _run_network(network: networks.Network, x: np.ndarray) -> tuple:
    """``(Leaky by layer index, layer leaves, x leaf, every layer's output)``."""
    return _torch_network.run(network, x, _spiking_layer)


def _spiking_layer(neuron: Neuron) -> tuple:
    """One ``Leaky`` called once per step from ``init_leaky()``, its spikes cast to float64."""
    leaky = _leaky(neuron)
    run = _torch_network.per_step(leaky, leaky.init_leaky())
    return (lambda y: run(y).to(_torch.F64)), leaky
