"""Case specification files: golden vectors for a user's own configuration
(``refsnn golden generate --spec cases.toml``; docs/golden.md, "Your own cases").

A spec file is TOML (``.toml``) or JSON (any other suffix) holding a list ``case`` of tables:

    name         required; letters, digits, ``_ . + -``; the written case is ``<name>_<dtype>``
    description  optional text
    dtype        "float32", "float64" or a list of them: one case per dtype
    model        a model spec (refsnn.golden.spec, as in the manifest: ``class`` and every
                 parameter, no defaults); TOML has no null, so there the string "null" stands
                 for it (a soft reset: ``v_reset = "null"``)
    inputs       how the arrays are made (all optional but ``shape`` when ``x`` is drawn):
        generator    "uniform" (default) or "exact"
        shape        [T, ...] of ``x`` (from the file when ``x`` is a file)
        seed         an integer or string seeding the draw (default: ``name``)
        x, v0        [low, high]: drawn uniform in [low, high) v_th (default [-0.5, 1.5] and
                     [-0.5, 0.9]); a number: that value everywhere; a string: a ``.npy`` file,
                     relative to the spec file
        grad_spikes, grad_v   drawn uniform in [-1, 1) (default), a number, or a ``.npy`` file
        every_threshold  (exact) keep a draw only if a membrane lies on every threshold
        varied       (uniform) keep a draw only if the spikes take two values or more

``uniform`` keeps the first draw (seeded by ``seed`` and the attempt) on which no spike changes
within the membrane tolerance; ``exact`` rounds ``x``, ``v0`` to multiples of v_th/8 and the
upstream gradients to multiples of 1/8, and keeps the first draw with a membrane exactly on a
threshold (it needs a model whose steps are then exact: dyadic parameters, leak rate 0 or 1/2,
a piecewise-linear surrogate for exact gradients). A case whose ``x`` is given (a file or a
number) has no retry: refsnn.golden.expected. Given arrays are converted to the case's dtype
(rounded to nearest).

Every problem is one line naming the file, the case and the key; :class:`SpecError` carries
them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from refsnn.cases import Case
from refsnn.cases.inputs import Draw
from refsnn.golden.manifest import SAFE_NAME
from refsnn.golden.spec import from_spec

CASE_KEYS = {"name", "description", "dtype", "model", "inputs"}
INPUT_KEYS = {"generator", "shape", "seed", "x", "v0", "grad_spikes", "grad_v",
              "every_threshold", "varied"}
GENERATORS = ("uniform", "exact")
ARRAYS = ("x", "v0", "grad_spikes", "grad_v")


class SpecError(ValueError):
    """A spec file that cannot be used; ``lines``: one line per problem."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


class _Bad(ValueError):
    """One problem of one case (the key and what was expected)."""


@dataclass(frozen=True)
class Spec:
    """A loaded spec file: its ``path`` and the ``cases`` it describes."""

    path: Path
    cases: list[Case]


def load(path: Path) -> Spec:
    """The cases of the spec file ``path`` (SpecError listing every problem)."""
    path = Path(path)
    document = _read(path)
    listed = document.get("case") if isinstance(document, dict) else None
    if not isinstance(listed, list) or not listed:
        raise SpecError([f"{path}: case: expected a non-empty list of case tables ([[case]] in "
                         f"TOML, \"case\": [...] in JSON), got {type(listed).__name__}"])
    unknown = sorted(set(document) - {"case"})
    problems = [f"{path}: {unknown[0]}: expected only the key 'case' at the top level, got "
                f"{unknown}"] if unknown else []
    found = []
    for i, table in enumerate(listed):
        name = table.get("name") if isinstance(table, dict) else None
        try:
            found += cases_of(table, path.parent)
        except _Bad as error:
            problems.append(f"{path}: case[{i}] ({name!r}): {error}")
    names = [case.name for case in found]
    problems += [f"{path}: name: expected unique case names, got {n!r} twice"
                 for n in sorted({n for n in names if names.count(n) > 1})]
    if problems:
        raise SpecError(problems)
    return Spec(path, found)


def _read(path: Path) -> object:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SpecError([f"spec: expected a readable TOML or JSON file, got {path} "
                         f"({error.strerror})"]) from None
    try:
        if path.suffix == ".toml":
            return _toml().loads(data.decode("utf-8"))
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:  # TOMLDecodeError, JSONDecodeError
        raise SpecError([f"{path}: not valid {'TOML' if path.suffix == '.toml' else 'JSON'} "
                         f"({error})"]) from None


def _toml():
    """The TOML reader: tomllib (Python 3.11+) or tomli."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise SpecError(["spec: expected a JSON spec on Python 3.10 without tomli (pip "
                             "install tomli), got a TOML file"]) from None
    return tomllib


def cases_of(table: object, base: Path) -> list[Case]:
    """The cases (one per dtype) of one spec table; file paths are relative to ``base``."""
    if not isinstance(table, dict):
        raise _Bad(f"expected a table of {sorted(CASE_KEYS)}, got {type(table).__name__}")
    _only("", table, CASE_KEYS, required=("name", "dtype", "model"))
    name = table["name"]
    if not (isinstance(name, str) and SAFE_NAME.fullmatch(name)):
        raise _Bad(f"name: expected letters, digits, '_', '.', '+', '-', got {name!r}")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise _Bad(f"description: expected a string, got {description!r}")
    dtypes = [table["dtype"]] if isinstance(table["dtype"], str) else table["dtype"]
    if not (isinstance(dtypes, list) and dtypes
            and all(d in ("float32", "float64") for d in dtypes)):
        raise _Bad(f"dtype: expected 'float32', 'float64' or a list of them, got "
                   f"{table['dtype']!r}")
    try:
        neuron = from_spec(_nulls(table["model"]))
    except ValueError as error:
        raise _Bad(str(error)) from None
    inputs = table.get("inputs", {})
    if not isinstance(inputs, dict):
        raise _Bad(f"inputs: expected a table, got {type(inputs).__name__}")
    _only("inputs.", inputs, INPUT_KEYS)
    return [_case(name, description, neuron, dtype, inputs, base) for dtype in dtypes]


def _case(name: str, description: str, neuron, dtype: str, inputs: dict, base: Path) -> Case:
    generator = inputs.get("generator", "uniform")
    if generator not in GENERATORS:
        raise _Bad(f"inputs.generator: expected one of {list(GENERATORS)}, got {generator!r}")
    given = {key: _given(key, inputs[key], base, dtype) for key in ARRAYS
             if key in inputs and not (key in ("x", "v0") and _is_range(inputs[key]))}
    shape = _shape(inputs, given)
    given = {key: _fit(key, value, shape) for key, value in given.items()}
    ranges = {key: _range(key, inputs[key]) for key in ("x", "v0")
              if key in inputs and _is_range(inputs[key])}
    draw = Draw(*ranges.get("x", (-0.5, 1.5)), *ranges.get("v0", (-0.5, 0.9)),
                dyadic=generator == "exact", dyadic_grads=generator == "exact")
    flags = {key: _flag(key, inputs.get(key, False)) for key in ("every_threshold", "varied")}
    if generator == "exact" and "x" in given:
        raise _Bad("inputs.x: expected a range for the 'exact' generator (it draws x), got a "
                   "given array")
    seed = inputs.get("seed", name)
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise _Bad(f"inputs.seed: expected an integer or a string, got {seed!r}")
    return Case(f"{name}_{dtype}", description, neuron, dtype, shape, draw,
                exact=generator == "exact", varied=flags["varied"],
                every_threshold=flags["every_threshold"], seed=str(seed), given=given)


def _only(prefix: str, table: dict, allowed: set, required: tuple = ()) -> None:
    missing = [key for key in required if key not in table]
    unknown = sorted(set(table) - allowed)
    if missing or unknown:
        key = prefix + (missing or unknown)[0]
        raise _Bad(f"{key}: expected the keys {sorted(allowed)} (required: {list(required)}), "
                   f"got {'missing ' + str(missing) if missing else 'unknown ' + str(unknown)}")


def _nulls(value: object) -> object:
    """A model spec with TOML's stand-in "null" replaced by None."""
    if value == "null":
        return None
    if isinstance(value, dict):
        return {key: _nulls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulls(item) for item in value]
    return value


def _is_range(value: object) -> bool:
    return isinstance(value, list)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range(key: str, value: list) -> tuple[float, float]:
    if not (len(value) == 2 and all(_number(v) for v in value) and value[0] < value[1]):
        raise _Bad(f"inputs.{key}: expected [low, high] with low < high (units of v_th), got "
                   f"{value!r}")
    return float(value[0]), float(value[1])


def _given(key: str, value: object, base: Path, dtype: str) -> np.ndarray:
    """A given array: a number (broadcast later) or a ``.npy`` file."""
    if _number(value):
        return np.asarray(value, dtype=dtype)
    if key in ("grad_spikes", "grad_v") and _is_range(value):
        raise _Bad(f"inputs.{key}: expected a number or a .npy file, got a range")
    if not isinstance(value, str):
        raise _Bad(f"inputs.{key}: expected [low, high], a number or a .npy file, got "
                   f"{value!r}")
    path = base / value
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise _Bad(f"inputs.{key}: expected a readable .npy file, got {path} ({error})") from None
    if array.dtype.kind not in "fiu" or not np.isfinite(array).all():
        raise _Bad(f"inputs.{key}: expected finite real numbers in {path}, got dtype "
                   f"{array.dtype}{'' if array.dtype.kind not in 'fiu' else ' with NaN or inf'}")
    return array.astype(dtype)


def _shape(inputs: dict, given: dict) -> tuple[int, ...]:
    """``x``'s shape: from a given x file, else ``shape`` (checked against each other)."""
    shape = inputs.get("shape")
    file_shape = given["x"].shape if "x" in given and given["x"].ndim else None
    if shape is None and file_shape is None:
        raise _Bad("inputs.shape: expected [T, ...] (x is drawn or a number), got none")
    if shape is not None and not (isinstance(shape, list) and shape and all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape)):
        raise _Bad(f"inputs.shape: expected a list of integers > 0, [T, ...], got {shape!r}")
    if shape is not None and file_shape is not None and tuple(shape) != file_shape:
        raise _Bad(f"inputs.shape: expected the shape of the x file {list(file_shape)}, got "
                   f"{shape}")
    return tuple(shape) if shape is not None else file_shape


def _fit(key: str, array: np.ndarray, shape: tuple) -> np.ndarray:
    """A given array at its shape (x's for x and the upstream gradients, x's without axis 0
    for v0); a number is broadcast to it."""
    want = shape[1:] if key == "v0" else shape
    if array.ndim == 0:
        return np.full(want, array, dtype=array.dtype)
    if array.shape != want:
        raise _Bad(f"inputs.{key}: expected shape {list(want)}"
                   f"{' (x without axis 0)' if key == 'v0' else ''}, got {list(array.shape)}")
    return np.ascontiguousarray(array)


def _flag(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"inputs.{key}: expected true or false, got {value!r}")
    return value
