"""A network's state on disk: the ``.npz`` format with a JSON header (refsnn train's
checkpoints, refsnn convert's ANNs), checkpoints and metrics.json."""

from __future__ import annotations

import contextlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from refsnn.io import atomic_write
from refsnn.nn import Sequential
from refsnn.training.config import Config, build
from refsnn.validation import all_finite, native_order

if TYPE_CHECKING:
    from refsnn.training.loop import Run


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


CHECKPOINT_FORMAT = "refsnn-checkpoint-1"


def save_checkpoint(path: str | Path, run: Run, *, force: bool = False) -> Path:
    """Save the network's parameters and buffers, the config, the input shape and the number
    of classes to an ``.npz`` (no pickles), atomically; an existing file is an error unless
    ``force``."""
    meta = {"config": run.config.to_json(), "input_shape": list(run.dataset.shape),
            "classes": run.dataset.classes}
    return save_state(Path(path), CHECKPOINT_FORMAT, meta, run.net.state(), force=force)


def load_checkpoint(path: str | Path) -> tuple[Sequential, Config]:
    """The network (rebuilt from the config, then its saved state loaded) and the config."""
    meta, state = load_state(Path(path), CHECKPOINT_FORMAT, ("config", "input_shape", "classes"))
    config = meta["config"] if isinstance(meta["config"], dict) else {}
    with describing(Path(path), state, [config.get("hidden", []), config.get("channels", []),
                                        meta["classes"]]):
        config = Config.from_json(meta["config"])
        net = build(config, tuple(meta["input_shape"]), meta["classes"])
        net.load_state(state)
    return net, config


def save_metrics(path: str | Path, run: Run, *, force: bool = False) -> Path:
    """Write :meth:`Run.metrics` as JSON, atomically (same overwrite rule as checkpoints)."""
    text = json.dumps(run.metrics(), indent=2) + "\n"
    atomic_write(Path(path), lambda f: f.write(text.encode()), force=force)
    return Path(path)
