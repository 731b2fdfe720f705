"""Files that must never be seen half-written or lost: the atomic writer, its leftover cleanup,
and the checks that an output may be written before any work starts."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path


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
