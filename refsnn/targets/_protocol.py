"""The target protocol (refsnn/targets/__init__.py), checked once when a target is loaded.

A target must define every name of ``NAMES``, its functions must be callable, and a first call
of each on the first conformance case it supports must return what the protocol says: float64
NumPy arrays of the input's shape (``h`` and ``grad_v0`` may be None), a mapping of parameter
gradients, a float64 derivative of the grid's shape (or NotImplementedError). Anything else is
a one-line TargetError naming the function, the quantity and what was expected, so that a
broken adapter fails before the suite runs rather than in every case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from refsnn.targets import TargetError, _one_line

NAMES = ("NAME", "VERSION", "supports", "forward", "backward", "surrogate_derivative")
"""What a target defines: two strings, then four functions."""


def check(target: object, spec: str) -> None:
    """TargetError if ``target`` (named ``spec``) lacks a name or a first call goes wrong."""
    missing = [name for name in NAMES if not hasattr(target, name)]
    if missing:
        raise TargetError(f"target: {spec}: missing {', '.join(missing)} (a target defines "
                          f"{', '.join(NAMES)}; see docs/targets.md)")
    for name in NAMES[2:]:
        if not callable(getattr(target, name)):
            raise TargetError(f"target: {spec}: {name}: expected a function, got "
                              f"{type(getattr(target, name)).__name__}")
    _first_case(target, spec)
    _first_surrogate(target, spec)


def _first_case(target: object, spec: str) -> None:
    """``forward`` and ``backward`` on the first case ``supports`` accepts (if any)."""
    from refsnn.conformance.cases import CASES

    case = next((case for case in CASES if _supports(target, spec, case) is None), None)
    if case is None:
        return
    data = case.data()
    where = f"{spec}: forward({case.id})"
    spikes, h, v = _unpack(where, _call(where, target.forward, case.neuron, data.x, data.v0),
                           ("spikes", "h", "v"))
    for name, value in (("spikes", spikes), ("h", h), ("v", v)):
        if value is not None or name != "h":
            _require_array(where, name, value, data.x.shape)
    where = f"{spec}: backward({case.id})"
    result = _call(where, target.backward, case.neuron, data.x, data.v0, data.grad_spikes,
                   data.grad_v)
    grad_x, grad_v0, params = _unpack(where, result, ("grad_x", "grad_v0", "params"))
    _require_array(where, "grad_x", grad_x, data.x.shape)
    if grad_v0 is not None:
        _require_array(where, "grad_v0", grad_v0, data.v0.shape)
    if not isinstance(params, Mapping):
        raise TargetError(f"target: {where}: params: expected a mapping of parameter name to "
                          f"gradient, got {type(params).__name__}")


def _first_surrogate(target: object, spec: str) -> None:
    """``surrogate_derivative`` on the first surrogate case (NotImplementedError is allowed)."""
    from refsnn.conformance.cases import SURROGATE_CASES, SURROGATE_X

    case = SURROGATE_CASES[0]
    where = f"{spec}: surrogate_derivative({case.id})"
    try:
        derivative = target.surrogate_derivative(case.surrogate, SURROGATE_X)
    except NotImplementedError:
        return
    except Exception as error:  # an adapter may fail in any way; report it in one line
        raise TargetError(f"target: {where} raised {_one_line(error)}") from error
    _require_array(where, "derivative", derivative, SURROGATE_X.shape)


def _supports(target: object, spec: str, case: object) -> str | None:
    reason = _call(f"{spec}: supports({case.id})", target.supports, case.neuron)
    if reason is not None and not isinstance(reason, str):
        raise TargetError(f"target: {spec}: supports({case.id}): expected None or a reason "
                          f"(str), got {type(reason).__name__}")
    return reason


def _call(where: str, function: Callable, *args: object) -> object:
    try:
        return function(*args)
    except Exception as error:  # an adapter may fail in any way; report it in one line
        raise TargetError(f"target: {where} raised {_one_line(error)}") from error


def _unpack(where: str, result: object, names: tuple[str, ...]) -> tuple:
    if not isinstance(result, tuple | list) or len(result) != len(names):
        raise TargetError(f"target: {where}: expected a tuple ({', '.join(names)}), got "
                          f"{_describe(result)}")
    return tuple(result)


def _require_array(where: str, name: str, value: object, shape: tuple[int, ...]) -> None:
    if not (isinstance(value, np.ndarray) and value.dtype == np.float64
            and value.shape == shape):
        raise TargetError(f"target: {where}: {name}: expected a float64 NumPy array "
                          f"{list(shape)}, got {_describe(value)}")


def _describe(value: object) -> str:
    """``float32 [16, 3, 4]`` for an array, ``a tuple of 2`` for a tuple, else the type."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} {list(value.shape)}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)}"
    return type(value).__name__

