"""``exp`` that vectorises inside the Numba kernels; in Python it is ``np.exp``.

The surrogates' ``g0`` call :func:`exp`, so one source serves both sides: on arrays (the NumPy
reference, the specification) it *is* ``np.exp``, bit for bit. Inside Numba code the overload
below is compiled instead. Numba's own ``exp`` calls the scalar libm function, which LLVM
cannot vectorise (this Numba has no SVML); this one is arithmetic, compares and an integer bit
pattern only, so a loop that calls it vectorises.

float64, after Cody & Waite (Software Manual for the Elementary Functions, 1980):

    n = rint(x log2(e)),   hi = x - n ln2_hi (exact),   lo = n ln2_lo,   r = hi - lo
    exp(x) = 2^n exp(r),   |r| <= ln2/2 (plus rounding),
    exp(r) = 1 + hi + (r^2 q(r) - lo),   q(r) = sum_{k=2}^{13} r^(k-2) / k!

``ln2_hi`` has 21 trailing zero bits, so ``n ln2_hi`` and ``x - n ln2_hi`` are exact for every
n used; ``ln2_hi + ln2_lo`` is ln 2 to about 2^-85 (the split of fdlibm's e_exp.c). The Taylor
remainder at |r| = ln2/2 is below 5e-18 (relative), far below the rounding. The rounding of
``1 + hi``, the one large addition, is carried exactly (Fast2Sum, Dekker 1971), so the result
is rounded essentially once; q is evaluated by Horner's scheme (Estrin's, with a shorter
dependency chain, measured 0.05 ulp worse). ``2^n`` is built from its bits,
``(n + 1023) << 52``, as two factors ``2^(n//2) 2^(n - n//2)``: both are normal numbers for
every n used, the first product is exact and the second rounds once, so neither subnormal
results nor ``2^1024`` need a special case. ``x`` is clamped to [-746, 710] first (exp rounds
to 0 below, to inf above), which maps -inf to 0 and inf to inf; NaN is returned as it came.

float32: the same reduction and reconstruction in float32 arithmetic, so that a float32 loop
stays float32 (twice the vector lanes of float64): fdlibm e_expf.c's split ``ln2_hi``
(``n ln2_hi`` exact for |n| <= 150) and ``ln2_lo``, q(r) of degree 5 (k <= 7; remainder about
0.1 ulp), but evaluated by Horner's scheme in r^2 over pairs of coefficients (``_exp32``),
Fast2Sum, ``2^n`` from ``(n + 127) << 23`` in two factors, ``x`` clamped to [-104, 89]. Every
constant is a float32 (and the integers int32): a Python float would make Numba compute in
float64.

Measured accuracy (stated here only; tests/test_fastexp.py asserts the bounds): float64 at
most 0.700 ulp for normal results, 0.797 ulp for subnormal ones (rounded twice: the float64
sum, then to the subnormal's fewer bits); NumPy's vectorised float64 ``np.exp`` here: 0.718 ulp
(0.506 for subnormal results). float32 at most 0.77 ulp (normal results) and 0.80 ulp
(subnormal ones) over every float32 input; NumPy's float32 ``np.exp``: 2.5 ulp.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload, register_jitable

LOG2_E = 1 / math.log(2)  # only chooses n: its rounding does not matter
LN2 = math.log(2)
LN2_HI = float.fromhex("0x1.62e42fee00000p-1")  # fdlibm e_exp.c's ln2HI: 21 trailing zero bits
LN2_LO = float.fromhex("0x1.a39ef35793c76p-33")  # ln 2 - LN2_HI, rounded (fdlibm's ln2LO)
C = tuple(1 / math.factorial(k) for k in range(14))  # Taylor coefficients 1/k!, correctly rounded
X_MIN, X_MAX = -746.0, 710.0  # exp rounds to 0 below, to inf above

# float32, all typed float32/int32 so that Numba keeps the arithmetic in float32
F32 = np.float32
LOG2_E_32 = F32(LOG2_E)
LN2_HI_32 = F32(float.fromhex("0x1.62e4p-1"))  # fdlibm e_expf.c's ln2HI: 9 trailing zero bits
LN2_LO_32 = F32(LN2 - float(LN2_HI_32))  # ln 2 - LN2_HI_32, rounded (fdlibm's ln2LO)
C_32 = tuple(F32(c) for c in C[:8])
X_MIN_32, X_MAX_32 = F32(-104.0), F32(89.0)  # exp rounds to 0 below, to inf above
ONE_32, BIAS_32, SHIFT_32 = np.int32(1), np.int32(127), np.int32(23)


def exp(x):
    """``np.exp(x)``; inside Numba code, the vectorisable ``exp`` of this module's docstring."""
    return np.exp(x)


@intrinsic
def _float64_from_bits(typingctx, bits):
    """The float64 whose IEEE bit pattern is the int64 ``bits`` (a reinterpretation)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def _float32_from_bits(typingctx, bits):
    """The float32 whose IEEE bit pattern is the int32 ``bits`` (a reinterpretation)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())
    return types.float32(types.int32), codegen


@register_jitable
def _pow2(n):
    """2^n for an int64 n in [-1022, 1023]."""
    return _float64_from_bits((n + 1023) << 52)


@register_jitable
def _pow2_32(n):
    """2^n, in float32, for an int32 n in [-126, 127]."""
    return _float32_from_bits((n + BIAS_32) << SHIFT_32)


@register_jitable
def _clamp(x, lo, hi):
    c = x if x > lo else lo  # NaN becomes lo: the callers return NaN themselves
    return c if c < hi else hi


@register_jitable
def _exp64(x):
    """exp of a float64 (the module docstring's float64 method)."""
    c = _clamp(x, X_MIN, X_MAX)
    n = np.rint(c * LOG2_E)
    hi = c - n * LN2_HI
    lo = n * LN2_LO
    r = hi - lo
    q = C[13]
    for k in range(12, 1, -1):  # unrolled and folded to constants by LLVM: C is a global tuple
        q = q * r + C[k]
    s = 1.0 + hi
    e = (1.0 - s) + hi  # 1 + hi = s + e exactly (Fast2Sum: |hi| <= 1)
    p = s + (e + (r * r * q - lo))
    m = np.int64(n)
    half = m >> 1
    y = (p * _pow2(half)) * _pow2(m - half)
    return y if x == x else x


@register_jitable
def _exp32(x):
    """exp of a float32, in float32 (the module docstring's float32 method)."""
    c = _clamp(x, X_MIN_32, X_MAX_32)
    n = np.rint(c * LOG2_E_32)
    hi = c - n * LN2_HI_32
    lo = n * LN2_LO_32
    r = hi - lo
    r2 = r * r
    # Horner's scheme in r^2 over pairs of coefficients: a shorter dependency chain than Horner
    # in r, and as accurate here
    q = (C_32[2] + C_32[3] * r) + r2 * ((C_32[4] + C_32[5] * r) + r2 * (C_32[6] + C_32[7] * r))
    s = C_32[0] + hi
    e = (C_32[0] - s) + hi  # Fast2Sum, as above
    p = s + (e + (r2 * q - lo))
    m = np.int32(n)
    half = m >> ONE_32
    y = (p * _pow2_32(half)) * _pow2_32(m - half)
    return y if x == x else x


@overload(exp)
def _exp_overload(x):
    if x == types.float32:
        return lambda x: _exp32(x)
    if x == types.float64 or isinstance(x, types.Integer):  # as np.exp: integers give float64
        return lambda x: _exp64(np.float64(x))
    return None
