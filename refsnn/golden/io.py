"""Deterministic bytes for the golden files, atomic writes, and safe reads.

``np.savez`` stamps every zip entry with the current time, so two runs never give the same
bytes. Here every ``.npz`` is written entry by entry with a fixed timestamp (1980-01-01, the zip
epoch), fixed attributes, no compression, the arrays in sorted key order and each in
little-endian C order (``numpy.lib.format.write_array``); JSON is written with sorted keys, a
fixed layout and a final newline. The same content therefore always gives the same bytes, and
a file's SHA-256 identifies its content.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from refsnn.io import atomic_write

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The ``.npz`` (a zip of ``<key>.npy`` files, uncompressed) holding ``arrays``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(f"{key}.npy", date_time=ZIP_EPOCH)
            info.create_system = 3  # Unix, whatever the platform writing it
            info.external_attr = 0o644 << 16
            archive.writestr(info, npy_bytes(arrays[key]))
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    """One array in the ``.npy`` format, little-endian and C-ordered."""
    array = np.asarray(array)  # 0-d stays 0-d (np.ascontiguousarray would make it 1-d)
    array = array.astype(array.dtype.newbyteorder("<"), order="C", copy=False)
    buffer = io.BytesIO()
    npy.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def read_npz(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` held in memory (no pickles); raises on a damaged file."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


class Mismatch(ValueError):
    """An array of a result file whose ``.npy`` header gives another dtype or shape."""


_HEADER_READERS = {(1, 0): npy.read_array_header_1_0, (2, 0): npy.read_array_header_2_0}


def read_arrays(path: Path, wanted: dict[str, tuple[np.dtype, tuple]]
                ) -> tuple[dict[str, np.ndarray], list[str]]:
    """Read only the ``wanted`` arrays ``{key: (dtype, shape)}`` of the ``.npz`` at ``path``.

    Each is read after its ``.npy`` header showed that dtype (in either byte order; returned
    in the native one) and that shape, so no entry can make the reader decompress or allocate
    more than the wanted arrays need (:class:`Mismatch` names the first that differs). A
    wanted array the file lacks is left out. Returns the arrays and the names of the file's
    other entries. A damaged file raises what zipfile and numpy raise."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        names = [info.filename for info in archive.infolist()]
        if len(set(names)) != len(names):
            raise Mismatch(f"duplicate entries {sorted({n for n in names if names.count(n) > 1})}")
        entries = {name.removesuffix(".npy"): name for name in names}
        for key, (dtype, shape) in wanted.items():
            if key in entries:
                with archive.open(entries[key]) as file:
                    arrays[key] = _read_npy(file, key, np.dtype(dtype), tuple(shape))
    return arrays, sorted(set(entries) - set(wanted))


def _read_npy(file, key: str, dtype: np.dtype, shape: tuple) -> np.ndarray:
    version = npy.read_magic(file)
    if version not in _HEADER_READERS:
        raise Mismatch(f"{key}: .npy format version {version}, expected 1.0 or 2.0")
    found_shape, fortran, found = _HEADER_READERS[version](file)
    if found.newbyteorder("<") != dtype.newbyteorder("<") or found_shape != shape:
        raise Mismatch(f"{key}: {found.str if not found.isnative else found} "
                       f"{list(found_shape)}, expected {dtype} {list(shape)}")
    size = math.prod(shape) * found.itemsize
    data = file.read(size)
    if len(data) != size:
        raise Mismatch(f"{key}: {len(data)} bytes of data, expected {size} (truncated)")
    array = np.frombuffer(data, found).reshape(shape, order="F" if fortran else "C")
    return array.astype(found.newbyteorder("="), order="C")


def json_bytes(data: object, depth: int = 3) -> bytes:
    """``data`` as JSON with sorted keys, ASCII only, no NaN or infinity and a final newline,
    indented by one space for ``depth`` levels and each deeper value on one line (the
    manifest: one line per field of a case)."""
    return (_json(data, depth, 0) + "\n").encode("ascii")


def _json(value: object, depth: int, level: int) -> str:
    if level >= depth or not isinstance(value, dict | list) or not value:
        return json.dumps(value, sort_keys=True, ensure_ascii=True, allow_nan=False,
                          separators=(", ", ": "))
    pad = " " * (level + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(key)}: {_json(value[key], depth, level + 1)}"
                 for key in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + " " * level + "}"
    items = [pad + _json(item, depth, level + 1) for item in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * level + "]"


def sha256(data: bytes) -> str:
    """The hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`refsnn.io.atomic_write`: a reader
    sees the old file or the new one, never a partial one); the generator has already decided
    whether ``path`` may be overwritten."""
    atomic_write(path, lambda file: file.write(data), force=True)
