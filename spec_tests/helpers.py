"""Helpers shared by the spec suite's test files (spec_tests/ and the product tests in tests/
import them from here)."""

from __future__ import annotations


def run(neuron, x, v0=None, backend="numpy", **options):
    """``neuron.forward`` of ``x`` from ``v0`` (default: the neuron's rest potential)."""
    return neuron.forward(x, v0, backend=backend, **options)
