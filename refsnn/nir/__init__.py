"""refsnn as the reference interpreter of NIR graphs, and the exporter of refsnn networks.

NIR (the Neuromorphic Intermediate Representation, https://github.com/neuromorphs/NIR) states
its nodes in continuous time and ships no simulator. refsnn runs a NIR graph under one explicit
:class:`Discretization` (a preset reproduces a framework's own reading of the graph) and
records every node's spikes and membranes:

    import refsnn.nir
    net = refsnn.nir.load("graph.nir", dt=1e-4)                   # the NIR spec's reading
    net = refsnn.nir.load("graph.nir", preset="spikingjelly")      # SpikingJelly's
    y = net.forward(x)                                             # x[T, B, ...] -> [T, B, ...]
    rec = net.forward(x, record=True)                              # every node's traces
    nir.write_data("traces.h5", rec.to_graph_data())
    graph = refsnn.nir.export(sequential, dt=1e-4)                  # refsnn -> nir.NIRGraph

Needs the optional ``nir`` package (``pip install 'refsnn[nir]'``); nothing here needs torch.
The equations of every node and scheme, the presets' sources and the export mapping are in
docs/nir.md.
"""

from __future__ import annotations

from pathlib import Path

from refsnn.nir._require import nir as _nir
from refsnn.nir.discretization import PRESETS, Discretization, resolve
from refsnn.nir.export import export
from refsnn.nir.network import Network, Recording


def load(graph_or_path: object, *, dt: float | None = None, scheme: str | None = None,
         reset: str | None = None, compare: str | None = None, current: str | None = None,
         initial: str | None = None, r: str | None = None,
         preset: str | None = None) -> Network:
    """A :class:`Network` that runs the NIR graph (a ``nir.NIRGraph``, or the path of a
    ``.nir`` file read with ``nir.read``) under ``preset`` (default ``"spec"``: the NIR
    spec, ``dt`` required) with any explicitly given field of :class:`Discretization` in
    place of the preset's. A bad graph or parameter is a one-line error naming the node."""
    disc = resolve(preset, dt, scheme=scheme, reset=reset, compare=compare, current=current,
                   initial=initial, r=r)
    graph = graph_or_path
    if isinstance(graph_or_path, str | Path):
        graph = _nir().read(graph_or_path)
    if type(graph).__name__ != "NIRGraph":
        raise ValueError(f"graph_or_path: expected a nir.NIRGraph or the path of a .nir file, "
                         f"got {type(graph).__name__}")
    return Network(graph, disc)


__all__ = ["PRESETS", "Discretization", "Network", "Recording", "export", "load"]
