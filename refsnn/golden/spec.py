"""Model specs: a neuron as plain JSON data, and back, with every parameter explicit.

A spec names the model as registered in ``refsnn.neurons.NEURONS`` and gives every field of its
dataclass, so that another implementation can rebuild it without knowing refsnn's defaults:

    {"class": "Ternary",
     "params": {"amplitude": 0.75, "surrogate_centre": "thresholds",
                "neuron": {"class": "LIF", "params": {"tau": 3.0, "decay_input": true, ...,
                           "surrogate": {"surrogate": "sigmoid", "alpha": 4.0, "scale": 1.0}}}}}

Values: JSON numbers (finite; an integer field stays an integer), booleans, strings, ``null``,
lists (for tuple fields), a nested model (``{"class", "params"}``) or a surrogate under its
canonical name (``{"surrogate", "alpha", "scale"}``). ``from_spec(to_spec(n)) == n`` and
``to_spec(from_spec(s)) == s`` for every spec of a registered model.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NoReturn

import numpy as np

from refsnn.neurons import NEURONS, Neuron
from refsnn.surrogates import SURROGATES, Surrogate

_SURROGATES = {cls.name: cls for cls in SURROGATES}
_MODEL_KEYS = {"class", "params"}
_SURROGATE_KEYS = {"surrogate", "alpha", "scale"}


def fields(model: type) -> tuple[str, ...]:
    """The names of a model's constructor fields (its parameters), in declaration order."""
    return tuple(f.name for f in dataclasses.fields(model) if f.init)


def to_spec(neuron: Neuron) -> dict:
    """The JSON-able spec of a registered neuron: its class name and every parameter."""
    return _encode("model", neuron)


def from_spec(spec: object, name: str = "model") -> Neuron:
    """Rebuild the neuron a spec describes; every parameter must be given (no defaults)."""
    if not (isinstance(spec, dict) and spec.keys() == _MODEL_KEYS):
        _fail(name, 'a model spec {"class": ..., "params": {...}}', spec)
    return _decode(name, spec)


def _encode(name: str, value: object) -> object:
    """One parameter value as JSON data; ``name`` is its path, for the error message."""
    if isinstance(value, Neuron):
        registered = [key for key, cls in NEURONS.items() if cls is type(value)]
        if not registered:
            _fail(name, "a neuron model registered in refsnn.neurons.NEURONS",
                  type(value).__name__)
        params = {f: _encode(f"{name}.params.{f}", getattr(value, f)) for f in fields(type(value))}
        return {"class": registered[0], "params": params}
    if isinstance(value, Surrogate):
        return {"surrogate": value.name, "alpha": value.alpha, "scale": value.scale}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            _fail(name, "a finite number (JSON has no infinity or NaN)", value)
        return float(value)
    if isinstance(value, tuple | list | np.ndarray):
        return [_encode(f"{name}[{i}]", v) for i, v in enumerate(list(value))]
    _fail(name, "a neuron, surrogate, number, bool, string, None or sequence",
          type(value).__name__)


def _decode(name: str, value: object) -> object:
    """The parameter value a piece of spec data stands for (the inverse of ``_encode``)."""
    if isinstance(value, dict) and value.keys() == _MODEL_KEYS:
        return _decode_model(name, value)
    if isinstance(value, dict) and value.keys() == _SURROGATE_KEYS:
        return _decode_surrogate(name, value)
    if isinstance(value, list):
        return tuple(_decode(f"{name}[{i}]", v) for i, v in enumerate(value))
    if value is None or isinstance(value, bool | int | float | str):
        return value
    _fail(name, 'a model {"class", "params"}, a surrogate {"surrogate", "alpha", "scale"}, '
          "a number, bool, string, null or list", value)


def _decode_model(name: str, spec: dict) -> Neuron:
    model = spec["class"]
    if model not in NEURONS:
        _fail(f"{name}.class", f"one of {sorted(NEURONS)}", repr(model))
    params = spec["params"]
    if not isinstance(params, dict):
        _fail(f"{name}.params", "an object of parameters", type(params).__name__)
    expected = fields(NEURONS[model])
    missing = [f for f in expected if f not in params]
    unknown = sorted(set(params) - set(expected))
    if missing or unknown:
        _fail(f"{name}.params", f"every parameter of {model} {list(expected)} and no other "
              "(no defaults are assumed)", f"missing {missing}, unknown {unknown}")
    kwargs = {f: _decode(f"{name}.params.{f}", params[f]) for f in expected}
    try:
        return NEURONS[model](**kwargs)
    except ValueError as error:  # the model's own check, e.g. "tau: expected ..."
        raise ValueError(f"{name}.params.{error}") from None


def _decode_surrogate(name: str, spec: dict) -> Surrogate:
    if spec["surrogate"] not in _SURROGATES:
        _fail(f"{name}.surrogate", f"a canonical surrogate name {sorted(_SURROGATES)}",
              repr(spec["surrogate"]))
    for key in ("alpha", "scale"):
        if isinstance(spec[key], bool) or not isinstance(spec[key], int | float):
            _fail(f"{name}.{key}", "a number", repr(spec[key]))
    try:
        return _SURROGATES[spec["surrogate"]](alpha=spec["alpha"], scale=spec["scale"])
    except ValueError as error:  # the surrogate's own check, e.g. "sigmoid.alpha: expected ..."
        raise ValueError(f"{name}: {error}") from None


def _fail(name: str, expected: str, got: object) -> NoReturn:
    raise ValueError(f"{name}: expected {expected}, got {got}")
