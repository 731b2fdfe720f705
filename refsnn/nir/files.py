"""Writing NIR graphs and recorded traces, atomically (refsnn.io.atomic_write)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from refsnn.io import atomic_write
from refsnn.nir._require import nir
from refsnn.nir.network import Recording


def _hdf5_bytes(write) -> bytes:
    """What ``write(file)`` (nir.write or nir.write_data) puts into an HDF5 file."""
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


def write_graph(path: Path, graph: object, *, force: bool = False) -> Path:
    """``graph`` as a ``.nir`` (HDF5) file, as ``nir.write`` makes it."""
    data = _hdf5_bytes(lambda f: nir().write(f, graph))
    atomic_write(Path(path), lambda f: f.write(data), force=force)
    return Path(path)


def write_npz(path: Path, recording: Recording, *, force: bool = False) -> Path:
    """Every trace as ``<node>/<observable>`` ``[T, B, ...]`` arrays, and the discretization
    as JSON under ``discretization``."""
    arrays = {f"{node}/{key}": value for node, observables in recording.nodes.items()
              for key, value in observables.items()}
    text = json.dumps(recording.discretization.as_dict())
    atomic_write(Path(path), lambda f: np.savez(f, discretization=np.array(text), **arrays),
                 force=force)
    return Path(path)


def write_hdf5(path: Path, recording: Recording, *, force: bool = False) -> Path:
    """The traces as NIR's own ``NIRGraphData`` (``nir.read_data`` reads it back), nested
    graphs' nodes under dotted names (see Recording.to_graph_data), and the discretization as
    JSON in the root attribute ``refsnn_discretization``."""
    import h5py

    def write(f) -> None:
        nir().write_data(f, recording.to_graph_data(nested=False))
        with h5py.File(f, "a") as h5:
            h5.attrs["refsnn_discretization"] = json.dumps(recording.discretization.as_dict())

    data = _hdf5_bytes(write)
    atomic_write(Path(path), lambda f: f.write(data), force=force)
    return Path(path)
