"""Network: a NIR graph compiled under one Discretization, run over ``x[T, B, ...]``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from refsnn import validation
from refsnn.nir.discretization import Discretization
from refsnn.nir.graph import back_edges, check_loops, flatten, order
from refsnn.nir.neurons import SPIKING, NeuronNode
from refsnn.nir.nodes import Delay, Threshold, compile_node
from refsnn.nir.params import fail


@dataclass(frozen=True, eq=False)
class Recording:
    """Everything a run computed: ``output`` (what ``forward`` returns) and ``nodes``, node
    name (dotted inside nested graphs) -> observable -> ``[T, B, ...]`` array:

        "output"  the node's output (the spikes of IF, LIF, CubaLIF and Threshold)
        "v"       a neuron's membrane after the step (after the reset)
        "h"       a spiking neuron's membrane before the reset
        "i"       a Cuba neuron's synaptic current after the step

    ``discretization``: the Discretization of the run; ``spiking``: the names of the nodes
    whose output is a spike.
    """

    output: object
    nodes: dict
    discretization: Discretization
    spiking: frozenset

    def to_graph_data(self, *, nested: bool = True) -> object:
        """The recording as ``nir.NIRGraphData``: per node a ``NIRNodeData`` whose observables
        are ``TimeGriddedData(data[B, T, neurons], dt)`` ("spikes" as bool for the spiking
        nodes' output). ``nested=False`` keeps the dotted names of nested graphs' nodes at
        the top level (nir 1.0.8's ``write_data`` cannot write nested NIRGraphData: its
        ``_write_graph_data`` iterates the outer graph's nodes at every level)."""
        from refsnn.nir._require import nir

        nir_module = nir()
        top: dict = {}
        for name, observables in self.nodes.items():
            data = {}
            for key, values in observables.items():
                grid = np.moveaxis(values, 0, 1).reshape(values.shape[1], values.shape[0], -1)
                if key == "output" and name in self.spiking:
                    key, grid = "spikes", grid != 0
                data[key] = nir_module.TimeGriddedData(grid, self.discretization.dt)
            path = name.split(".") if nested else [name]
            level = top
            for part in path[:-1]:
                level = level.setdefault(part, {})
            level[path[-1]] = nir_module.NIRNodeData(data)
        return _graph_data(nir_module, top)


def _graph_data(nir_module, level: dict) -> object:
    return nir_module.NIRGraphData({
        name: _graph_data(nir_module, value) if isinstance(value, dict) else value
        for name, value in level.items()})


class Network:
    """A NIR graph compiled by :func:`refsnn.nir.load`; run it with :meth:`forward`.

    ``discretization``: the Discretization it runs under. ``order``: node names in execution
    order; ``back_edges``: the edges that carry the previous step (refsnn.nir.graph).
    """

    def __init__(self, graph: object, discretization: Discretization) -> None:
        self.discretization = discretization
        self._flat = flatten(graph)
        self.order = order(self._flat)
        self.back_edges = back_edges(self._flat, self.order)
        self._nodes = {name: compile_node(name, self._flat.nodes[name], discretization)
                       for name in self.order}
        check_loops(self._flat, self.back_edges, {
            name for name, node in self._nodes.items()
            if not node.stateful or (isinstance(node, Delay) and node.min_steps == 0)})
        self._sources = {name: [] for name in self.order}
        for source, target in self._flat.edges:
            self._sources[target].append(source)
        self.spiking = frozenset(
            name for name, node in self._nodes.items()
            if isinstance(node, Threshold) or
            (isinstance(node, NeuronNode) and node.kind in SPIKING))
        self.inputs, self.outputs = self._flat.inputs, self._flat.outputs

    def forward(self, x: np.ndarray | dict, *, record: bool = False) -> object:
        """Run ``x[T, B, ...]`` (float32 or float64; a dict by Input node name if the graph
        has several) from the initial state; return the Output node's ``[T, B, ...]`` values
        (a dict by name if several), or with ``record=True`` a :class:`Recording` of every
        node."""
        inputs = self._check_inputs(x)
        shapes = self._shapes(inputs)
        run = self._run_steps if self.back_edges else self._run_whole
        nodes = run(inputs, shapes)
        outputs = {name: nodes[name]["output"] for name in self.outputs}
        output = outputs[self.outputs[0]] if len(outputs) == 1 else outputs
        if not record:
            return output
        return Recording(output=output, nodes=nodes, discretization=self.discretization,
                         spiking=self.spiking)

    def _check_inputs(self, x: object) -> dict[str, np.ndarray]:
        if not isinstance(x, dict):
            if len(self.inputs) != 1:
                fail("x", "", f"a dict by Input node name {self.inputs}", type(x).__name__)
            x = {self.inputs[0]: x}
        if set(x) != set(self.inputs):
            fail("x", "", f"arrays for the Input nodes {self.inputs}", sorted(x))
        first = None
        for name, value in x.items():
            value = validation.time_series(f"x[{name!r}]", value)
            if value.ndim < 2:
                fail(f"x[{name!r}]", "", "shape [T, B, ...]", f"shape {value.shape}")
            validation.finite(f"x[{name!r}]", value)
            first = value if first is None else first
            if value.shape[:2] != first.shape[:2] or value.dtype != first.dtype:
                fail(f"x[{name!r}]", "", f"T, B and dtype of the other inputs "
                     f"{first.shape[:2]} {first.dtype}", f"{value.shape[:2]} {value.dtype}")
        return x

    def _shapes(self, inputs: dict) -> dict[str, tuple]:
        """Each node's (input shape, output shape), without the batch axis, checked."""
        shapes, pending = {}, []
        for name in self.order:
            known = [shapes[s][1] for s in self._sources[name] if s in shapes]
            if name in inputs:
                known.append(inputs[name].shape[2:])
            if any(shape != known[0] for shape in known):
                fail(name, "", "inputs of one shape (edges into a node are summed)",
                     f"shapes {known} from {self._sources[name]}")
            shapes[name] = (known[0], tuple(self._nodes[name].output_shape(known[0])))
            pending += [(s, name) for s in self._sources[name] if s not in shapes]
        for source, target in pending:  # the back edges' sources, now known
            if shapes[source][1] != shapes[target][0]:
                fail(target, "", f"inputs of one shape {shapes[target][0]}",
                     f"shape {shapes[source][1]} from {source!r} (a back edge)")
        return shapes

    def _gather(self, name: str, external: np.ndarray | None, read) -> np.ndarray:
        """The sum, in edge order, of the graph input ``external`` (for an Input node) and
        ``read(source, name)`` over the edges into ``name``."""
        total = external
        for source in self._sources[name]:
            value = read(source, name)
            total = value if total is None else total + value
        return total

    def _run_whole(self, inputs: dict, shapes: dict) -> dict:
        """An acyclic graph, one node at a time over the whole run: a stateless node on the
        ``[T B, ...]`` view (as refsnn.nn.Sequential), a stateful one step by step."""
        t_steps, batch = next(iter(inputs.values())).shape[:2]
        outputs, recorded = {}, {}
        for name in self.order:
            x = self._gather(name, inputs.get(name), lambda source, _: outputs[source])
            node = self._nodes[name]
            if node.stateful:
                state = node.start(batch, shapes[name][0], x.dtype)
                steps = [node.step(x[t], state) for t in range(t_steps)]
                y = np.stack([out for out, _ in steps])
                seen = {key: np.stack([obs[key] for _, obs in steps]) for key in steps[0][1]}
            else:
                y = node.apply(x.reshape(t_steps * batch, *x.shape[2:]))
                y = y.reshape(t_steps, batch, *y.shape[1:])
                seen = {}
            outputs[name] = y
            recorded[name] = {"output": y} | seen
        return recorded

    def _run_steps(self, inputs: dict, shapes: dict) -> dict:
        """A graph with cycles, one step at a time through every node in order; a back edge
        reads the previous step (or a Delay's current output, see refsnn.nir.graph)."""
        t_steps, batch = next(iter(inputs.values())).shape[:2]
        dtype = next(iter(inputs.values())).dtype
        states = {name: node.start(batch, shapes[name][0], dtype)
                  for name, node in self._nodes.items() if node.stateful}
        previous = {name: np.zeros((batch, *shapes[name][1]), dtype) for name in self.order}
        steps = []
        for t in range(t_steps):
            current, seen = {}, {}

            def read(source: str, target: str) -> np.ndarray:
                if (source, target) not in self.back_edges:
                    return current[source]  # noqa: B023 (read within this step)
                node = self._nodes[source]
                if isinstance(node, Delay) and node.min_steps >= 1:
                    return node.peek(states[source])
                return previous[source]  # noqa: B023

            for name in self.order:
                x = self._gather(name, inputs[name][t] if name in inputs else None, read)
                node = self._nodes[name]
                if node.stateful:
                    current[name], seen[name] = node.step(x, states[name])
                else:
                    current[name], seen[name] = node.apply(x), {}
                current[name] = np.array(current[name])
                seen[name] = {key: np.array(v) for key, v in seen[name].items()}
            steps.append((current, seen))
            previous = current
        return {name: {"output": np.stack([c[name] for c, _ in steps])} |
                {key: np.stack([s[name][key] for _, s in steps]) for key in steps[0][1][name]}
                for name in self.order}
