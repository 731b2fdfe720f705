"""Input checks that fail early with a message naming the argument.

Every public entry point validates its arguments here, so that bad input never surfaces as a
NumPy broadcasting error from deep inside a loop. Messages follow one template:
``<name>: expected <what>, got <what was received>``.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _fail(name: str, expected: str, got: object) -> None:
    raise ValueError(f"{name}: expected {expected}, got {got}")


def real_scalar(name: str, value: object, *, minimum: float | None = None,
                inclusive: bool = True, allow_inf: bool = False) -> float:
    """Return ``value`` as a Python float after checking it is a real, finite scalar.

    ``minimum`` bounds it from below (``>=`` if ``inclusive`` else ``>``); ``allow_inf``
    admits ``+inf`` (used for an infinite time constant).
    """
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        _fail(name, "a real number", f"{type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not (allow_inf and value > 0)):
        _fail(name, "a finite number" + (" or +inf" if allow_inf else ""), value)
    if minimum is not None and (value < minimum or (value == minimum and not inclusive)):
        _fail(name, f"a value {'>=' if inclusive else '>'} {minimum}", value)
    return value


def integer(name: str, value: object, *, minimum: int) -> int:
    """Return ``value`` as a Python int after checking it is an integer (not a bool, not a
    float such as 2.0) ``>= minimum``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Integral):
        _fail(name, f"an integer >= {minimum}", f"{type(value).__name__} {value!r}")
    if value < minimum:
        _fail(name, f"an integer >= {minimum}", value)
    return int(value)


def choice(name: str, value: object, options: tuple) -> object:
    """Check that ``value`` is one of ``options``."""
    if value not in options:
        _fail(name, f"one of {options}", repr(value))
    return value


def flag(name: str, value: object) -> bool:
    """Check that ``value`` is a bool (not a truthy number or string)."""
    if not isinstance(value, bool | np.bool_):
        _fail(name, "True or False", repr(value))
    return bool(value)


def time_series(name: str, x: object) -> np.ndarray:
    """Check a multi-step input ``x[T, ...]``: a float32/float64 ndarray with T >= 1.

    Finiteness is checked by the backends, fused into their first pass over the data (see
    :func:`all_finite` and :func:`finite`).
    """
    if not isinstance(x, np.ndarray):
        _fail(name, "a numpy.ndarray of shape [T, ...]", type(x).__name__)
    x = native(name, x)
    if x.dtype not in FLOAT_DTYPES:
        _fail(name, "dtype float32 or float64", x.dtype)
    if x.ndim < 1:
        _fail(name, "rank >= 1 (time on axis 0, shape [T, ...])", f"rank 0, shape {x.shape}")
    if x.shape[0] < 1:
        _fail(name, "T = x.shape[0] >= 1 time steps", f"shape {x.shape}")
    return x


def native(name: str, a: np.ndarray) -> np.ndarray:
    """Refuse a masked array (its mask would be ignored); return ``a`` in native byte order
    (:func:`native_order`)."""
    unmasked(name, a)
    return native_order(a)


def unmasked(name: str, a: object) -> None:
    """Refuse a masked array: its mask would be ignored."""
    if isinstance(a, np.ma.MaskedArray):
        _fail(name, "a plain numpy.ndarray (a mask would be ignored)", "a numpy.ma.MaskedArray")


def native_order(a: np.ndarray) -> np.ndarray:
    """``a``, or for a non-native byte order (big-endian data) a native copy of the same
    values."""
    return a if a.dtype.isnative else a.astype(a.dtype.newbyteorder("="))


def all_finite(a: np.ndarray) -> bool:
    """Whether a real array has no NaN or infinity (two reductions, no temporary array; one
    element, as an initial state given as a scalar, is checked directly)."""
    if a.size == 1:
        return math.isfinite(a.item())
    return a.size == 0 or bool(np.isfinite(a.max()) and np.isfinite(a.min()))


def finite(name: str, a: np.ndarray, expected: str = "finite values (no NaN or inf)") -> None:
    """Check that an array has no NaN or infinity; the error names the first bad element."""
    if not all_finite(a):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        _fail(name, expected, f"{a[bad]} at index {bad}")


def like(name: str, a: object, reference: np.ndarray) -> np.ndarray:
    """Check an upstream gradient: a float array of ``reference``'s shape (finiteness is left
    to the backend, as for ``time_series``). It is returned in ``reference``'s dtype."""
    if isinstance(a, np.ndarray):
        a = native(name, a)
    if not isinstance(a, np.ndarray) or a.dtype not in FLOAT_DTYPES:
        got = f"dtype {a.dtype}" if isinstance(a, np.ndarray) else type(a).__name__
        _fail(name, "a float32 or float64 numpy.ndarray", got)
    if a.shape != reference.shape:
        _fail(name, f"shape {reference.shape} (the shape of x)", f"shape {a.shape}")
    return a.astype(reference.dtype, copy=False)


def array(name: str, a: object, dtype: np.dtype, shape: tuple) -> np.ndarray:
    """Check that ``a`` is an ndarray of exactly ``dtype`` and ``shape`` (e.g. a hand-built
    ``Trace``'s arrays)."""
    if not isinstance(a, np.ndarray) or a.dtype != dtype or a.shape != shape:
        got = f"{a.dtype} {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
        _fail(name, f"a {dtype} array of shape {shape}", got)
    return a


def overlaps(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays share memory (exactly; a problem too hard to solve counts as yes).
    Disjoint memory bounds, the usual case, are decided first, cheaply."""
    if not np.may_share_memory(a, b):
        return False
    try:
        return bool(np.shares_memory(a, b, max_work=100_000))
    except np.exceptions.TooHardError:
        return True


def output(name: str, a: object, reference: np.ndarray, others: dict[str, np.ndarray]) -> None:
    """Check a caller-provided output buffer: a C-contiguous, writeable array of
    ``reference``'s dtype and shape that shares no memory with any of ``others`` (the inputs
    and the other outputs, by name)."""
    array(name, a, reference.dtype, reference.shape)
    if not (a.flags.c_contiguous and a.flags.writeable):
        _fail(name, "a C-contiguous, writeable array", "a non-contiguous or read-only one")
    others = {other: b for other, b in others.items() if b is not None}
    for other, b in others.items():
        if overlaps(a, b):
            _fail(name, f"an array that does not overlap {', '.join(others)}",
                  f"one that overlaps {other}")


def state(name: str, value: object, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Return an initial state broadcast to the neuron ``shape`` as a fresh array of ``dtype``.

    ``value`` may be a scalar or an array that broadcasts to ``shape`` without changing it.
    """
    unmasked(name, value)
    a = np.asarray(value)
    if a.dtype.kind not in "iuf":
        _fail(name, "a real scalar or array", f"dtype {a.dtype}")
    try:
        out_shape = np.broadcast_shapes(a.shape, shape)
    except ValueError:
        out_shape = None
    if out_shape != shape:
        _fail(name, f"a scalar or an array broadcastable to the neuron shape {shape}",
              f"shape {a.shape}")
    finite(name, a)
    if a.dtype.kind == "f" and a.dtype.itemsize > np.dtype(dtype).itemsize:  # e.g. 1e39 -> f4
        with np.errstate(over="ignore"):
            narrowed = a.astype(dtype)
        representable(name, narrowed, a)
        a = narrowed
    out = np.empty(shape, dtype=dtype)
    out[...] = a
    return out


def representable(name: str, cast: object, value: object) -> None:
    """Check that ``cast``, a finite ``value`` cast to a float dtype, did not overflow it
    (1e39 is finite in float64 but inf in float32)."""
    cast = np.asarray(cast)
    if not all_finite(cast):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(cast))[0])
        got = np.broadcast_to(np.asarray(value), cast.shape)[bad]
        _fail(name, f"values that {cast.dtype} can hold (|value| <= "
              f"{np.finfo(cast.dtype).max:.4g})", f"{got}, which overflows it")
