"""Golden vectors from Python: :func:`case` computes one, :func:`write` writes a set.

    import numpy as np
    import refsnn.golden
    from refsnn.neurons import LIF
    from refsnn.surrogates import Sigmoid

    x = np.load("my_input.npy").astype(np.float32)            # [T, ...]
    lif = LIF(tau=4.0, v_threshold=0.5, surrogate=Sigmoid())
    one = refsnn.golden.case(lif, x, name="lif_mine")
    refsnn.golden.write([one], "vectors", format="csv")

It is the path ``refsnn golden generate --spec`` takes (refsnn.golden.generate): the same
arrays, entries, manifest, formats, determinism and overwrite rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from refsnn.cases import Case
from refsnn.cases.inputs import Draw
from refsnn.golden import generate
from refsnn.golden.manifest import SAFE_NAME
from refsnn.neurons import Neuron


class GoldenCase(NamedTuple):
    """One computed case: its ``arrays`` (inputs and expected outputs) and manifest
    ``entry``."""

    arrays: dict
    entry: dict


def case(neuron: Neuron, x: np.ndarray, *, grad_spikes: np.ndarray | None = None,
         v0: np.ndarray | float | None = None, grad_v: np.ndarray | None = None,
         name: str, description: str = "") -> GoldenCase:
    """The golden case of ``neuron`` on the input ``x`` (float32 or float64, ``[T, ...]``;
    the case's dtype). ``v0`` (``x.shape[1:]`` or a number), ``grad_spikes`` and ``grad_v``
    (``x``'s shape) are given or, if None, drawn as a spec file's defaults are, seeded by
    ``name`` (``v0`` uniform in [-0.5, 0.9) v_th, the upstream gradients in [-1, 1)). The
    tolerances are the error model's on these arrays; a warning names the case if a spike
    lies within the membrane tolerance of a threshold (refsnn.golden.expected)."""
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64) or x.ndim == 0:
        raise ValueError(f"x: expected a float32 or float64 array [T, ...], got {x.dtype} of "
                         f"shape {list(x.shape)}")
    if not (isinstance(name, str) and SAFE_NAME.fullmatch(name)):
        raise ValueError(f"name: expected letters, digits, '_', '.', '+', '-', got {name!r}")
    given = {"x": np.ascontiguousarray(x)}
    for key, value, shape in (("v0", v0, x.shape[1:]), ("grad_spikes", grad_spikes, x.shape),
                              ("grad_v", grad_v, x.shape)):
        if value is not None:
            array = np.asarray(value, dtype=x.dtype)
            if array.ndim and array.shape != shape:
                raise ValueError(f"{key}: expected shape {list(shape)}, got {list(array.shape)}")
            given[key] = np.ascontiguousarray(np.broadcast_to(array, shape))
    found = Case(name, description, neuron, x.dtype.name, x.shape, Draw(), given=given)
    return GoldenCase(*generate.case_arrays(found))


def write(cases: list[GoldenCase], out: Path | str, format: str = "npz",
          force: bool = False) -> int:
    """Write ``cases`` and their manifest into the directory ``out`` in ``format`` (npz, hdf5
    or csv; refsnn.golden.formats). Returns 0, or 1 if a file would change without ``force``
    (then nothing is written)."""
    from refsnn.golden import formats

    if format not in formats.FORMATS:
        raise ValueError(f"format: expected one of {list(formats.FORMATS)}, got {format!r}")
    names = [entry["name"] for _, entry in cases]
    if len(set(names)) != len(names):
        raise ValueError(f"cases: expected unique names, got {names}")
    files = generate.set_files(list(cases), format, generator="refsnn.golden.write (Python)")
    return generate.write_files(files, Path(out), force)


__all__ = ["GoldenCase", "case", "write"]
