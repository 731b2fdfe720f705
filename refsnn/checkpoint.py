"""Files that must never be seen half-written: the atomic writer, and the ``.npz`` format of a
network's state with a JSON header (refsnn train's checkpoints, refsnn convert's ANNs)."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from refsnn.validation import all_finite, native_order


def atomic_write(path: Path, write, *, force: bool) -> None:
    """Write ``path`` through a temporary file in the same directory and ``os.replace`` (a
    reader never sees a partial file); refuse to overwrite an existing file unless ``force``.
    ``write(f)`` writes the content to the binary file ``f``.

    The temporary file is ``.<name>.<pid>-<random>.tmp``; those of ``path`` left by a writer
    that was killed (its process is gone) are removed first."""
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path}: exists; pass force=True (--force) to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}-",
                               suffix=".tmp")
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


def remove_leftovers(path: Path) -> list[Path]:
    """Remove the temporary files of :func:`atomic_write` for ``path`` whose writer process no
    longer runs (killed mid-write), and those without a process id (older refsnn versions);
    returns them."""
    prefix = f".{path.name}."
    removed = []
    for tmp in path.parent.glob(glob.escape(prefix) + "*.tmp"):
        writer = tmp.name[len(prefix):-len(".tmp")].split("-")[0]
        if not (writer.isdigit() and _running(int(writer))):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed.append(tmp)
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists (POSIX; elsewhere every writer counts as running)."""
    if os.name != "posix" or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def writable_directory(name: str, path: Path) -> Path:
    """Create the directory ``path`` if needed and check that a file can be written in it, so
    that a long run is refused up front rather than lost at its end; the error names the
    option ``name``."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".refsnn-probe.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise ValueError(f"{name}: expected a directory that can be written, got {path} "
                         f"({error.strerror or error})") from None
    return path


def overwritable(paths: list[Path], *, force: bool) -> None:
    """Check, before any work, that every output file may be written: one that exists needs
    ``force`` and must be a regular file."""
    for path in paths:
        if path.exists() and not force:
            raise FileExistsError(f"{path}: exists; pass --force to overwrite it")
        if path.exists() and not path.is_file():
            raise ValueError(f"out: expected {path} to be a file that can be overwritten, got "
                             f"{'a directory' if path.is_dir() else 'something else'}")


def save_state(path: Path, file_format: str, meta: dict, state: dict[str, np.ndarray], *,
               force: bool = False) -> Path:
    """An ``.npz`` (no pickles) of ``state`` (``Sequential.state()``) under ``state/<name>``
    and the JSON ``meta`` with ``"format": file_format`` under ``meta``, written atomically."""
    text = json.dumps({"format": file_format} | meta)
    arrays = {f"state/{name}": value for name, value in state.items()}
    atomic_write(Path(path), lambda f: np.savez(f, meta=np.array(text), **arrays), force=force)
    return Path(path)


def load_state(path: Path, file_format: str, keys: tuple[str, ...] = ()
               ) -> tuple[dict, dict[str, np.ndarray]]:
    """The ``meta`` (without its format) and the state that :func:`save_state` wrote; the
    meta must hold ``keys``. Anything wrong (not a zip, damaged, truncated, no or bad meta,
    another format, a pickle, non-finite values) is a ValueError naming ``path``."""
    path = Path(path)
    try:
        return _read_state(path, file_format, keys)
    except (OSError, EOFError, zipfile.BadZipFile, ValueError) as error:
        raise ValueError(f"path: {path} is not a readable {file_format} file: {error}") from None


def _read_state(path: Path, file_format: str, keys: tuple[str, ...]) -> tuple[dict, dict]:
    if not path.is_file():
        raise ValueError("it is a directory" if path.is_dir() else "it does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError("not an .npz (zip) archive: damaged, truncated or another kind of file")
    with np.load(path, allow_pickle=False) as f:
        if "meta" not in f.files:
            raise ValueError("no 'meta' entry: not a refsnn state file")
        meta = json.loads(str(f["meta"]))
        if not isinstance(meta, dict):
            raise ValueError(f"its meta is a JSON {type(meta).__name__}, not an object")
        found = meta.pop("format", None)
        if found != file_format:
            raise ValueError(f"its format is {found!r}")
        missing = [key for key in keys if key not in meta]
        if missing:
            raise ValueError(f"its meta lacks {missing}")
        state = {name.removeprefix("state/"): native_order(f[name]) for name in f.files
                 if name.startswith("state/")}
    for name, value in state.items():
        if value.dtype.kind == "f" and not all_finite(value):
            raise ValueError(f"its weights state[{name!r}] hold NaN or inf")
    return meta, state


@contextlib.contextmanager
def describing(path: Path, state: dict[str, np.ndarray], sizes: list) -> Iterator[None]:
    """Rebuild a network from a loaded meta: ``sizes`` (widths, channels, classes from the
    meta; a list stands for its items) must not exceed the numbers the file's ``state``
    holds (a damaged meta must not allocate a huge network), and an error while rebuilding
    becomes a ValueError naming ``path``."""
    total = sum(a.size for a in state.values())
    try:
        for size in (n for item in sizes for n in (item if isinstance(item, list) else [item])):
            if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= total:
                raise ValueError(f"its meta gives the size {size!r}, expected an integer from "
                                 f"1 to the {total} numbers of its weights")
        yield
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ValueError(f"path: {path}: its meta does not describe the network saved in it "
                         f"({type(error).__name__}: {error})") from None
