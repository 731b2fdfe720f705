"""Reading a NIR node's parameters: each one checked, with an error naming the node."""

from __future__ import annotations

import numpy as np


def fail(node: str, what: str, expected: str, got: object) -> None:
    """Raise the one-line error ``<node>.<what>: expected ..., got ...``."""
    where = f"{node}.{what}" if what else node
    raise ValueError(f"{where}: expected {expected}, got {got}")


def parameter(node: str, obj: object, field: str, *, shape: tuple | None = None,
              positive: bool = False) -> np.ndarray:
    """``obj.field`` as a float64 array: present, real, finite, of ``shape`` (if given) and
    ``> 0`` if ``positive``; else an error naming ``node`` and ``field``."""
    value = getattr(obj, field, None)
    if value is None:
        fail(node, field, "an array of numbers", "none (the parameter is missing)")
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(node, field, "an array of real numbers", type(value).__name__)
    if not np.all(np.isfinite(a)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0]) if a.ndim else ()
        fail(node, field, "finite values (no NaN or inf)", f"{a[bad]} at index {bad}")
    if shape is not None and a.shape != tuple(shape):
        if a.size == 1:  # a scalar parameter stands for every neuron
            return np.full(shape, a.item())
        fail(node, field, f"shape {tuple(shape)} (the node's neuron shape)", a.shape)
    if positive and not np.all(a > 0):
        fail(node, field, "values > 0", f"{a.min()}")
    return a


def integers(node: str, obj: object, field: str, count: int, *, minimum: int) -> tuple:
    """``obj.field`` as ``count`` integers ``>= minimum`` (an integer stands for all)."""
    value = getattr(obj, field, None)
    a = np.atleast_1d(np.asarray(value))
    if value is None or a.dtype.kind not in "iuf" or a.ndim != 1 or \
            np.any(a != np.round(a)) or a.size not in (1, count):
        fail(node, field, f"an integer or {count} integers", repr(value))
    a = np.broadcast_to(a.astype(np.int64), (count,))
    if np.any(a < minimum):
        fail(node, field, f"integers >= {minimum}", tuple(int(v) for v in a))
    return tuple(int(v) for v in a)
