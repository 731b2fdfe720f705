"""The file formats of a golden set: ``npz`` (the default), ``hdf5`` and ``csv``.

Every format holds the same arrays, and a case entry's ``sha256`` is always that of the case's
arrays encoded as the canonical ``.npz`` (refsnn.golden.io.npz_bytes), so one hash identifies
a case's content in any format and a reader checks it after decoding:

``npz``
    ``<case>.npz`` per case (the file's own SHA-256 is the entry's).
``hdf5``
    one file, ``cases.h5``, with a group ``/<case>`` per case and a dataset per array, written
    deterministically: into memory, groups in creation order (``track_order``), no timestamps
    (``track_times=False``), the oldest file format (``libver="earliest"``); needs the
    optional ``h5py`` (``pip install refsnn[hdf5]``).
``csv``
    a directory ``<case>/`` per case with ``<key>.csv`` per array, for test benches: ``#``
    header lines giving the key, ``shape``, ``dtype`` and the layout, then the values, one line
    per index of axis 0 (the other axes flattened in C order, comma-separated; a 0-d array is
    one value), each the shortest decimal that reads back to the same float of that dtype
    (NumPy's Dragon4 ``repr``; C's ``strtof`` / ``strtod`` read it exactly). Written only
    for cases of at most ``CSV_LIMIT`` values; every file is read back and compared before it
    is kept.
"""

from __future__ import annotations

import io as _io
import math
import re
from pathlib import Path

import numpy as np

from refsnn.golden import io

FORMATS = ("npz", "hdf5", "csv")
HDF5_FILE = "cases.h5"
CSV_LIMIT = 1_000_000
"""The most values (all arrays of a case together) a csv case may hold: 1e6 values are about
15 MB of text, beyond which a test bench is better served by npz or hdf5."""


def case_file(fmt: str, name: str) -> str:
    """The manifest's ``file`` of case ``name`` in format ``fmt``."""
    return {"npz": f"{name}.npz", "hdf5": HDF5_FILE, "csv": name}[fmt]


def files(fmt: str, cases: list[tuple[dict, dict]]) -> dict[str, bytes]:
    """The files (path relative to the set's directory -> bytes) holding ``cases``, a list of
    ``(arrays, entry)``."""
    if fmt == "npz":
        return {entry["file"]: io.npz_bytes(arrays) for arrays, entry in cases}
    if fmt == "hdf5":
        return {HDF5_FILE: hdf5_bytes(cases)} if cases else {}
    found = {}
    for arrays, entry in cases:
        check_csv_size(entry["name"], sum(np.asarray(a).size for a in arrays.values()))
        found |= {f"{entry['file']}/{key}.csv": csv_bytes(key, arrays[key]) for key in arrays}
    return found


def check_csv_size(name: str, values: int) -> None:
    """Refuse a case of ``values`` values (all its arrays) too large for csv (``CSV_LIMIT``)."""
    if values > CSV_LIMIT:
        raise ValueError(f"format: expected npz or hdf5 for case {name!r} ({values} values; csv "
                         f"is limited to {CSV_LIMIT} per case), got csv")


# --- hdf5 ---------------------------------------------------------------------------------------

def _h5py():
    try:
        import h5py
    except ImportError:
        raise ValueError("format: expected h5py installed for hdf5 (pip install "
                         "'refsnn[hdf5]'), got hdf5 without it") from None
    return h5py


def hdf5_bytes(cases: list[tuple[dict, dict]]) -> bytes:
    """One HDF5 file, a group per case (sorted by name), written deterministically."""
    h5py = _h5py()
    buffer = _io.BytesIO()
    with h5py.File(buffer, "w", track_order=True, libver="earliest") as file:
        for arrays, entry in sorted(cases, key=lambda pair: pair[1]["name"]):
            group = file.create_group(entry["name"], track_order=True)
            for key in sorted(arrays):
                array = np.asarray(arrays[key])
                group.create_dataset(key, data=array.astype(array.dtype.newbyteorder("<")),
                                     track_times=False)
    return buffer.getvalue()


def read_hdf5(path: Path, entry: dict, wanted: dict[str, tuple]) -> dict[str, np.ndarray]:
    """The arrays ``{key: (dtype, shape)}`` of case ``entry`` in the HDF5 file ``path``, each
    read after its dataset's dtype and shape matched (ValueError naming the first that does
    not, or a missing group or array)."""
    h5py = _h5py()
    with h5py.File(path, "r") as file:
        if entry["name"] not in file:
            raise ValueError(f"no group /{entry['name']}")
        group = file[entry["name"]]
        arrays = {}
        for key, (dtype, shape) in wanted.items():
            if key not in group:
                raise ValueError(f"no array {key!r} in /{entry['name']}")
            found = group[key]
            if found.dtype.newbyteorder("<") != np.dtype(dtype).newbyteorder("<") \
                    or tuple(found.shape) != tuple(shape):
                raise ValueError(f"{key}: {found.dtype} {list(found.shape)}, expected {dtype} "
                                 f"{list(shape)}")
            arrays[key] = np.asarray(found[()]).astype(np.dtype(dtype), copy=False)
    return arrays


# --- csv ----------------------------------------------------------------------------------------

def csv_bytes(key: str, array: np.ndarray) -> bytes:
    """One array as csv (module docstring), checked to read back bit for bit."""
    array = np.asarray(array)
    shape = list(array.shape)
    header = (f"# refsnn golden array: {key}\n# shape: {shape}\n# dtype: {array.dtype.name}\n"
              "# layout: one line per index of axis 0, the other axes flattened in C order, "
              "comma-separated; each value the shortest decimal that reads back exactly "
              f"(strto{'f' if array.dtype == np.float32 else 'd'})\n")
    rows = array.reshape(1, 1) if array.ndim == 0 else array.reshape(array.shape[0], -1)
    body = "".join(",".join(_decimal(v) for v in row) + "\n" for row in rows)
    data = (header + body).encode("ascii")
    back = read_csv(data, key, array.dtype, array.shape)
    if back.tobytes() != array.astype(array.dtype.newbyteorder("=")).tobytes():
        raise AssertionError(f"{key}: csv does not read back bit for bit")  # never expected
    return data


def _decimal(value: np.floating) -> str:
    """The shortest decimal that reads back to ``value`` in its own dtype."""
    return np.format_float_positional(value, unique=True, trim="-") \
        if value == 0 or 1e-4 <= abs(value) < 1e16 else \
        np.format_float_scientific(value, unique=True, trim="-")


def read_csv(data: bytes, key: str, dtype: np.dtype, shape: tuple) -> np.ndarray:
    """The array of csv ``data`` (``csv_bytes``), after its header showed ``dtype`` and
    ``shape`` (ValueError naming ``key`` otherwise, or on a bad value count)."""
    text = data.decode("ascii")
    lines = text.splitlines()
    header = {line[2:].split(":", 1)[0]: line[2:].split(":", 1)[1].strip()
              for line in lines if line.startswith("# ") and ":" in line}
    found = tuple(int(n) for n in re.findall(r"\d+", header.get("shape", "")))
    if header.get("dtype") != np.dtype(dtype).name or found != tuple(shape):
        raise ValueError(f"{key}: csv header dtype {header.get('dtype')!r} shape "
                         f"{list(found)}, expected {np.dtype(dtype).name} {list(shape)}")
    values = [v for line in lines if not line.startswith("#") for v in line.split(",") if v]
    if len(values) != math.prod(shape):
        raise ValueError(f"{key}: {len(values)} csv values, expected {math.prod(shape)}")
    return np.array([np.dtype(dtype).type(v) for v in values], dtype=dtype).reshape(shape)
