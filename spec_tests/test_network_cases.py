"""The network conformance cases themselves (refsnn/conformance/network_cases.py), independent
of any target: the dyadic ones are exact arithmetic and put a membrane exactly on a threshold
(so a target with the other compare convention fails them), the random ones keep every membrane
away from the thresholds, and the comparison catches a planted bug in the forward and in the
backward pass. The cases run against a target in refsnn/spec/test_network_conformance.py.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from refsnn.conformance import networks
from refsnn.conformance.cases import ALL_IDS
from refsnn.conformance.network_cases import MARGIN, NETWORK_CASES, NETWORK_IDS
from refsnn.conformance.network_compare import run_network_case
from refsnn.golden import tolerances
from refsnn.targets import refsnn_numpy

DYADIC = [case for case in NETWORK_CASES if case.draw == "dyadic"]
RANDOM = [case for case in NETWORK_CASES if case.draw == "random"]


def test_ids_are_unique_and_matchable_by_expectations():
    assert len(set(NETWORK_IDS)) == len(NETWORK_IDS) == len(NETWORK_CASES)
    assert set(NETWORK_IDS) <= set(ALL_IDS)
    assert {case.architecture for case in NETWORK_CASES} == {"mlp", "conv"}


def _with_compare(network: networks.Network, compare: str) -> networks.Network:
    """``network`` with every neuron's compare (or its wrapped neuron's) set to ``compare``."""
    def flipped(layer):
        if not isinstance(layer, networks.Spiking):
            return layer
        neuron = layer.neuron
        if hasattr(neuron, "neuron"):
            return networks.Spiking(dataclasses.replace(
                neuron, neuron=dataclasses.replace(neuron.neuron, compare=compare)))
        return networks.Spiking(dataclasses.replace(neuron, compare=compare))
    return dataclasses.replace(network, layers=tuple(map(flipped, network.layers)))


def _planted(forward=None, backward=None) -> SimpleNamespace:
    """The reference target with its network forward or backward replaced."""
    return SimpleNamespace(NAME="planted", supports=refsnn_numpy.supports,
                           network_forward=forward or refsnn_numpy.network_forward,
                           network_backward=backward or refsnn_numpy.network_backward)


@pytest.mark.parametrize("case", DYADIC, ids=lambda case: case.id)
def test_dyadic_case_puts_a_membrane_on_a_threshold(case):
    """A target with the other compare convention differs in its spikes (a planted bug)."""
    def other(network):
        compare = {">=": ">", ">": ">="}
        neuron = next(iter(network.neurons().values()))
        base = getattr(neuron, "neuron", neuron)
        return _with_compare(network, compare[base.compare])

    target = _planted(forward=lambda network, x: refsnn_numpy.network_forward(other(network), x))
    outcome = run_network_case(target, case)
    assert outcome.status == "differs"
    assert any(m.quantity.startswith("spikes_") and m.error > 0 for m in outcome.mismatches)


@pytest.mark.parametrize("case", [c for c in DYADIC if c.architecture == "mlp"],
                         ids=lambda case: case.id)
def test_dyadic_case_is_exact_arithmetic(case):
    """Summed in another order (input features and hidden units permuted), every layer's output
    is bit-identical: no product, sum or membrane was rounded."""
    data = case.data()
    first, spiking, second, last = data.network.layers
    inputs, hidden = np.arange(16)[::-1], np.random.default_rng(0).permutation(12)
    permuted = networks.Network((networks.Linear(first.weight[hidden][:, inputs],
                                                 first.bias[hidden]), spiking,
                                 networks.Linear(second.weight[:, hidden], second.bias), last),
                                data.network.input_shape)
    want = networks.run(data.network, data.x, data.grad_out).outputs
    got = networks.run(permuted, data.x[..., inputs], data.grad_out).outputs
    np.testing.assert_array_equal(got["spikes_1"], want["spikes_1"][..., hidden])
    np.testing.assert_array_equal(got["out_2"], want["out_2"])
    np.testing.assert_array_equal(got["spikes_3"], want["spikes_3"])


@pytest.mark.parametrize("case", RANDOM, ids=lambda case: case.id)
def test_random_case_keeps_every_membrane_off_the_thresholds(case):
    data = case.data()
    result = networks.run(data.network, data.x, data.grad_out)
    for i, neuron in data.network.neurons().items():
        trace = {"h": result.h[i], "spikes": result.outputs[f"spikes_{i}"]}
        assert tolerances.spikes_stable(neuron, trace, MARGIN * max(1.0, np.abs(trace["h"]).max()))
        assert np.unique(trace["spikes"]).size >= 2


def test_a_wrong_surrogate_in_the_backward_pass_is_caught():
    """A planted backward bug: the surrogate's alpha halved in every spiking layer."""
    def backward(network, x, grad_out):
        def halved(layer):
            if not isinstance(layer, networks.Spiking):
                return layer
            surrogate = layer.neuron.surrogate
            return networks.Spiking(dataclasses.replace(
                layer.neuron, surrogate=dataclasses.replace(surrogate, alpha=surrogate.alpha / 2)))
        return refsnn_numpy.network_backward(
            dataclasses.replace(network, layers=tuple(map(halved, network.layers))), x, grad_out)

    case = next(c for c in NETWORK_CASES if c.id.startswith("net-conv-lif-decay-hard-ge"))
    outcome = run_network_case(_planted(backward=backward), case)
    assert outcome.status == "differs"
    assert {m.quantity for m in outcome.mismatches} >= {"grad_x", "grad_0.weight", "grad_1.gamma"}
    assert not any(m.quantity.startswith(("spikes_", "out_")) for m in outcome.mismatches)


def test_a_target_without_the_network_protocol_skips_with_a_reason():
    bare = SimpleNamespace(NAME="bare", supports=refsnn_numpy.supports)
    outcome = run_network_case(bare, NETWORK_CASES[0])
    assert outcome.status == "unsupported"
    assert "network_forward / network_backward" in outcome.reason


def test_a_missing_weight_gradient_is_a_mismatch():
    def backward(network, x, grad_out):
        grads = refsnn_numpy.network_backward(network, x, grad_out)
        del grads["0.weight"]
        return grads

    outcome = run_network_case(_planted(backward=backward), NETWORK_CASES[0])
    assert [(m.quantity, m.where) for m in outcome.mismatches] == [("grad_0.weight",
                                                                    "not returned")]


def test_the_description_is_frozen_and_sequential_reports_every_layer():
    data = NETWORK_CASES[-1].data()
    with pytest.raises(ValueError):
        data.network.layers[0].weight[0, 0, 0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.network.layers[0].weight = None
    sequential = networks.build(data.network)
    outputs = sequential.outputs(data.x)
    assert len(outputs) == len(data.network.layers)
    np.testing.assert_array_equal(outputs[-1], networks.build(data.network).forward(data.x))
