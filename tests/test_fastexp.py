"""refsnn.fastexp.exp: ``np.exp`` in Python; inside Numba, an arithmetic exp that vectorises.

Accuracy, in ulps of the result's format (the exact value's binade; below the smallest normal,
the smallest subnormal), measured on this implementation (the same on every platform: the
operations are plain IEEE ones, none fused or reordered):

- float64: max 0.700 ulp for normal results, 0.797 ulp for subnormal ones (the float64 sum is
  rounded a second time there), over 4e8 random x: 1.3e8 each uniform over [-745.2, 709.8],
  [-1, 1] and [-745.2, -708.4] (NumPy's vectorised ``np.exp`` on the same x: 0.718 and 0.506);
- float32: max 0.7667 ulp for normal results, 0.7994 ulp for subnormal ones, over *every*
  float32 in [-104, 89] (2.24e9 values; 99.87% of them correctly rounded), against ``np.exp``
  in float64 (within 2^-29 float32 ulp). NumPy's float32 ``np.exp``: 2.49 ulp on 5e7 random
  x.

The tests below assert bounds a little above these (hypothesis draws its own x) on smaller
samples, and exact results at the edges (overflow, underflow, subnormals, signed zeros,
infinities, NaN).
"""

from __future__ import annotations

import math
import re

import numba as nb
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refsnn import fastexp, surrogates
from refsnn.fastexp import exp
from refsnn.neurons import kernels

MAX_ULP = {np.float64: 0.75, np.float32: 0.77}  # normal results
MAX_ULP_SUBNORMAL = {np.float64: 0.85, np.float32: 0.80}
BITS = {np.float64: 53, np.float32: 24}  # significand bits


@nb.njit(error_model="numpy")
def numba_exp(x, out):
    for i in range(x.size):
        out[i] = exp(x[i])
    return out


def run(x):
    x = np.asarray(x)
    return numba_exp(x, np.empty_like(x))


def ulp_errors(got, exact, dtype):
    """|got - exact| in ulps of ``dtype`` at ``exact`` (an array of higher precision);
    ``subnormal`` marks the exact values below the smallest normal number."""
    exact = np.asarray(exact)
    one = exact.dtype.type(1)
    _, e = np.frexp(exact)
    tiny = np.finfo(dtype).smallest_subnormal
    ulp = np.maximum(np.ldexp(one, e - BITS[dtype]), exact.dtype.type(tiny))
    subnormal = exact < np.finfo(dtype).smallest_normal
    return np.abs(got.astype(exact.dtype) - exact) / ulp, subnormal


def check_max_ulps(x, dtype, exact):
    got = run(x.astype(dtype))
    representable = exact <= np.finfo(dtype).max
    err, subnormal = ulp_errors(got[representable], exact[representable], dtype)
    assert err[~subnormal].max(initial=0) <= MAX_ULP[dtype]
    assert err[subnormal].max(initial=0) <= MAX_ULP_SUBNORMAL[dtype]
    assert np.all(np.isinf(got[~representable]))  # overflow: the exact value is above max


# --- the NumPy side is np.exp, and the surrogates' NumPy results are unchanged -----------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_in_python_it_is_np_exp(dtype):
    x = np.random.default_rng(0).normal(0, 20, 1000).astype(dtype)
    for value in (x, x[3], dtype(-0.0), np.array([np.nan, np.inf, -np.inf], dtype)):
        got, want = exp(value), np.exp(value)
        assert type(got) is type(want) and np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_surrogates_numpy_results_are_the_np_exp_formulas(dtype):
    """The specification is unchanged: with NumPy, each g0 that calls exp gives its formula
    with np.exp and float literals bit for bit, on arrays and on scalars, with alpha in the
    input dtype (as the neurons pass it) or a Python float."""
    x = np.random.default_rng(1).normal(0, 2, 1000).astype(dtype)
    for a in (dtype(2.5), 2.5, dtype(0.3)):
        for u in (x, x[7]):
            e = np.exp(-a * np.abs(u))
            want = {"sigmoid": a * e / ((1.0 + e) * (1.0 + e)),
                    "piecewise_exponential": 0.5 * a * e,
                    "gaussian": a / math.sqrt(math.pi) * np.exp(-(a * u) * (a * u))}
            for name, value in want.items():
                got = getattr(surrogates, f"{name}_g0")(u, a)
                assert np.asarray(got).dtype == dtype, name
                np.testing.assert_array_equal(got, value, err_msg=name)


# --- inside Numba: accuracy over the whole range -----------------------------------------------

def test_float64_accuracy_over_the_range():
    if np.finfo(np.longdouble).nmant < 63:
        pytest.skip("needs an 80-bit long double for the reference")
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.uniform(-745.2, 709.8, 1 << 21), rng.uniform(-1, 1, 1 << 20),
                        rng.uniform(-745.2, -708.3, 1 << 18),  # subnormal results
                        np.ldexp(rng.uniform(-1, 1, 1 << 18), rng.integers(-1074, 10, 1 << 18))])
    check_max_ulps(x, np.float64, np.exp(x.astype(np.longdouble)))


def test_float32_accuracy_over_the_range():
    """Every 397th float32 in [-104, 89] (beyond, the results are 0 and inf): 5.6e6 values."""
    last_negative = np.array(104.0, np.float32).view(np.uint32).item()
    last_positive = np.array(89.0, np.float32).view(np.uint32).item()
    bits = np.concatenate([np.arange(0, last_positive + 1, 397, dtype=np.uint32),
                           np.arange(0, last_negative + 1, 397, dtype=np.uint32) | (1 << 31)])
    x = bits.view(np.float32)
    check_max_ulps(x, np.float32, np.exp(x.astype(np.float64)))  # float64: ~2^-29 float32 ulp


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_results_keep_the_input_dtype(dtype):
    assert run(np.ones(3, dtype)).dtype == dtype


# --- the edges, exactly ------------------------------------------------------------------------

F64 = np.float64
EDGES_64 = [  # x, exp(x) rounded to nearest (mpmath)
    (0.0, 1.0), (-0.0, 1.0), (5e-324, 1.0), (-5e-324, 1.0), (1e-300, 1.0), (-1e-17, 1.0),
    (1.0, 2.718281828459045), (-1.0, 0.36787944117144233),
    (math.log(2) / 2, 1.414213562373095), (-math.log(2) / 2, 0.7071067811865476),
    (709.782712893384, 1.7976931348622732e308),  # the largest x with a finite result
    (np.nextafter(709.782712893384, np.inf), np.inf), (710.0, np.inf), (1e308, np.inf),
    (-708.3964185322641, 2.2250738585072626e-308),  # the smallest normal result
    (-708.4, 2.217119081664265e-308),  # subnormal
    (-745.1332191019411, 5e-324),  # the smallest x with a non-zero result
    (np.nextafter(-745.1332191019411, -np.inf), 0.0), (-746.0, 0.0), (-1e308, 0.0),
    (np.inf, np.inf), (-np.inf, 0.0),
]
EDGES_32 = [
    (0.0, 1.0), (-0.0, 1.0), (1e-45, 1.0), (-1e-45, 1.0),
    (88.7228012084961, 3.4026946730843054e38),  # the largest x with a finite result
    (88.72283935546875, np.inf), (89.0, np.inf), (1e38, np.inf),
    (-87.33654022216797, 1.175499675756452e-38),  # the smallest normal result
    (-87.33660125732422, 1.1754279292750785e-38),  # subnormal
    (-103.97207641601562, 1.401298464324817e-45),  # the smallest x with a non-zero result
    (-103.97208404541016, 0.0), (-104.0, 0.0), (-1e38, 0.0),
    (np.inf, np.inf), (-np.inf, 0.0),
]


@pytest.mark.parametrize(("dtype", "edges"), [(np.float64, EDGES_64), (np.float32, EDGES_32)])
def test_edges_are_exact(dtype, edges):
    x = np.array([e[0] for e in edges], dtype)
    want = np.array([e[1] for e in edges], dtype)
    np.testing.assert_array_equal(run(x), want)
    assert np.isnan(run(np.array([np.nan, -np.nan], dtype))).all()


# --- against mpmath, for any float hypothesis draws ---------------------------------------------

def exact_exp(x: float):
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workprec(200):
        return mpmath.exp(mpmath.mpf(x))


def check_against_mpmath(x: float, dtype):
    got = float(run(np.array([x], dtype))[0])
    if math.isnan(x):
        assert math.isnan(got)
        return
    mpmath = pytest.importorskip("mpmath")
    exact = exact_exp(x)
    info = np.finfo(dtype)
    overflow = mpmath.ldexp(1, int(info.maxexp)) * (1 - mpmath.ldexp(1, -BITS[dtype] - 1))
    if exact >= overflow:  # max + half an ulp: rounds to inf
        assert got == math.inf
        return
    _, e = mpmath.frexp(exact)
    ulp = max(mpmath.ldexp(1, int(e) - BITS[dtype]), mpmath.mpf(float(info.smallest_subnormal)))
    err = float(abs(mpmath.mpf(got) - exact) / ulp)  # inf if got is inf
    normal = exact >= float(info.smallest_normal)
    assert err <= (MAX_ULP if normal else MAX_ULP_SUBNORMAL)[dtype], (x, got, err)


@given(st.floats(width=64) | st.floats(-746, 710))
def test_float64_against_mpmath(x):
    check_against_mpmath(x, np.float64)


@given(st.floats(width=32) | st.floats(-104, 89, width=32))
def test_float32_against_mpmath(x):
    check_against_mpmath(x, np.float32)


# --- the constants and the vectorisation -------------------------------------------------------

def test_cody_waite_constants():
    """n ln2_hi is exact for every n the float64 path uses, and ln2_hi + ln2_lo is ln 2 to
    ~2^-85 (what keeps |n| * the error of the split far below an ulp of r)."""
    from fractions import Fraction
    for n in range(-1100, 1101):
        assert Fraction(n * fastexp.LN2_HI) == n * Fraction(fastexp.LN2_HI)
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workprec(200):
        split_error = mpmath.mpf(fastexp.LN2_HI) + mpmath.mpf(fastexp.LN2_LO) - mpmath.log(2)
        assert abs(split_error) < mpmath.mpf(2) ** -85


def exp_only(x, alpha):
    return exp(x)


def vector_code(function, dtype):
    """The LLVM IR of a loop ``out[i] = function(x[i], alpha)``, compiled as the kernels are."""
    function = kernels.compiled(function)

    @nb.njit(error_model="numpy")
    def loop(x, alpha, out):
        for i in range(x.size):
            out[i] = function(x[i], alpha)

    x = np.ones(16, dtype)
    loop(x, dtype(2.0), np.empty_like(x))
    return loop.inspect_llvm(loop.signatures[0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("function", [exp_only, surrogates.sigmoid_g0,
                                      surrogates.piecewise_exponential_g0,
                                      surrogates.gaussian_g0],
                         ids=["exp", "sigmoid", "piecewise_exponential", "gaussian"])
def test_loops_over_exp_vectorise_and_call_no_libm(function, dtype):
    """What this module is for: a loop calling exp, or a surrogate that does, compiles to vector
    instructions (so do the kernels' loops: refsnn/neurons/kernels.py), with no scalar exp call;
    exp and the sigmoid (the LIF's default surrogate) stay in float32 for float32 inputs."""
    llvm = vector_code(function, dtype)
    assert re.search(r"fmul (\w+ )*<\d+ x (float|double)>", llvm)
    assert not re.search(r"call [^\n]*@(llvm\.)?(exp|pow)", llvm)
    if dtype == np.float32 and function in (surrogates.sigmoid_g0, exp_only):
        assert not re.search(r"<\d+ x double>", llvm)
