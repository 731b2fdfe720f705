"""Surrogate derivatives of the Heaviside spike function, under one canonical name each.

A spiking neuron fires ``S = Heaviside(x)`` with ``x = H - v_threshold``. The step has no useful
derivative, so backpropagation replaces ``dS/dx`` with a surrogate ``g(x)``. Every surrogate here
is the derivative of a smooth *primitive* ``phi`` (``phi' = g``), which the neurons can run in
place of the step (``smooth=True``) so that BPTT gradients can be checked exactly against finite
differences.

Each canonical surrogate has a sharpness ``alpha > 0`` and an amplitude ``scale > 0``:

    g(x)   = scale * g0(x; alpha)
    phi(x) = 1/2 + scale * (Phi0(x; alpha) - 1/2),    Phi0' = g0,  Phi0(0) = 1/2

Each class below states its ``g0`` and ``Phi0``, the area (the integral of g0 over the real
line), its aliases and its default ``alpha`` (docs/models.md lists them all). Which peer name
and parameterization maps onto which canonical surrogate is tabulated in ``docs/surrogates.md``.

The ``g0`` formulas are written with NumPy ufuncs and operators only, so the same source runs on
arrays (the NumPy reference) and on scalars inside the Numba kernels (``refsnn.neurons.kernels``
compiles them); their constants are written ``weak(c, like)`` (:mod:`refsnn.literals`), so that
they take the input's dtype in Numba as NumPy gives a Python float the array's dtype: float32
arithmetic stays float32, the same operations in the same precision as the reference. Their
``exp`` is :func:`refsnn.fastexp.exp`: ``np.exp`` itself on arrays, and
inside Numba an arithmetic ``exp`` that lets the kernels' loops vectorise (its accuracy:
:mod:`refsnn.fastexp`). They are written to be well conditioned: the sigmoid's
``s (1 - s)`` is evaluated as ``e / (1 + e)^2`` with ``e = exp(-alpha |x|)``, and its primitive
as ``(1 + tanh(alpha x / 2)) / 2``; neither overflows.

The forward step's convention at exactly ``x = 0`` is a neuron parameter (``compare``), not a
surrogate one: see refsnn/neurons/kinds/binary.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from refsnn import validation
from refsnn.fastexp import exp
from refsnn.literals import weak

_erf = np.vectorize(math.erf, otypes=[np.float64])


# --- g0 and Phi0 of every canonical surrogate (shared by NumPy and Numba) -------------------

def rectangular_g0(x, alpha):
    return alpha * (np.abs(x) < weak(0.5, alpha) / alpha)


def rectangular_phi0(x, alpha):
    return np.minimum(np.maximum(alpha * x + 0.5, 0.0), 1.0)


def triangular_g0(x, alpha):
    return alpha * np.maximum(weak(1.0, alpha) - alpha * np.abs(x), weak(0.0, alpha))


def triangular_phi0(x, alpha):
    a = np.minimum(alpha * np.abs(x), 1.0)
    return 0.5 + np.sign(x) * (a - 0.5 * a * a)


def sigmoid_g0(x, alpha):
    e = exp(-alpha * np.abs(x))  # s (1 - s) = e / (1 + e)^2: no cancellation, no overflow
    d = weak(1.0, e) + e
    return alpha * e / (d * d)


def sigmoid_phi0(x, alpha):
    return 0.5 + 0.5 * np.tanh(0.5 * alpha * x)


def arctan_g0(x, alpha):
    u = weak(0.5 * np.pi, alpha) * alpha * x
    return weak(0.5, alpha) * alpha / (weak(1.0, u) + u * u)


def arctan_phi0(x, alpha):
    return 0.5 + np.arctan(0.5 * np.pi * alpha * x) / np.pi


def fast_sigmoid_g0(x, alpha):
    d = weak(1.0, alpha) + alpha * np.abs(x)
    return weak(1.0, d) / (d * d)


def fast_sigmoid_phi0(x, alpha):
    return 0.5 + x / (1.0 + alpha * np.abs(x))


def piecewise_exponential_g0(x, alpha):
    return weak(0.5, alpha) * alpha * exp(-alpha * np.abs(x))


def piecewise_exponential_phi0(x, alpha):
    return 0.5 - 0.5 * np.sign(x) * np.expm1(-alpha * np.abs(x))


_SQRT_PI = math.sqrt(math.pi)


def gaussian_g0(x, alpha):
    return alpha / weak(_SQRT_PI, alpha) * exp(-(alpha * x) * (alpha * x))


def gaussian_phi0(x, alpha):
    return 0.5 + 0.5 * _erf(alpha * x)


def straight_through_g0(x, alpha):
    return weak(0.0, x) * x + weak(1.0, x)  # 1 with x's shape and dtype, for scalars too


def straight_through_phi0(x, alpha):
    return 0.5 + x


# --- the canonical surrogate objects --------------------------------------------------------

@dataclass(frozen=True)
class Surrogate:
    """A canonical surrogate ``g = scale * g0(x; alpha)`` with primitive ``phi``.

    Subclasses set ``name``, ``aliases``, the default ``alpha`` and the shared-source
    functions ``g0`` and ``phi0`` (``Phi0``), and state both in their docstring.
    """

    alpha: float
    scale: float = 1.0

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    g0: ClassVar[staticmethod]
    phi0: ClassVar[staticmethod]

    def __post_init__(self) -> None:
        for field in ("alpha", "scale"):
            value = validation.real_scalar(f"{self.name}.{field}", getattr(self, field),
                                           minimum=0.0, inclusive=False)
            object.__setattr__(self, field, value)

    def derivative(self, x: np.ndarray) -> np.ndarray:
        """``g(x)``: the surrogate of ``dS/dx``, in ``x``'s float dtype (float64 for integer
        or bool input)."""
        x = _real(x)
        alpha, scale = self._cast("alpha", x.dtype), self._cast("scale", x.dtype)
        return np.asarray(scale * type(self).g0(x, alpha), dtype=x.dtype)

    def primitive(self, x: np.ndarray) -> np.ndarray:
        """``phi(x)``: the smooth function whose derivative is ``g`` (``phi(0) = 1/2``), in the
        same dtype as :meth:`derivative`."""
        x = _real(x)
        phi0 = type(self).phi0(x, self._cast("alpha", x.dtype))
        return np.asarray(0.5 + self.scale * (phi0 - 0.5), dtype=x.dtype)

    def _cast(self, field: str, dtype: np.dtype) -> np.floating:
        """A parameter in ``dtype``, refused if it overflows it (1e39 in float32)."""
        value = getattr(self, field)
        with np.errstate(over="ignore"):
            cast = dtype.type(value)
        validation.representable(f"{self.name}.{field}", cast, value)
        return cast


def _real(x: object) -> np.ndarray:
    """``x`` as a float array: integers and bools as float64 (never integer arithmetic); a
    complex, string or object input is refused."""
    x = np.asarray(x)
    if x.dtype.kind in "biu":
        return x.astype(np.float64)
    if x.dtype.kind != "f":
        raise ValueError(f"x: expected a real array (float, integer or bool), got dtype {x.dtype}")
    return x


@dataclass(frozen=True)
class Rectangular(Surrogate):
    """g0 = alpha 1[|x| < 1/(2 alpha)];  Phi0 = clip(alpha x + 1/2, 0, 1);  area 1."""

    alpha: float = 1.0
    name: ClassVar[str] = "rectangular"
    aliases: ClassVar[tuple[str, ...]] = ("boxcar", "rect")
    g0 = staticmethod(rectangular_g0)
    phi0 = staticmethod(rectangular_phi0)


@dataclass(frozen=True)
class Triangular(Surrogate):
    """g0 = alpha max(0, 1 - alpha |x|);  Phi0 = 1/2 + sign(x) (a - a^2/2), a = min(alpha |x|,
    1);  area 1. SpikingJelly's PiecewiseQuadratic has this triangle as its derivative (its
    primitive is the piecewise quadratic), hence the alias."""

    alpha: float = 1.0
    name: ClassVar[str] = "triangular"
    aliases: ClassVar[tuple[str, ...]] = ("piecewise_quadratic",)
    g0 = staticmethod(triangular_g0)
    phi0 = staticmethod(triangular_phi0)


@dataclass(frozen=True)
class Sigmoid(Surrogate):
    """g0 = alpha s (1 - s), s = 1 / (1 + e^(-alpha x));  Phi0 = s;  area 1."""

    alpha: float = 4.0
    name: ClassVar[str] = "sigmoid"
    aliases: ClassVar[tuple[str, ...]] = ()
    g0 = staticmethod(sigmoid_g0)
    phi0 = staticmethod(sigmoid_phi0)


@dataclass(frozen=True)
class Arctan(Surrogate):
    """g0 = (alpha/2) / (1 + (pi/2 alpha x)^2);  Phi0 = 1/2 + arctan(pi/2 alpha x) / pi;
    area 1."""

    alpha: float = 2.0
    name: ClassVar[str] = "arctan"
    aliases: ClassVar[tuple[str, ...]] = ("atan",)
    g0 = staticmethod(arctan_g0)
    phi0 = staticmethod(arctan_phi0)


@dataclass(frozen=True)
class FastSigmoid(Surrogate):
    """g0 = 1 / (1 + alpha |x|)^2;  Phi0 = 1/2 + x / (1 + alpha |x|);  area 2/alpha.
    SuperSpike (Zenke & Ganguli 2018), hence the alias."""

    alpha: float = 25.0
    name: ClassVar[str] = "fast_sigmoid"
    aliases: ClassVar[tuple[str, ...]] = ("superspike",)
    g0 = staticmethod(fast_sigmoid_g0)
    phi0 = staticmethod(fast_sigmoid_phi0)


@dataclass(frozen=True)
class PiecewiseExponential(Surrogate):
    """g0 = (alpha/2) e^(-alpha |x|);  Phi0 = 1/2 - sign(x) expm1(-alpha |x|) / 2;  area 1."""

    alpha: float = 1.0
    name: ClassVar[str] = "piecewise_exponential"
    aliases: ClassVar[tuple[str, ...]] = ("piecewise_exp",)
    g0 = staticmethod(piecewise_exponential_g0)
    phi0 = staticmethod(piecewise_exponential_phi0)


@dataclass(frozen=True)
class Gaussian(Surrogate):
    """g0 = (alpha / sqrt(pi)) e^(-alpha^2 x^2);  Phi0 = (1 + erf(alpha x)) / 2;  area 1."""

    alpha: float = 2.0
    name: ClassVar[str] = "gaussian"
    aliases: ClassVar[tuple[str, ...]] = ("erf",)
    g0 = staticmethod(gaussian_g0)
    phi0 = staticmethod(gaussian_phi0)


@dataclass(frozen=True)
class StraightThrough(Surrogate):
    """g0 = 1 (alpha unused);  Phi0 = 1/2 + x;  area infinite."""

    alpha: float = 1.0
    name: ClassVar[str] = "straight_through"
    aliases: ClassVar[tuple[str, ...]] = ("ste",)
    g0 = staticmethod(straight_through_g0)
    phi0 = staticmethod(straight_through_phi0)


SURROGATES: tuple[type[Surrogate], ...] = (Rectangular, Triangular, Sigmoid, Arctan, FastSigmoid,
                                           PiecewiseExponential, Gaussian, StraightThrough)
"""Every canonical surrogate."""

_BY_NAME = {n: cls for cls in SURROGATES for n in (cls.name, *cls.aliases)}


def get(name: str, **params: float) -> Surrogate:
    """Look a surrogate up by canonical name or alias, e.g. ``get("atan", alpha=2.0)``."""
    if not isinstance(name, str) or name not in _BY_NAME:
        raise ValueError(f"surrogate: expected one of {sorted(_BY_NAME)}, got {name!r}")
    return _BY_NAME[name](**params)
