"""A NIR graph as refsnn runs it: nested graphs flattened, nodes ordered, cycles found.

* **Nesting.** A ``NIRGraph`` node ``g`` is replaced by its nodes, named ``g.<name>``; an edge
  to ``g`` enters its (single) Input node, an edge from ``g`` leaves its (single) Output node,
  and an edge may name an inner node directly as ``g.<name>``.
* **Order.** Depth-first from the Input nodes (in the order of the graph's ``nodes``, the
  successors in the order of ``edges``), nodes in reverse post-order: a topological order
  when the graph is acyclic. Every node must be reachable from an Input node.
* **Cycles.** An edge that points backwards in that order (or to itself) closes a cycle: it is
  a *back edge* and carries the source's output of the previous step (zeros at the first),
  except from a Delay node whose delays are all >= 1 step, whose output for the current step
  is already known (``y[t] = x[t - d]``) and is used as is. Which edge of a cycle is the back
  edge follows from the order above: the edge that returns to the node where the cycle was
  entered. A cycle entered from two inputs therefore depends on the order of the graph's
  ``nodes`` and ``edges`` (docs/nir.md, "Recurrent graphs").
* **Algebraic loops.** A cycle made only of memoryless nodes (no neuron, no Delay of >= 1
  step) has no meaning in continuous time (``x = f(x)``) and is refused, naming its nodes.
* **Edges into a node are summed**, in the order of ``edges``.
"""

from __future__ import annotations

from dataclasses import dataclass

from refsnn.nir.params import fail


@dataclass(frozen=True)
class FlatGraph:
    """``nodes``: name -> NIR node (no NIRGraph among them); ``edges``: (source, target);
    ``inputs``/``outputs``: the top-level Input and Output node names."""

    nodes: dict
    edges: list
    inputs: list
    outputs: list


def flatten(graph: object) -> FlatGraph:
    """The nodes and edges of ``graph`` with every nested NIRGraph inlined."""
    nodes, edges = _inline(graph, "")
    inputs = [n for n, node in graph.nodes.items() if type(node).__name__ == "Input"]
    outputs = [n for n, node in graph.nodes.items() if type(node).__name__ == "Output"]
    if not inputs:
        fail("graph", "", "at least one Input node", "none")
    if not outputs:
        fail("graph", "", "at least one Output node", "none")
    return FlatGraph(nodes, edges, inputs, outputs)


def _inline(graph: object, prefix: str) -> tuple[dict, list]:
    nodes, edges, subgraphs = {}, [], {}
    for name, node in graph.nodes.items():
        if type(node).__name__ == "NIRGraph":
            inner_nodes, inner_edges = _inline(node, f"{prefix}{name}.")
            nodes |= inner_nodes
            edges += inner_edges
            subgraphs[name] = node
        else:
            nodes[prefix + name] = node
    for source, target in graph.edges:
        edges.append((_endpoint(prefix, source, subgraphs, "Output", nodes),
                      _endpoint(prefix, target, subgraphs, "Input", nodes)))
    return nodes, edges


def _endpoint(prefix: str, name: str, subgraphs: dict, kind: str, nodes: dict) -> str:
    """The flat name an edge endpoint refers to (a subgraph's Input or Output for ``g``)."""
    if name in subgraphs:
        ends = [n for n, node in subgraphs[name].nodes.items() if type(node).__name__ == kind]
        if len(ends) != 1:
            fail(prefix + name, "", f"one {kind} node to connect an edge to", f"{len(ends)}")
        return f"{prefix}{name}.{ends[0]}"
    if prefix + name not in nodes:
        fail("graph", "edges", "edges between the graph's nodes",
             f"an edge naming the unknown node {prefix + name!r}")
    return prefix + name


def order(graph: FlatGraph) -> list[str]:
    """The execution order (reverse post-order of a depth-first search from the inputs)."""
    successors = {name: [] for name in graph.nodes}
    for source, target in graph.edges:
        successors[source].append(target)
    visited, post = set(), []
    for root in graph.inputs:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(successors[root]))]
        while stack:
            node, pending = stack[-1]
            nxt = next(pending, None)
            if nxt is None:
                stack.pop()
                post.append(node)
            elif nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, iter(successors[nxt])))
    for name in graph.nodes:
        if name not in visited:
            fail(name, "", "a node reachable from an Input node", "no path from any input")
    return post[::-1]


def back_edges(graph: FlatGraph, sequence: list[str]) -> set[tuple[str, str]]:
    """The edges that point backwards in ``sequence`` (or from a node to itself)."""
    position = {name: i for i, name in enumerate(sequence)}
    return {(s, t) for s, t in graph.edges if position[t] <= position[s]}


def check_loops(graph: FlatGraph, back: set, instant: set[str]) -> None:
    """Refuse a cycle through a back edge whose nodes are all in ``instant`` (memoryless)."""
    forward = {}
    for source, target in graph.edges:
        if (source, target) not in back:
            forward.setdefault(source, []).append(target)
    for source, target in sorted(back):
        if source not in instant or target not in instant:
            continue
        path = _instant_path(target, source, forward, instant)
        if path is not None:
            cycle = " -> ".join([*path, target])
            fail(target, "", "a cycle through a neuron or a Delay node (a cycle of memoryless "
                 "nodes is an algebraic loop with no meaning in continuous time)",
                 f"the cycle {cycle}")


def _instant_path(start: str, goal: str, forward: dict, instant: set) -> list | None:
    """A path ``start -> ... -> goal`` through ``instant`` nodes only (breadth-first)."""
    parents, frontier = {start: None}, [start]
    while frontier:
        node = frontier.pop(0)
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = parents[node]
            return path[::-1]
        for nxt in forward.get(node, []):
            if nxt in instant and nxt not in parents:
                parents[nxt] = node
                frontier.append(nxt)
    return None
