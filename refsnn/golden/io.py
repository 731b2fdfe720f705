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
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from refsnn.checkpoint import atomic_write

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
    """Write ``data`` to ``path`` atomically (:func:`refsnn.checkpoint.atomic_write`: a reader
    sees the old file or the new one, never a partial one); the generator has already decided
    whether ``path`` may be overwritten."""
    atomic_write(path, lambda file: file.write(data), force=True)
