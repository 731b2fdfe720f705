"""The example target with a planted bug: it fires at ``H > v_threshold`` where the neuron's
spec says ``H >= v_threshold`` (``compare=">="``). The suite must catch it: its ``grid`` cases
put membranes exactly on the threshold. Registered as ``example-buggy``."""

from __future__ import annotations

import dataclasses

import refsnn_example_target as example
from refsnn import Neuron

NAME = "example-buggy"
VERSION = f"{example.VERSION}, with '>' for '>='"

supports = example.supports
surrogate_derivative = example.surrogate_derivative


def _planted(neuron: Neuron) -> Neuron:
    return dataclasses.replace(neuron, compare=">")


def forward(neuron, x, v0):
    return example.forward(_planted(neuron), x, v0)


def backward(neuron, x, v0, grad_spikes, grad_v):
    return example.backward(_planted(neuron), x, v0, grad_spikes, grad_v)
