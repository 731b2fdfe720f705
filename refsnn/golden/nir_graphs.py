"""The graphs of the NIR conformance pack (golden/nir/), each with its input and time step.

Together they hold every NIR 1.0.8 node type (Input, Output, nested NIRGraph, Affine, Linear,
Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d, Flatten, Delay, Threshold, I, LI, IF, LIF, CubaLI,
CubaLIF), a recurrent graph and membranes landing exactly on a threshold. Parameters are drawn
from a seeded generator and rounded to multiples of 1/64 (inputs) or 1/16 (weights), so that
every product and sum of the Euler steps below is exact in float64 until the leak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from refsnn.nir._require import nir


@dataclass(frozen=True)
class PackGraph:
    """A pack graph: its ``name``, what it covers, the NIR graph, ``x[T, B, ...]`` and the
    time step its time constants are written for."""

    name: str
    description: str
    graph: object
    x: np.ndarray
    dt: float


def _grid(rng: np.random.Generator, shape: tuple, scale: float, step: float) -> np.ndarray:
    return np.round(rng.normal(0, scale, shape) / step) * step


def _full(n: int, value: float) -> np.ndarray:
    return np.full(n, value, dtype=np.float64)


def dense(rng: np.random.Generator) -> PackGraph:
    """Affine -> LIF (v_leak, v_reset nonzero) -> Linear -> LI."""
    n = nir()
    nodes = {
        "input": n.Input(input_type={"input": np.array([3])}),
        "affine": n.Affine(weight=_grid(rng, (4, 3), 1.0, 1 / 16), bias=_grid(rng, 4, 0.3, 1 / 16)),
        "lif": n.LIF(tau=np.array([2e-3, 4e-3, 8e-3, 1.6e-2]), r=_full(4, 2.0),
                     v_leak=_full(4, 0.125), v_threshold=_full(4, 1.0), v_reset=_full(4, -0.25)),
        "linear": n.Linear(weight=_grid(rng, (2, 4), 1.0, 1 / 16)),
        "li": n.LI(tau=np.array([4e-3, 8e-3]), r=_full(2, 4.0), v_leak=_full(2, 0.0)),
        "output": n.Output(output_type={"output": np.array([2])}),
    }
    edges = [("input", "affine"), ("affine", "lif"), ("lif", "linear"), ("linear", "li"),
             ("li", "output")]
    x = np.abs(_grid(rng, (24, 2, 3), 1.0, 1 / 64))
    return PackGraph("dense", dense.__doc__, n.NIRGraph(nodes, edges), x, 1e-3)


def current(rng: np.random.Generator) -> PackGraph:
    """Scale -> CubaLIF (w_in != 1) -> Affine -> CubaLI and, in parallel, I (integrator); the
    Output sums both."""
    n = nir()
    nodes = {
        "input": n.Input(input_type={"input": np.array([3])}),
        "scale": n.Scale(scale=np.array([1.5, 2.0, 0.75])),
        "cubalif": n.CubaLIF(tau_syn=_full(3, 2e-3), tau_mem=np.array([4e-3, 8e-3, 4e-3]),
                             r=_full(3, 4.0), v_leak=_full(3, 0.0), v_threshold=_full(3, 1.0),
                             v_reset=_full(3, 0.0), w_in=_full(3, 2.0)),
        "affine": n.Affine(weight=_grid(rng, (2, 3), 1.0, 1 / 16), bias=_full(2, 0.0625)),
        "cubali": n.CubaLI(tau_syn=_full(2, 4e-3), tau_mem=_full(2, 8e-3), r=_full(2, 8.0),
                           v_leak=_full(2, 0.0), w_in=_full(2, 1.0)),
        "integrator": n.I(r=_full(2, 250.0)),
        "output": n.Output(output_type={"output": np.array([2])}),
    }
    edges = [("input", "scale"), ("scale", "cubalif"), ("cubalif", "affine"), ("affine", "cubali"),
             ("affine", "integrator"), ("cubali", "output"), ("integrator", "output")]
    x = np.abs(_grid(rng, (24, 2, 3), 0.8, 1 / 64))
    return PackGraph("current", current.__doc__, n.NIRGraph(nodes, edges), x, 1e-3)


def ties(rng: np.random.Generator) -> PackGraph:
    """Membranes landing exactly on the threshold at dt = 1e-3: IF (r = 1/dt = 1000, input
    0.5: v = 0.5, 1.0 = v_threshold); LIF (tau = 2 dt, r = 2, so dt/tau = 0.5 and r dt/tau = 1,
    input 1: v = 1.0 = v_threshold at the first step); Threshold(1) fed 1.0 directly. Under
    ``>`` none of them fires at the tie, under ``>=`` all do; every value is exact in
    binary."""
    n = nir()
    nodes = {
        "input": n.Input(input_type={"input": np.array([2])}),
        "if": n.IF(r=_full(2, 1000.0), v_threshold=_full(2, 1.0), v_reset=_full(2, 0.0)),
        "lif": n.LIF(tau=_full(2, 2e-3), r=_full(2, 2.0), v_leak=_full(2, 0.0),
                     v_threshold=_full(2, 1.0), v_reset=_full(2, 0.0)),
        "threshold": n.Threshold(threshold=_full(2, 1.0)),
        "output": n.Output(output_type={"output": np.array([2])}),
        "output_lif": n.Output(output_type={"output": np.array([2])}),
        "output_threshold": n.Output(output_type={"output": np.array([2])}),
    }
    edges = [("input", "if"), ("input", "lif"), ("input", "threshold"), ("if", "output"),
             ("lif", "output_lif"), ("threshold", "output_threshold")]
    x = np.zeros((12, 1, 2))
    x[:, 0, 0] = 0.5  # IF: v = 0.5, 1.0 (tie), ...; LIF: v = 0.25, 0.375, ...
    x[::3, 0, 1] = 1.0  # LIF from 0: v = 1.0 (tie); Threshold: 1.0 (tie)
    return PackGraph("ties", ties.__doc__, n.NIRGraph(nodes, edges), x, 1e-3)


def recurrent(rng: np.random.Generator) -> PackGraph:
    """Affine -> LIF with a recurrent Linear (a cycle: one step of delay on the back edge)."""
    n = nir()
    nodes = {
        "input": n.Input(input_type={"input": np.array([2])}),
        "affine": n.Affine(weight=_grid(rng, (3, 2), 1.0, 1 / 16), bias=_full(3, 0.0)),
        "lif": n.LIF(tau=_full(3, 4e-3), r=_full(3, 4.0), v_leak=_full(3, 0.0),
                     v_threshold=_full(3, 1.0), v_reset=_full(3, 0.0)),
        "rec": n.Linear(weight=_grid(rng, (3, 3), 0.6, 1 / 16)),
        "output": n.Output(output_type={"output": np.array([3])}),
    }
    edges = [("input", "affine"), ("affine", "lif"), ("lif", "rec"), ("rec", "lif"),
             ("lif", "output")]
    x = np.abs(_grid(rng, (24, 2, 2), 1.0, 1 / 64))
    return PackGraph("recurrent", recurrent.__doc__, n.NIRGraph(nodes, edges), x, 1e-3)


def conv(rng: np.random.Generator) -> PackGraph:
    """Conv2d (padding 1) -> IF -> SumPool2d -> AvgPool2d -> Flatten -> Affine -> LIF."""
    n = nir()
    nodes = {
        "input": n.Input(input_type={"input": np.array([1, 6, 6])}),
        "conv": n.Conv2d(input_shape=(6, 6), weight=_grid(rng, (2, 1, 3, 3), 0.5, 1 / 16),
                         stride=1, padding=1, dilation=1, groups=1, bias=_full(2, 0.0)),
        "if": n.IF(r=_full(72, 1000.0).reshape(2, 6, 6), v_threshold=np.ones((2, 6, 6)),
                   v_reset=np.zeros((2, 6, 6))),
        "sumpool": n.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                               padding=np.array([0, 0])),
        "avgpool": n.AvgPool2d(kernel_size=np.array([3, 3]), stride=np.array([3, 3]),
                               padding=np.array([0, 0])),
        "flatten": n.Flatten(input_type={"input": np.array([2, 1, 1])}, start_dim=0),
        "affine": n.Affine(weight=_grid(rng, (2, 2), 1.0, 1 / 16), bias=_full(2, 0.0)),
        "lif": n.LIF(tau=_full(2, 2e-3), r=_full(2, 4.0), v_leak=_full(2, 0.0),
                     v_threshold=_full(2, 0.5), v_reset=_full(2, 0.0)),
        "output": n.Output(output_type={"output": np.array([2])}),
    }
    order = list(nodes)
    edges = list(zip(order[:-1], order[1:], strict=True))
    x = np.abs(_grid(rng, (12, 2, 1, 6, 6), 1.0, 1 / 64))
    return PackGraph("conv", conv.__doc__, n.NIRGraph(nodes, edges), x, 1e-3)


def nested(rng: np.random.Generator) -> PackGraph:
    """Conv1d -> Flatten -> a nested NIRGraph (Delay of 2 steps -> Threshold) beside an I."""
    n = nir()
    inner = n.NIRGraph(nodes={
        "input": n.Input(input_type={"input": np.array([10])}),
        "delay": n.Delay(delay=_full(10, 2e-3)),
        "threshold": n.Threshold(threshold=_full(10, 0.25)),
        "output": n.Output(output_type={"output": np.array([10])}),
    }, edges=[("input", "delay"), ("delay", "threshold"), ("threshold", "output")])
    nodes = {
        "input": n.Input(input_type={"input": np.array([2, 5])}),
        "conv1d": n.Conv1d(input_shape=5, weight=_grid(rng, (2, 2, 3), 0.5, 1 / 16), stride=1,
                           padding=1, dilation=1, groups=1, bias=_full(2, 0.0)),
        "flatten": n.Flatten(input_type={"input": np.array([2, 5])}, start_dim=0),
        "sub": inner,
        "integrator": n.I(r=_full(10, 1000.0)),
        "output": n.Output(output_type={"output": np.array([10])}),
        "output_integrator": n.Output(output_type={"output": np.array([10])}),
    }
    edges = [("input", "conv1d"), ("conv1d", "flatten"), ("flatten", "sub"),
             ("flatten", "integrator"), ("sub", "output"), ("integrator", "output_integrator")]
    x = _grid(rng, (12, 2, 2, 5), 1.0, 1 / 64)
    return PackGraph("nested", nested.__doc__, n.NIRGraph(nodes, edges), x, 1e-3)


BUILDERS = (dense, current, ties, recurrent, conv, nested)


def graphs(seed: int = 14) -> list[PackGraph]:
    """Every pack graph, each drawn from its own generator seeded ``(seed, index)``."""
    return [build(np.random.default_rng((seed, i))) for i, build in enumerate(BUILDERS)]
