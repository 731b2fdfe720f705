"""The peers' surrogate functions, each mapped onto a canonical refsnn surrogate.

``PEER_SURROGATES`` lists every surrogate that SpikingJelly 2.0.0, snnTorch 1.0.0 and Norse 1.1.0
ship, with the peer's parameter names and defaults and the canonical surrogate (alpha, scale)
it equals, or ``None`` where no canonical surrogate is the same function (with the reason).
``from_peer`` turns a peer's surrogate and parameters into the refsnn object, e.g. for an
adapter. Formulas and line numbers were read from the installed wheels; every mapped row is
verified against the peer's own autograd in spec_tests/test_surrogate_peers.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from refsnn.surrogates import (
    Arctan,
    FastSigmoid,
    Gaussian,
    PiecewiseExponential,
    Rectangular,
    Sigmoid,
    StraightThrough,
    Surrogate,
    Triangular,
)


class PeerSurrogate(NamedTuple):
    framework: str  # "spikingjelly", "snntorch" or "norse"
    name: str  # the peer's class, function or method name
    defaults: dict[str, float]  # the peer's parameters and their defaults
    formula: str  # the peer's dS/dx, x = H - v_threshold
    canonical: Callable[..., Surrogate] | None  # peer parameters -> refsnn surrogate
    source: str  # file:line in the peer's wheel, or why there is no canonical equivalent


SJ, SNNTORCH, NORSE = "spikingjelly", "snntorch", "norse"
SJ_FILE = "spikingjelly/activation_based/surrogate.py"
SNN_FILE = "snntorch/surrogate.py"
NORSE_FILE = "norse/torch/functional/threshold.py"

PEER_SURROGATES: tuple[PeerSurrogate, ...] = (
    PeerSurrogate(SJ, "Sigmoid", {"alpha": 4.0}, "alpha s(alpha x) (1 - s(alpha x))",
                  lambda alpha: Sigmoid(alpha=alpha), f"{SJ_FILE}:719"),
    PeerSurrogate(SJ, "ATan", {"alpha": 2.0}, "(alpha/2) / (1 + (pi/2 alpha x)^2)",
                  lambda alpha: Arctan(alpha=alpha), f"{SJ_FILE}:1192"),
    PeerSurrogate(SJ, "PiecewiseQuadratic", {"alpha": 1.0}, "alpha - alpha^2 |x| on |x| <= 1/alpha",
                  lambda alpha: Triangular(alpha=alpha), f"{SJ_FILE}:357"),
    PeerSurrogate(SJ, "PiecewiseExp", {"alpha": 1.0}, "(alpha/2) exp(-alpha |x|)",
                  lambda alpha: PiecewiseExponential(alpha=alpha), f"{SJ_FILE}:544"),
    PeerSurrogate(SJ, "SoftSign", {"alpha": 2.0}, "alpha / (2 (1 + alpha |x|)^2)",
                  lambda alpha: FastSigmoid(alpha=alpha, scale=alpha / 2), f"{SJ_FILE}:882"),
    PeerSurrogate(SJ, "SuperSpike", {"alpha": 1.0}, "alpha / (1 + |x|)^2",
                  lambda alpha: FastSigmoid(alpha=1.0, scale=alpha), f"{SJ_FILE}:1047"),
    PeerSurrogate(SJ, "Erf", {"alpha": 2.0}, "(alpha / sqrt(pi)) exp(-alpha^2 x^2)",
                  lambda alpha: Gaussian(alpha=alpha), f"{SJ_FILE}:1552"),
    PeerSurrogate(SJ, "Rect", {"alpha": 1.0}, "alpha 1[|x| < 1/(2 alpha)]",
                  lambda alpha: Rectangular(alpha=alpha), f"{SJ_FILE}:3177"),
    PeerSurrogate(SJ, "NonzeroSignLogAbs", {"alpha": 1.0}, "1 / (1/alpha + |x|)", None,
                  "logarithmic tails (infinite area): no canonical equivalent"),
    PeerSurrogate(SJ, "PiecewiseLeakyReLU", {"w": 1.0, "c": 0.01},
                  "1/(2w) on |x| < w, else c", None,
                  "a constant leak c outside the window; c = 0 would be rectangular(1/(2w))"),
    PeerSurrogate(SJ, "DeterministicPass", {}, "1",
                  lambda: StraightThrough(), f"{SJ_FILE}:2886"),
    PeerSurrogate(SJ, "LeakyKReLU", {"leak": 0.0, "k": 1.0}, "k for x >= 0, leak below", None,
                  "two slopes; only leak = k is straight_through(scale=k)"),
    PeerSurrogate(SJ, "QPseudoSpike", {"alpha": 2.0}, "(1 + 2|x|/(alpha - 1))^(-alpha)", None,
                  "a power-law family; only alpha = 2 is fast_sigmoid(2)"),
    PeerSurrogate(SNNTORCH, "atan", {"alpha": 2.0}, "(alpha/2) / (1 + (pi/2 alpha x)^2)",
                  lambda alpha: Arctan(alpha=alpha), f"{SNN_FILE}:206"),
    PeerSurrogate(SNNTORCH, "fast_sigmoid", {"slope": 25.0}, "1 / (slope |x| + 1)^2",
                  lambda slope: FastSigmoid(alpha=slope), f"{SNN_FILE}:146"),
    PeerSurrogate(SNNTORCH, "sigmoid", {"slope": 25.0},
                  "slope s(slope x) (1 - s(slope x)); slope rounded to float32 in the height; "
                  "NaN where exp(-slope x) overflows (x < -3.5 in float32 at slope 25)",
                  lambda slope: Sigmoid(alpha=slope), f"{SNN_FILE}:313"),
    PeerSurrogate(SNNTORCH, "straight_through_estimator", {}, "1",
                  lambda: StraightThrough(), f"{SNN_FILE}:43"),
    PeerSurrogate(SNNTORCH, "triangular", {"threshold": 1.0},
                  "+threshold for x < 0, -threshold for x >= 0", None,
                  "a sign-flipping constant, not a triangle (snntorch/surrogate.py:93)"),
    PeerSurrogate(SNNTORCH, "heaviside", {}, "the spike itself, Heaviside(x)", None,
                  "not symmetric about the threshold (snntorch/surrogate.py:254)"),
    PeerSurrogate(SNNTORCH, "spike_rate_escape", {"beta": 1.0, "slope": 25.0},
                  "slope exp(-beta |x - 1|)", None,
                  "centred at x = 1, not at the threshold (snntorch/surrogate.py:372)"),
    PeerSurrogate(SNNTORCH, "SFS", {"slope": 25.0, "B": 1.0}, "fast_sigmoid(x) 1[x > B]", None,
                  "zero near the threshold (snntorch/surrogate.py:572)"),
    PeerSurrogate(NORSE, "super", {"alpha": 100.0}, "1 / (|x| + 1)^2 (1.1.0 ignores alpha)",
                  lambda alpha: FastSigmoid(alpha=1.0), f"{NORSE_FILE}:195; superspike.py"),
    PeerSurrogate(NORSE, "triangle", {"alpha": 0.3}, "alpha relu(1 - |x|)",
                  lambda alpha: Triangular(alpha=1.0, scale=alpha), f"{NORSE_FILE}:191"),
    PeerSurrogate(NORSE, "tanh", {"alpha": 100.0}, "1 - tanh(alpha x)^2",
                  lambda alpha: Sigmoid(alpha=2 * alpha, scale=2 / alpha), f"{NORSE_FILE}:59"),
    PeerSurrogate(NORSE, "heavi_erfc", {"alpha": 100.0}, "2 exp(-alpha^2 x^2) / sqrt(pi)",
                  lambda alpha: Gaussian(alpha=alpha, scale=2 / alpha), f"{NORSE_FILE}:29"),
    PeerSurrogate(NORSE, "circ", {"alpha": 100.0}, "alpha^3 / (alpha^2 + x^2)^1.5", None,
                  "algebraic tails: no canonical equivalent (norse threshold.py:89)"),
    PeerSurrogate(NORSE, "heaviside", {}, "0 (no surrogate)", None,
                  "no gradient at all (norse threshold.py)"),
)
"""Every peer surrogate; the forward step is x >= 0 in SpikingJelly, x > 0 in snnTorch/Norse."""


def from_peer(framework: str, name: str, **params: float) -> Surrogate:
    """The canonical surrogate equal to a peer's, e.g. ``from_peer("snntorch", "sigmoid",
    slope=25)`` is ``Sigmoid(alpha=25)``. Missing parameters take the peer's defaults."""
    for row in PEER_SURROGATES:
        if (row.framework, row.name) == (framework, name):
            unknown = set(params) - set(row.defaults)
            if unknown:
                raise ValueError(f"params: expected some of {sorted(row.defaults)} for "
                                 f"{framework} {name}, got {sorted(unknown)}")
            if row.canonical is None:
                raise ValueError(f"name: {framework} {name} has no canonical equivalent "
                                 f"({row.source})")
            return row.canonical(**(row.defaults | params))
    known = sorted(f"{r.framework}:{r.name}" for r in PEER_SURROGATES)
    raise ValueError(f"name: expected one of {known}, got {framework}:{name}")
