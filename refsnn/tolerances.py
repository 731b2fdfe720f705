"""Every tolerance refsnn compares with, in one table, and the function to look one up.

A comparison is named by what is compared with what (``"kernels_backward"``: the Numba
kernels' gradients against the NumPy reference's); each has a bound per dtype and quantity and
the reason for it. A bound is ``|actual - expected| <= atol + rtol |expected|`` element-wise
(:func:`assert_close`), except where ``scaled`` says that ``atol`` is multiplied by a scale the
caller states (the number of steps times the largest gradient, for example), because a
rounding error grows with it. ``eps`` is the machine epsilon of the dtype compared.

This is the model of JAX's ``jax/_src/public_test_util.py`` (``default_tolerance``,
``tolerance()``): defaults by dtype, overridden per comparison, in one module that tests,
tools and documentation read. The golden vectors' per-case bounds are derived from these
rounding constants by the error model of :mod:`refsnn.golden.tolerances`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOATS = (np.float32, np.float64)


@dataclass(frozen=True)
class Tolerance:
    """``|actual - expected| <= atol * scale + rtol * |expected|``; ``scaled`` names the
    scale the caller multiplies ``atol`` by (empty: 1)."""

    rtol: float
    atol: float
    why: str
    scaled: str = ""


def eps(dtype: type | np.dtype) -> float:
    """The machine epsilon of ``dtype`` (2^-23 for float32, 2^-52 for float64)."""
    return float(np.finfo(dtype).eps)


def _per_dtype(make) -> dict:
    return {np.dtype(d): make(eps(d)) for d in FLOATS}


EXACT = "the same IEEE operations in the same order"

STEP_EPS = 4.0
"""One time step's rounding, in ``eps`` times the step's largest operand: its four or so
operations (charge, compare, reset), each correctly rounded. The constant of the
``kernels_backward`` and ``float32_vs_float64`` bounds and of the golden error model
(:data:`GOLDEN`)."""

TABLE: dict[str, dict[np.dtype, Tolerance]] = {
    "kernels_forward": _per_dtype(lambda e: Tolerance(0.0, 0.0, EXACT)),
    "kernels_backward_exact": _per_dtype(lambda e: Tolerance(
        0.0, 0.0, "surrogates without exp, tanh, arctan or erf: the same operations in the "
        "same precision (constants are refsnn.literals.weak, of the input's dtype)")),
    "kernels_backward": _per_dtype(lambda e: Tolerance(
        0.0, STEP_EPS * e, "the reference's np.exp and the kernels' refsnn.fastexp.exp can round "
        "differently (their accuracy: refsnn/fastexp.py); in float32 the MT-SNN kind's dO/dH "
        "is float64 in the kernels (Numba gives its fire_grad one return type for both modes, "
        "float64, as the cascade's residuals are) and float32 in the reference; a carried "
        "gradient accumulates these at most linearly in T",
        scaled="T * max(max |grad|, max |upstream grad|)")),
    "kernels_parameter_gradients": {
        np.dtype(np.float64): Tolerance(1e-12, 1e-12, "float64 accumulators summed per chunk, "
                                        "in another order than the reference's sum",
                                        scaled="T * N * (1 + max |dL/dx|)"),
        np.dtype(np.float32): Tolerance(1e-5, 1e-5, "float64 accumulators summed per chunk; "
                                        "each term rounded to float32 once (the rounding "
                                        "allowed on every one of the T * N terms)",
                                        scaled="T * N * (1 + max |dL/dx|)"),
    },
    "mtsnn_one_threshold": _per_dtype(lambda e: Tolerance(
        0.0, 16 * e, "MTNeuron with thresholds = amplitudes = (1,) against its base neuron's "
        "BPTT with dL/dS = V dL/dO: the same terms with V multiplied in at another point, and "
        "the MT-SNN kind's float64 steps in a float32 run; carried linearly in T",
        scaled="T * max(max |grad|, max |upstream grad|)")),
    "finite_differences": {np.dtype(np.float64): Tolerance(
        1e-6, 1e-8, "central differences with step 1e-6 (smooth mode): truncation "
        "O(step^2) plus rounding O(1e-16 / step)")},
    "torch_autograd": {np.dtype(np.float64): Tolerance(
        1e-10, 1e-12, "the same mathematics in another operation order")},
    "float64_reordered": {np.dtype(np.float64): Tolerance(
        1e-13, 1e-13, "the same float64 arithmetic written out again in another order (a "
        "re-derived run, a folded layer's products): a few roundings of O(1) values")},
    "float32_vs_float64": {np.dtype(np.float32): Tolerance(
        0.0, STEP_EPS * eps(np.float32), "float32 rounding of each step's four or so operations, "
        "carried to the next step", scaled="(1 + max |H| + max |x|) * t")},
}
"""Comparison -> dtype -> bound. A comparison that lists one dtype is made in that dtype only."""

CONFORMANCE: dict[str, float] = {"spikes": 0.0, "h": 1e-12, "v": 1e-12, "grad": 1e-9,
                                 "derivative": 1e-9}
"""A target against the reference (float64), per quantity, on the error
``max |target - reference| / max(1, max |reference|)``: spikes exactly; membranes to 1e-12 (a
peer may divide by ``tau`` where refsnn multiplies by ``1/tau``); gradients and surrogate
derivatives to 1e-9, far above the last-bit noise of another operation order and far below any
difference of convention (a float32 step anywhere shows up as 1e-8 to 1e-7)."""


@dataclass(frozen=True)
class Rounding:
    """A golden bound, ``atol = step_eps * eps * scale + shift * S`` (rtol 0): ``scale`` is what
    one step's rounding is relative to, times how it carries over the steps; ``S`` is the
    quantity's measured change when every membrane moves by the membrane tolerance."""

    step_eps: float
    shift: float
    scale: str
    why: str


GOLDEN: dict[str, Rounding] = {
    "membranes": Rounding(STEP_EPS, 0.0, "A M: A = sum_{j<T} (1 - k)^j (T for IF), M = 1 + "
                          "max|x| + max|h|", "a step rounds by at most about STEP_EPS eps M and "
                          "an error is carried to the next step times dH/dV = 1 - k"),
    "gradients": Rounding(STEP_EPS, 2.0, "T G: G the largest upstream or computed gradient",
                          "the kernels_backward bound, plus twice the change a membrane "
                          "within its tolerance causes through the surrogate's slope"),
    "parameter_gradients": Rounding(STEP_EPS, 2.0, "T N G M |dk/dp|: a sum of T N terms of "
                                    "about G M, times the leak rate's chain factor",
                                    "each term rounds like a gradient, plus twice the "
                                    "parameter gradient's own measured change"),
}
"""The golden vectors' per-case bounds by output group, each derived on the case by the error
model of :mod:`refsnn.golden.tolerances` (an exact case's membrane bound is 0, and so is a
gradient that rounds nowhere)."""


def tolerance(comparison: str, dtype: type | np.dtype = np.float64) -> Tolerance:
    """The bound of ``comparison`` (a key of :data:`TABLE`) in ``dtype``."""
    if comparison not in TABLE:
        raise ValueError(f"comparison: expected one of {sorted(TABLE)}, got {comparison!r}")
    bounds = TABLE[comparison]
    dtype = np.dtype(dtype)
    if dtype not in bounds:
        raise ValueError(f"dtype: expected one of {[str(d) for d in bounds]} for "
                         f"{comparison!r}, got {dtype}")
    return bounds[dtype]


def assert_close(actual, expected, comparison: str, *, scale: float = 1.0,
                 err_msg: str = "") -> None:
    """Assert ``actual`` is within :func:`tolerance` of ``expected`` (dtype: ``expected``'s);
    ``scale`` multiplies ``atol`` for a ``scaled`` bound."""
    expected = np.asarray(expected)
    bound = tolerance(comparison, expected.dtype)
    if bound.rtol == 0.0 and bound.atol == 0.0:
        np.testing.assert_array_equal(actual, expected, err_msg=err_msg)
        return
    np.testing.assert_allclose(actual, expected, rtol=bound.rtol, atol=bound.atol * scale,
                               err_msg=err_msg or f"{comparison}: {bound.why}")
