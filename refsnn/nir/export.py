"""Export a refsnn network to NIR (see docs/nir.md, "Export")."""

from __future__ import annotations


def export(sequential: object, *, dt: float) -> object:
    """The ``nir.NIRGraph`` of a refsnn ``Sequential``, which refsnn.nir.load(graph, dt=dt)
    runs exactly as refsnn does."""
    raise NotImplementedError("refsnn.nir.export: being implemented")
