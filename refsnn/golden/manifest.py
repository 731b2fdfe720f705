"""The manifest (golden/manifest.json): what every golden file holds, and how to trust it.

Schema version 1, top level:

    schema_version    1; a reader refuses any other
    refsnn_version    the refsnn that wrote the files
    generator         the command that regenerates them
    loss              the loss whose gradients the files hold
    comparison        how a result is compared with an expected array
    arrays            the role of every array key
    tolerance_groups  which arrays each tolerance group covers, and the rule behind its numbers
    cases             one entry per case, sorted by name:
        name, file (``<name>.npz``), sha256 (of the file), description,
        model (refsnn.golden.spec: class name and every parameter), dtype (of every array
        but the float64 ``grad_param_<name>``), shapes ({key: shape} of every array in the file),
        tolerances ({group: {"atol", "rtol"}}, parameter_gradients: {name: {"atol", "rtol"}})

A golden file is read only after its SHA-256 matched the manifest's; anything missing, damaged,
truncated, stale or of another schema raises :class:`GoldenError` naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import refsnn
from refsnn.golden import io

INPUTS = ("x", "v0", "grad_spikes", "grad_v")
OUTPUTS = ("spikes", "h", "v", "grad_x", "grad_v0")  # and grad_param_<name> per parameter
SCHEMA_VERSION = 1
NAME = "manifest.json"
GENERATOR = "refsnn golden generate --out golden  (or: python tools/golden.py generate)"
LOSS = "L = sum(grad_spikes * spikes) + sum(grad_v * v)"
COMPARISON = ("elementwise |result - expected| <= atol + rtol * |expected|, after the shape and "
              "dtype match; spikes exactly equal")
GROUPS = {"spikes": ("spikes",), "membranes": ("h", "v"), "gradients": ("grad_x", "grad_v0")}
"""Tolerance group -> its arrays; ``grad_param_<name>`` has ``parameter_gradients[name]``."""

ARRAYS = {
    "x": "input: x[T, ...], time on axis 0",
    "v0": "input: the initial membrane, one per neuron (shape x.shape[1:])",
    "grad_spikes": "input: dL/dspikes, shape of x",
    "grad_v": "input: dL/dv, shape of x",
    "spikes": "output: the emitted spike values O[t]",
    "h": "output: the membrane after charge, before reset",
    "v": "output: the membrane after reset",
    "grad_x": "output: dL/dx",
    "grad_v0": "output: dL/dv0",
    "grad_param_<name>": "output: dL/d<name> for every learnable scalar of the model, a float64 "
                         "scalar (shape [])",
}
RULES = {
    "spikes": "exact (atol 0): random cases are drawn so that no spike changes within the "
              "membrane tolerance; exact cases are exact arithmetic",
    "membranes": "4 eps A (1 + max|x| + max|h|), A = sum_{j<T} (1 - k)^j: a few roundings per "
                 "step, carried on with the leak; 0 in exact and rounding cases",
    "gradients": "4 eps T G + 2 S: docs/semantics.md's backend bound plus the gradients' "
                 "measured change under a membrane error of the membrane tolerance (S = 0 in "
                 "exact cases; 0 where their float32 and float64 runs agree bit for bit)",
    "parameter_gradients": "4 eps T N G (1 + max|x| + max|h|) |dk/dp| + 2 S_p: a sum of T N "
                           "terms, plus its measured change (as gradients in exact cases)",
}


class GoldenError(Exception):
    """A golden file or the manifest is missing, damaged, truncated, stale or of an unknown
    schema; the message names the file."""


def document(entries: list[dict]) -> dict:
    """The manifest holding ``entries`` (sorted by name)."""
    return {"schema_version": SCHEMA_VERSION, "refsnn_version": refsnn.__version__,
            "generator": GENERATOR, "loss": LOSS, "comparison": COMPARISON, "arrays": ARRAYS,
            "tolerance_groups": {group: {"arrays": list(GROUPS.get(group, ["grad_param_<name>"])),
                                         "rule": rule} for group, rule in RULES.items()},
            "cases": sorted(entries, key=lambda entry: entry["name"])}


def shapes(arrays: dict[str, np.ndarray]) -> dict[str, list[int]]:
    """``{key: shape}`` of a case's arrays."""
    return {key: list(a.shape) for key, a in arrays.items()}


def dtype(entry: dict, key: str) -> str:
    """The dtype of a case's array ``key``: the case's, or float64 for a parameter gradient."""
    return "float64" if key.startswith("grad_param_") else entry["dtype"]


def tolerance(entry: dict, key: str) -> dict:
    """The ``{"atol", "rtol"}`` that applies to the output array ``key`` of a case."""
    if key.startswith("grad_param_"):
        return entry["tolerances"]["parameter_gradients"][key.removeprefix("grad_param_")]
    group = next(group for group, keys in GROUPS.items() if key in keys)
    return entry["tolerances"][group]


def output_keys(entry: dict) -> list[str]:
    """The output arrays of a case: OUTPUTS, then its parameter gradients."""
    return [*OUTPUTS, *sorted(key for key in entry["shapes"] if key.startswith("grad_param_"))]


def load(directory: Path) -> dict:
    """The manifest of a golden directory, checked for its schema and structure."""
    path = directory / NAME
    try:
        manifest = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise GoldenError(f"{path}: missing (write it with `refsnn golden generate`)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GoldenError(f"{path}: not valid JSON, damaged or truncated ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("schema_version") != SCHEMA_VERSION:
        version = manifest.get("schema_version") if isinstance(manifest, dict) else None
        raise GoldenError(f"{path}: schema_version {version!r} is not {SCHEMA_VERSION}, the "
                          "only one this refsnn reads")
    cases = manifest.get("cases")
    if not isinstance(cases, list) or not all(_well_formed(entry) for entry in cases):
        raise GoldenError(f"{path}: 'cases' is not a list of case entries with "
                          f"{sorted(_ENTRY_KEYS)}")
    return manifest


_ENTRY_KEYS = {"name", "file", "sha256", "description", "model", "dtype", "shapes",
               "tolerances"}


def _well_formed(entry: object) -> bool:
    return (isinstance(entry, dict) and entry.keys() >= _ENTRY_KEYS
            and isinstance(entry["file"], str) and Path(entry["file"]).name == entry["file"]
            and isinstance(entry["shapes"], dict) and isinstance(entry["tolerances"], dict)
            and entry["tolerances"].keys() >= {*GROUPS, "parameter_gradients"})


def load_case(directory: Path, entry: dict) -> dict[str, np.ndarray]:
    """The arrays of one golden file, after checking its SHA-256 against the manifest and
    its arrays against the manifest's shapes and dtypes."""
    path = directory / entry["file"]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GoldenError(f"{path}: missing, but listed in the manifest") from None
    digest = io.sha256(data)
    if digest != entry["sha256"]:
        raise GoldenError(f"{path}: sha256 {digest} does not match the manifest's "
                          f"{entry['sha256']}: the file is damaged, truncated or stale")
    try:
        arrays = io.read_npz(data)
    except Exception as error:  # numpy and zipfile raise many kinds on a damaged archive
        raise GoldenError(f"{path}: not a readable .npz ({error})") from None
    found = {key: [a.dtype.name, list(a.shape)] for key, a in arrays.items()}
    listed = {key: [dtype(entry, key), shape] for key, shape in entry["shapes"].items()}
    if found != listed:
        raise GoldenError(f"{path}: arrays (dtype, shape) {found} do not match the manifest's "
                          f"{listed}")
    return arrays
