"""Files that must never be seen half-written: the atomic writer, and the ``.npz`` format of a
network's state with a JSON header (refsnn train's checkpoints, refsnn convert's ANNs)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np


def atomic_write(path: Path, write, *, force: bool) -> None:
    """Write ``path`` through a temporary file in the same directory and ``os.replace`` (a
    reader never sees a partial file); refuse to overwrite an existing file unless ``force``.
    ``write(f)`` writes the content to the binary file ``f``."""
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path}: exists; pass force=True (--force) to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 -> an ordinary file's mode
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_state(path: Path, file_format: str, meta: dict, state: dict[str, np.ndarray], *,
               force: bool = False) -> Path:
    """An ``.npz`` (no pickles) of ``state`` (``Sequential.state()``) under ``state/<name>``
    and the JSON ``meta`` with ``"format": file_format`` under ``meta``, written atomically."""
    text = json.dumps({"format": file_format} | meta)
    arrays = {f"state/{name}": value for name, value in state.items()}
    atomic_write(Path(path), lambda f: np.savez(f, meta=np.array(text), **arrays), force=force)
    return Path(path)


def load_state(path: Path, file_format: str) -> tuple[dict, dict[str, np.ndarray]]:
    """The ``meta`` (without its format) and the state that :func:`save_state` wrote; an error
    names ``path`` if it is not such a file of ``file_format``."""
    with np.load(path, allow_pickle=False) as f:
        if "meta" not in f.files:
            raise ValueError(f"path: {path} is not a refsnn state file (no 'meta' entry)")
        meta = json.loads(str(f["meta"]))
        found = meta.pop("format", None)
        if found != file_format:
            raise ValueError(f"path: expected a {file_format} file, got {path} of format "
                             f"{found!r}")
        state = {name.removeprefix("state/"): f[name] for name in f.files
                 if name.startswith("state/")}
    return meta, state
