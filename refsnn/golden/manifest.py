"""The manifest (golden/manifest.json): what every golden file holds, and how to trust it.

Schema version 1, top level:

    schema_version    1; a reader refuses any other
    refsnn_version    the refsnn that wrote the files
    generator         the command that regenerates them
    loss              the loss whose gradients the files hold
    comparison        how a result is compared with an expected array
    arrays            the role of every array key
    tolerance_groups  which arrays each tolerance group covers, and the rule behind its numbers
    format            absent for ``npz``; ``hdf5`` or ``csv`` (refsnn.golden.formats)
    cases             one entry per case, sorted by name:
        name, file (``<name>.npz``; hdf5: ``cases.h5``, the case's group ``/<name>``; csv: the
        directory ``<name>`` of ``<key>.csv``), sha256 (of the arrays as the canonical
        ``.npz``: the file's own for npz), description,
        model (refsnn.golden.spec: class name and every parameter), dtype (of every array
        but the float64 ``grad_param_<name>``), shapes ({key: shape} of every array in the file),
        tolerances ({group: {"atol", "rtol"}}, parameter_gradients: {name: {"atol", "rtol"}})

A golden file is read only after its SHA-256 matched the manifest's; anything missing, damaged,
truncated, stale or of another schema raises :class:`GoldenError` naming the file.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

import refsnn
from refsnn.golden import formats, io

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


def document(entries: list[dict], fmt: str = "npz", generator: str = GENERATOR) -> dict:
    """The manifest holding ``entries`` (sorted by name) in format ``fmt``, written by the
    command ``generator``."""
    return {"schema_version": SCHEMA_VERSION, "refsnn_version": refsnn.__version__,
            "generator": generator, "loss": LOSS, "comparison": COMPARISON, "arrays": ARRAYS,
            "tolerance_groups": {group: {"arrays": list(GROUPS.get(group, ["grad_param_<name>"])),
                                         "rule": rule} for group, rule in RULES.items()},
            "cases": sorted(entries, key=lambda entry: entry["name"])} | (
                {"format": fmt} if fmt != "npz" else {})


def file_format(document_: dict) -> str:
    """The format of a loaded manifest's files (``npz`` unless it says otherwise)."""
    return document_.get("format", "npz")


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
    """The manifest of a golden directory, validated as a schema before any use.

    This is the one reader of a manifest (``refsnn golden verify``, the tools): a manifest that
    is missing, not JSON, of another schema version or that breaks the schema of this module's
    docstring raises :class:`GoldenError` naming the file and the first problem. The schema:
    every required key; case names and file names of letters, digits, ``_ . + -`` (no path,
    so a case file stays inside the golden directory), unique; a SHA-256 of 64 hex digits;
    dtype float32 or float64; shapes lists of integers >= 0 for every input and output;
    tolerances ``atol`` and ``rtol`` finite and >= 0 for every group and learnable parameter.
    """
    path = Path(directory) / NAME
    manifest = read_json(path)
    if not isinstance(manifest, dict) or manifest.get("schema_version") != SCHEMA_VERSION:
        version = manifest.get("schema_version") if isinstance(manifest, dict) else None
        raise GoldenError(f"{path}: schema_version {version!r} is not {SCHEMA_VERSION}, the "
                          "only one this refsnn reads")
    fmt = manifest.get("format", "npz")
    problem = (f"format: expected one of {list(formats.FORMATS)}, got {fmt!r}"
               if fmt not in formats.FORMATS else _cases_problem(manifest.get("cases"), fmt))
    if problem:
        raise GoldenError(f"{path}: {problem}")
    return manifest


def read_json(path: Path) -> object:
    """A manifest's JSON document; GoldenError naming the file if it is missing, not a
    readable file (e.g. a directory) or not JSON. Every manifest reader starts here."""
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise GoldenError(f"{path}: missing; pass --golden DIR, the golden/ directory of the "
                          "refsnn repository (or a copy of it)") from None
    except OSError as error:
        raise GoldenError(f"{path}: not a readable file ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GoldenError(f"{path}: not valid JSON, damaged or truncated ({error})") from None


_FILE_RULES = {"npz": "'<name>.npz', a file in the golden directory",
               "hdf5": f"{formats.HDF5_FILE!r}, the golden directory's one file (hdf5)",
               "csv": "'<name>', a directory of the golden directory (csv)"}
_ENTRY_KEYS = ("name", "file", "sha256", "description", "model", "dtype", "shapes",
               "tolerances")
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
"""A case name: no path, so a case's file stays inside its golden directory."""
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _cases_problem(cases: object, fmt: str = "npz") -> str:
    """What is wrong with the manifest's ``cases`` (empty if nothing)."""
    if not isinstance(cases, list):
        return f"cases: expected a list of case entries, got {type(cases).__name__}"
    seen = set()
    for i, entry in enumerate(cases):
        problem = _entry_problem(entry, fmt)
        if not problem and entry["name"] in seen:
            problem = "name: expected a name no other case has, got a duplicate"
        if problem:
            name = entry.get("name") if isinstance(entry, dict) else None
            return f"cases[{i}] ({name!r}): {problem}"
        seen.add(entry["name"])
    return ""


def _entry_problem(entry: object, fmt: str) -> str:
    """What is wrong with one case entry (empty if nothing)."""
    if not isinstance(entry, dict):
        return f"expected an object, got {type(entry).__name__}"
    missing = [key for key in _ENTRY_KEYS if key not in entry]
    if missing:
        return f"expected the keys {list(_ENTRY_KEYS)}, missing {missing}"
    name, file = entry["name"], entry["file"]
    checks = [
        ("name", isinstance(name, str) and SAFE_NAME.fullmatch(name),
         "a name of letters, digits, '_', '.', '+', '-'"),
        ("file", file == formats.case_file(fmt, name), _FILE_RULES[fmt]),
        ("sha256", isinstance(entry["sha256"], str) and _SHA256.fullmatch(entry["sha256"]),
         "64 lowercase hex digits"),
        ("description", isinstance(entry["description"], str), "a string"),
        ("model", isinstance(entry["model"], dict), "an object (refsnn.golden.spec)"),
        ("dtype", entry["dtype"] in ("float32", "float64"), "'float32' or 'float64'"),
    ]
    for key, ok, expected in checks:
        if not ok:
            return f"{key}: expected {expected}, got {entry[key]!r}"
    return _shapes_problem(entry["shapes"]) or _tolerances_problem(entry)


def _shapes_problem(shapes: object) -> str:
    if not isinstance(shapes, dict):
        return f"shapes: expected an object, got {type(shapes).__name__}"
    missing = [key for key in (*INPUTS, *OUTPUTS) if key not in shapes]
    if missing:
        return f"shapes: expected every input and output, missing {missing}"
    for key, shape in shapes.items():
        if key not in (*INPUTS, *OUTPUTS) and not _parameter(key):
            return f"shapes: expected the keys of 'arrays', got {key!r}"
        if not (isinstance(shape, list) and all(_count(n) for n in shape)):
            return f"shapes[{key!r}]: expected a list of integers >= 0, got {shape!r}"
    return ""


def _tolerances_problem(entry: dict) -> str:
    tolerances = entry["tolerances"]
    if not isinstance(tolerances, dict) or not isinstance(
            tolerances.get("parameter_gradients"), dict):
        return ("tolerances: expected an object with 'parameter_gradients' and "
                f"{list(GROUPS)}, got {tolerances!r}")
    names = sorted(key.removeprefix("grad_param_") for key in entry["shapes"] if _parameter(key))
    if sorted(tolerances["parameter_gradients"]) != names:
        return (f"tolerances['parameter_gradients']: expected the parameters {names} (those of "
                f"shapes), got {sorted(tolerances['parameter_gradients'])}")
    groups = {f"[{group!r}]": tolerances.get(group) for group in GROUPS} | {
        f"['parameter_gradients'][{name!r}]": tolerances["parameter_gradients"][name]
        for name in names}
    for label, tolerance in groups.items():
        if not (isinstance(tolerance, dict) and all(_tolerance(tolerance.get(bound))
                                                    for bound in ("atol", "rtol"))):
            return (f"tolerances{label}: expected {{'atol', 'rtol'}}, each a finite number "
                    f">= 0, got {tolerance!r}")
    return ""


def _parameter(key: str) -> bool:
    return key.startswith("grad_param_") and key.removeprefix("grad_param_").isidentifier()


def _count(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n >= 0


def _tolerance(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def listed_file(directory: Path, name: str) -> Path:
    """``directory / name``, a file a manifest lists: GoldenError unless it is a regular file
    directly inside ``directory`` (no path may lead a golden file elsewhere)."""
    path = Path(directory) / name
    if not path.exists():
        raise GoldenError(f"{path}: missing, but listed in the manifest")
    if not path.is_file() or path.resolve().parent != Path(directory).resolve():
        raise GoldenError(f"{path}: expected a regular file in the golden directory, got "
                          f"{'a directory' if path.is_dir() else 'something else'}")
    return path


def nbytes(entry: dict, key: str) -> int:
    """The bytes of a case's array ``key``'s data, from the manifest's shape and dtype."""
    return math.prod(entry["shapes"][key]) * np.dtype(dtype(entry, key)).itemsize


def load_case(directory: Path, entry: dict, fmt: str = "npz") -> dict[str, np.ndarray]:
    """The arrays of one golden case (an ``entry`` of :func:`load`) in format ``fmt``, after
    checking that its file is a regular file inside ``directory`` no larger than its arrays
    need, its SHA-256 against the manifest's, and its arrays against the manifest's shapes
    and dtypes (csv and hdf5: each array's header or dataset first, then the hash of the
    arrays read)."""
    if fmt != "npz":
        return _load_other(directory, entry, fmt)
    path = listed_file(directory, entry["file"])
    limit = sum(nbytes(entry, key) + ENTRY_OVERHEAD for key in entry["shapes"])
    if path.stat().st_size > limit:
        raise GoldenError(f"{path}: {path.stat().st_size} bytes, more than the {limit} its "
                          "arrays in the manifest need")
    data = path.read_bytes()
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


ENTRY_OVERHEAD = 1024
"""Bytes an ``.npz`` may hold per array besides its data: the ``.npy`` header (128 bytes as
written here) and the zip's local and central headers (about 100 bytes with the name)."""


def _load_other(directory: Path, entry: dict, fmt: str) -> dict[str, np.ndarray]:
    """A case of an hdf5 or csv golden set: each array checked against the manifest's dtype
    and shape before it is read, then the hash of all of them (formats module docstring)."""
    wanted = {key: (dtype(entry, key), tuple(shape)) for key, shape in entry["shapes"].items()}
    try:
        if fmt == "hdf5":
            path = listed_file(directory, entry["file"])
            arrays = formats.read_hdf5(path, entry, wanted)
        else:
            arrays = {key: read_csv_file(Path(directory) / entry["file"], key, *want)
                      for key, want in wanted.items()}
    except (ValueError, OSError) as error:
        raise GoldenError(f"{Path(directory) / entry['file']}: {error}") from None
    except Exception as error:  # h5py raises many kinds on a damaged file
        raise GoldenError(f"{Path(directory) / entry['file']}: not a readable {fmt} file "
                          f"({error})") from None
    digest = io.sha256(io.npz_bytes(arrays))
    if digest != entry["sha256"]:
        raise GoldenError(f"{Path(directory) / entry['file']}: sha256 of its arrays {digest} "
                          f"does not match the manifest's {entry['sha256']}: damaged or stale")
    return arrays


CSV_BYTES_PER_VALUE = 40
"""The most characters a csv value may take (a float64's shortest decimal has at most 24)."""


def read_csv_file(directory: Path, key: str, dtype_: str, shape: tuple) -> np.ndarray:
    """The array ``<directory>/<key>.csv`` (refsnn.golden.formats), checked to be a regular
    file no larger than ``shape`` needs before it is read (ValueError otherwise)."""
    path = Path(directory) / f"{key}.csv"
    if not path.is_file():
        raise ValueError(f"{key}.csv: missing or not a regular file")
    limit = ENTRY_OVERHEAD + CSV_BYTES_PER_VALUE * max(1, math.prod(shape))
    if path.stat().st_size > limit:
        raise ValueError(f"{key}.csv: {path.stat().st_size} bytes, more than the {limit} its "
                         f"shape {list(shape)} needs")
    return formats.read_csv(path.read_bytes(), key, np.dtype(dtype_), shape)
