"""Float constants that take the dtype of the value beside them, in NumPy and in Numba alike.

NumPy 2 treats a Python float as *weak* (NEP 50): in ``1.0 - o`` with a float32 ``o`` the
constant is converted to float32 and the result is float32. Numba types the same literal as
float64 and computes ``1.0 - o`` in float64. The kinds' and surrogates' element-wise functions
run in both (the NumPy reference on arrays, the Numba kernels on scalars), so there a literal
would make the kernels round differently from the reference, and run their float32 loops on
half the vector lanes. :func:`weak` gives NumPy's rule to both:

    weak(c, like)   in Python: ``c`` itself (NumPy applies the rule);
                    inside Numba: ``c`` converted to ``like``'s float type (float32 or float64;
                    ``c`` unchanged beside anything else).

Write ``weak(1.0, o) - o`` where ``1.0 - o`` is meant. A constant that is itself computed
(``0.5 * np.pi``) is rounded once to the dtype, as NumPy does with the Python float.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload


def weak(c, like):
    """The Python float ``c`` as NumPy treats it beside ``like``; inside Numba, converted to
    ``like``'s float type (see the module docstring)."""
    return c


@overload(weak)
def _weak_overload(c, like):
    if like == types.float32:
        return lambda c, like: np.float32(c)
    if like == types.float64:
        return lambda c, like: np.float64(c)
    return lambda c, like: c
