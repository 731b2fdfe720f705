"""Run a network case through a target and compare it with refsnn's NumPy reference.

The optional protocol functions (docs/targets.md, "Networks"):

    network_forward(network, x) -> [y_0, ..., y_{L-1}]    every layer's output, float64 [T, B, ...]
    network_backward(network, x, grad_out) -> {name: grad}
                                 ``"x"`` and every parameter by its refsnn name (``"0.weight"``,
                                 ``"2.gamma"``, ``"1.v_threshold"``, ...): the gradients of
                                 ``L = sum(grad_out * y_{L-1})`` by the framework's autograd
    network_supports(network) -> str | None        optional; by default the first reason the
                                                   target's ``supports`` gives for a neuron

A target without ``network_forward`` and ``network_backward`` has every network case
unsupported. Quantities and tolerances (the error of refsnn.conformance.compare): the spiking
layers' outputs ``spikes_<i>`` exactly; the other layers' outputs ``out_<i>`` to 1e-12 (the
``h`` tolerance); ``grad_x`` and ``grad_<parameter>`` to 1e-9. ``grad_x`` and the gradients of
every weight, bias and BatchNorm affine parameter are required; the neuron scalars are compared
where the target reports them (a framework may keep a threshold or ``tau`` constant).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from refsnn.conformance import networks
from refsnn.conformance.compare import Mismatch, Outcome, compare_all
from refsnn.conformance.network_cases import NetworkCase
from refsnn.tolerances import CONFORMANCE

PROTOCOL = ("network_forward", "network_backward")


def tolerance(quantity: str) -> float:
    """``spikes_<i>``: exact; ``out_<i>``: as ``h``; ``grad_*``: as the gradients."""
    if quantity.startswith("spikes_"):
        return CONFORMANCE["spikes"]
    return CONFORMANCE["h"] if quantity.startswith("out_") else CONFORMANCE["grad"]


def unsupported(target: ModuleType, network: networks.Network) -> str | None:
    """Why ``target`` cannot run ``network``, or None."""
    missing = [name for name in PROTOCOL if not hasattr(target, name)]
    if missing:
        return (f"{target.NAME} has no {' / '.join(missing)} (the optional network protocol, "
                "docs/targets.md)")
    if hasattr(target, "network_supports"):
        return target.network_supports(network)
    reasons = (target.supports(neuron) for neuron in network.neurons().values())
    return next((reason for reason in reasons if reason is not None), None)


def measure(target: ModuleType, data) -> dict[str, object]:
    """Every quantity the target returns for ``data`` (a NetworkInputs)."""
    outputs = target.network_forward(data.network, data.x)
    names = data.network.output_names()
    if len(outputs) != len(names):
        raise ValueError(f"network_forward: expected {len(names)} layer outputs, "
                         f"got {len(outputs)}")
    grads = target.network_backward(data.network, data.x, data.grad_out)
    return dict(zip(names, outputs, strict=True)) | {f"grad_{k}": v for k, v in grads.items()}


def reference(data) -> dict[str, np.ndarray]:
    """Every quantity of the NumPy reference."""
    result = networks.run(data.network, data.x, data.grad_out)
    return result.outputs | {f"grad_{name}": value for name, value in result.grads.items()}


def run_network_case(target: ModuleType, case: NetworkCase) -> Outcome:
    """Run ``case`` through ``target`` and compare every quantity it returns."""
    data = case.data()
    reason = unsupported(target, data.network)
    if reason is not None:
        return Outcome(case.id, "unsupported", reason=reason)
    want, got = reference(data), measure(target, data)
    required = [*data.network.output_names(), "grad_x",
                *(f"grad_{name}" for name in data.network.weight_names())]
    mismatches = [Mismatch(q, np.inf, "not returned") for q in required if q not in got]
    mismatches += compare_all(got, want, tolerance)
    return Outcome(case.id, "differs" if mismatches else "pass", tuple(mismatches))
