"""Layer-level conformance: the network cases, run against ``--target``.

``python -m pytest --pyargs refsnn.spec --target spikingjelly``. Every case of
refsnn/conformance/network_cases.py (a whole ``Linear -> neuron -> Linear -> neuron`` or
``Conv2d -> BatchNorm -> neuron -> AvgPool2d -> Flatten -> Linear`` with given weights) runs
through the target's optional ``network_forward`` / ``network_backward`` and is compared with
refsnn.nn.Sequential on the NumPy reference: every layer's output, dL/dx and every parameter's
gradient (refsnn/conformance/network_compare.py). A target without the network functions, or
whose ``supports`` refuses a case's neuron, skips the case with the reason. Known disagreements
are listed in the target's expectations file like the neuron cases' (strict xfail). The cases
themselves are checked in the project's spec_tests/test_network_cases.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from refsnn.conformance import networks
from refsnn.conformance.compare import compare_all
from refsnn.conformance.expectations import matching
from refsnn.conformance.network_cases import NETWORK_CASES
from refsnn.conformance.network_compare import run_network_case, tolerance, unsupported
from refsnn.spec.verdicts import judge, params

DYADIC = [case for case in NETWORK_CASES if case.draw == "dyadic"]


@pytest.mark.parametrize("case", params(NETWORK_CASES))
def test_network_case(target, target_expectations, case):
    judge(run_network_case(target, case), target_expectations)


def _without_biases(network: networks.Network) -> networks.Network:
    weighted = networks.Linear | networks.Conv2d
    return dataclasses.replace(network, layers=tuple(
        dataclasses.replace(layer, bias=None) if isinstance(layer, weighted) else layer
        for layer in network.layers))


def test_layers_without_bias(target, target_expectations):
    """The forward of the dyadic cases with every bias removed (still exact arithmetic, so
    spikes must agree exactly), where no forward disagreement is listed for the case."""
    def forward_listed(case_id):
        return any(not all(q.startswith("grad") for q in entry.quantities)
                   for entry in matching(target_expectations, case_id))

    checked = 0
    for case in DYADIC:
        data = case.data()
        if unsupported(target, data.network) is not None or forward_listed(case.id):
            continue
        network = _without_biases(data.network)
        want = networks.run(network, data.x, data.grad_out).outputs
        got = dict(zip(network.output_names(), target.network_forward(network, data.x),
                       strict=True))
        assert compare_all(got, want, tolerance) == [], case.id
        checked += 1
    if not checked:
        pytest.skip(f"{target.NAME} runs no dyadic network case without a listed disagreement")
