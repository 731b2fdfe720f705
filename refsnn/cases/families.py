"""The golden families that catch whole bug classes (docs/golden.md, "The cases"):

``exact_<setting>_<ge|gt>_<soft|hard>_<dtype>``
    Every model, in a setting of its own (``EXACT``), under both compare conventions, soft
    reset and a hard reset to a non-zero ``v_reset``: dyadic inputs, upstream gradients and
    parameters, leak rates 0 or 1/2 and piecewise-linear surrogates, so that the forward pass
    is exact arithmetic (membrane tolerance 0) and the backward pass mostly is (a gradient
    that rounds nowhere has tolerance 0, see refsnn.golden.tolerances). A draw is kept only if
    some membrane lies exactly on each threshold of the neuron (each level of MultiThreshold
    and MTNeuron, both signs of Ternary; the cascade's residuals on theirs).
``window_<setting>_<dtype>``
    Exact cases whose surrogate arguments land on both edges of a window (``WINDOWS``): the
    rectangular surrogate's (open: 0 on the edge), MultiThreshold's ramp (closed), the Ternary
    authors' straight-through window (open), on every spike kind. An exact tolerance catches
    a window whose edge is open where it should be closed, or the reverse (a whole surrogate
    step, where a membrane tolerance's slack would have allowed it).
``options_<surrogate>_<model>_<dtype>``
    One random case per surrogate family with a non-default ``alpha`` and ``scale != 1``, on
    settings chosen so that every option of every model takes a second value somewhere in the
    set (``OPTIONS``; the rule is tested in spec_tests/test_golden.py).
``rounding_if_<ge|gt>_float32``
    IF in float32 whose membranes land exactly on the float32 threshold ``v_th`` that is not
    the float64 one (0.7 rounds down, 0.1 up): every step of IF is one correctly rounded
    operation, so the membranes are exact (tolerance 0) and an implementation that compares
    or subtracts in float64 changes a spike.

A setting's ``draw`` gives ``x`` and ``v0`` in units of its ``v_threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass

from refsnn.cases.case import Case
from refsnn.cases.grid import build, per_dtype
from refsnn.cases.inputs import Draw
from refsnn.neurons import Neuron
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

COMPARES = ((">=", "ge"), (">", "gt"))
EXACT_TEXT = ("dyadic inputs and upstream gradients: the forward pass is exact arithmetic "
              "(membrane tolerance 0), and so is each gradient whose float32 and float64 runs "
              "agree bit for bit (tolerance 0; the others 4 eps T G)")
EXACT_SHAPE = (8, 8)


@dataclass(frozen=True)
class Setting:
    """A model with every parameter fixed but those a family varies: ``params`` of ``model``
    and, for a model with a ``neuron`` field, ``base`` of the ``base_model`` it wraps; the
    ``surrogate``, ``v_threshold``, ``compare`` and ``v_reset`` (None: soft) go on the model's
    own fields or on the wrapped neuron's. ``text`` describes it."""

    slug: str
    text: str
    model: str
    surrogate: Surrogate
    v_threshold: float
    v_reset: float | None
    draw: Draw
    params: dict | None = None
    base: dict | None = None
    base_model: str = "LIF"
    compare: str = ">="

    def neuron(self, **axes) -> Neuron:
        """The setting's neuron, ``axes`` (compare, v_reset) overriding the setting's."""
        fixed = {"surrogate": self.surrogate, "v_threshold": self.v_threshold,
                 "v_reset": self.v_reset, "compare": self.compare}
        return build(self.model, self.params or {}, self.base or {}, fixed | axes,
                     self.base_model)


def _exact_draw(low: float, high: float, v0_low: float = -0.5, v0_high: float = 0.9) -> Draw:
    return Draw(low, high, v0_low, v0_high, dyadic=True, dyadic_grads=True)


EXACT = (
    Setting("if", "IF, v_th 1.5, triangular(alpha 0.5, scale 2), hard reset to -0.375", "IF",
            Triangular(alpha=0.5, scale=2.0), 1.5, -0.375, _exact_draw(-0.5, 1.5)),
    Setting("lif", "LIF(tau 2, decay_input), rectangular(alpha 2, scale 0.5), hard reset to "
            "0.25", "LIF", Rectangular(alpha=2.0, scale=0.5), 1.0, 0.25,
            _exact_draw(-0.5, 3.0), params={"tau": 2.0, "decay_input": True}),
    Setting("plif", "PLIF(w 0: k = 1/2, no decay_input), v_th 0.5, straight_through(scale "
            "0.25), hard reset to -0.125", "PLIF", StraightThrough(alpha=1.0, scale=0.25), 0.5,
            -0.125, _exact_draw(-0.5, 1.5), params={"w": 0.0, "decay_input": False}),
    Setting("ternary", "Ternary(amplitude 1.25) on IF, triangular(alpha 2, scale 0.5), hard "
            "reset to 0.25", "Ternary", Triangular(alpha=2.0, scale=0.5), 1.0, 0.25,
            _exact_draw(-1.5, 1.5, -0.9, 0.9), params={"amplitude": 1.25},
            base_model="IF"),
    Setting("multithreshold", "MultiThreshold(levels 3, sum) on PLIF(w 0, no decay_input), "
            "v_th 0.5, rectangular(alpha 1, scale 2), hard reset to -0.125", "MultiThreshold",
            Rectangular(alpha=1.0, scale=2.0), 0.5, -0.125, _exact_draw(-0.5, 3.5),
            params={"levels": 3, "derivative": "sum"}, base={"w": 0.0, "decay_input": False},
            base_model="PLIF"),
    Setting("mtneuron_parallel", "MTNeuron.parallel(levels 4) on IF, straight_through(scale "
            "0.5), hard reset to -0.25", "MTNeuron", StraightThrough(alpha=1.0, scale=0.5),
            1.0, -0.25, _exact_draw(-0.5, 1.5),
            params={"mode": "parallel", "thresholds": (0.25, 0.5, 0.75, 1.0),
                    "amplitudes": (0.25, 0.25, 0.25, 0.25)}, base_model="IF"),
    Setting("mtneuron_cascade", "MTNeuron cascade, thresholds (1, 1/2, 1/4) != amplitudes "
            "(3/4, 3/8, 1/4), on LIF(tau 2, no decay_input), v_th 2, rectangular(alpha 0.5, "
            "scale 1.5), hard reset to 0.25", "MTNeuron", Rectangular(alpha=0.5, scale=1.5),
            2.0, 0.25, _exact_draw(-0.5, 2.0),
            params={"mode": "cascade", "thresholds": (1.0, 0.5, 0.25),
                    "amplitudes": (0.75, 0.375, 0.25)},
            base={"tau": 2.0, "decay_input": False}),
)
"""Per model, the settings of the ``exact`` family (every model of NEURONS has one: tested)."""

WINDOWS = (
    Setting("rectangular_if", "IF, rectangular(alpha 1): window |H - v_th| < 1/2", "IF",
            Rectangular(alpha=1.0), 1.0, None, _exact_draw(-0.5, 1.5)),
    Setting("rectangular_ternary", "Ternary(amplitude 0.75) on IF, rectangular(alpha 2): "
            "windows |H -+ v_th| < 1/4", "Ternary", Rectangular(alpha=2.0), 1.0, None,
            _exact_draw(-1.5, 1.5, -0.9, 0.9), params={"amplitude": 0.75}, base_model="IF"),
    Setting("ste_ternary_official", "the Ternary authors' neuron (Ternary.official, amplitude "
            "1.25: LIF k = 3/4, v_th 1/2, hard reset to 0, centre 'zero'): the straight-"
            "through window |H| < 1 (rectangular alpha 1/2, scale 2)", "Ternary",
            Rectangular(alpha=0.5, scale=2.0), 0.5, 0.0, _exact_draw(-2.5, 2.5, -1.5, 1.5),
            params={"amplitude": 1.25, "surrogate_centre": "zero"},
            base={"tau": 4.0 / 3.0, "decay_input": False}),
    Setting("rectangular_multithreshold", "MultiThreshold(levels 3, sum) on IF, rectangular("
            "alpha 2): windows |H - i v_th| < 1/4", "MultiThreshold", Rectangular(alpha=2.0),
            1.0, None, _exact_draw(-0.5, 3.5), params={"levels": 3, "derivative": "sum"},
            base_model="IF"),
    Setting("stretched_multithreshold", "MultiThreshold(levels 3, stretched) on IF, "
            "rectangular(alpha 1): window |H - 2 v_th| < 3/2", "MultiThreshold",
            Rectangular(alpha=1.0), 1.0, None, _exact_draw(-0.5, 3.5),
            params={"levels": 3, "derivative": "stretched"}, base_model="IF"),
    Setting("ramp_multithreshold", "MultiThreshold(levels 3, ramp) on IF: the closed window "
            "1/2 <= H/v_th <= 7/2", "MultiThreshold", Rectangular(alpha=1.0), 1.0, None,
            _exact_draw(-0.5, 4.0), params={"levels": 3, "derivative": "ramp"},
            base_model="IF"),
    Setting("rectangular_mtneuron_parallel", "MTNeuron.parallel(levels 2) on IF, rectangular("
            "alpha 2): windows |H - theta_i| < 1/4", "MTNeuron", Rectangular(alpha=2.0), 1.0,
            None, _exact_draw(-0.5, 1.5), base_model="IF"),
    Setting("rectangular_mtneuron_cascade", "MTNeuron.cascade(levels 2) on IF, rectangular("
            "alpha 2): windows |r_i - theta_i| < 1/4", "MTNeuron", Rectangular(alpha=2.0), 1.0,
            None, _exact_draw(-0.5, 2.0),
            params={"mode": "cascade", "thresholds": (1.0, 0.5), "amplitudes": (1.0, 0.5)},
            base_model="IF"),
)
"""The ``window`` family: a surrogate window's edges, per spike kind."""

OPTIONS = (
    Setting("rectangular_lif", "LIF(tau 5, no decay_input), v_th 0.8, rectangular(alpha 0.8, "
            "scale 0.7), hard reset to -0.2", "LIF", Rectangular(alpha=0.8, scale=0.7), 0.8,
            -0.2, Draw(-0.5, 1.5), params={"tau": 5.0, "decay_input": False}),
    Setting("triangular_plif", "PLIF(w 0.4, decay_input), v_th 1.2, triangular(alpha 0.6, "
            "scale 1.3), soft reset, compare '>'", "PLIF", Triangular(alpha=0.6, scale=1.3),
            1.2, None, Draw(-0.5, 3.0), params={"w": 0.4, "decay_input": True}, compare=">"),
    Setting("sigmoid_ternary", "Ternary(amplitude 0.6) on LIF(tau 4, decay_input), v_th 0.9, "
            "sigmoid(alpha 2.5, scale 0.6), hard reset to 0.3", "Ternary",
            Sigmoid(alpha=2.5, scale=0.6), 0.9, 0.3, Draw(-4.0, 4.0, -0.9, 0.9),
            params={"amplitude": 0.6}, base={"tau": 4.0, "decay_input": True}),
    Setting("arctan_multithreshold", "MultiThreshold(levels 4, sum) on PLIF(w -1, no "
            "decay_input), v_th 0.6, arctan(alpha 3, scale 1.5), soft reset", "MultiThreshold",
            Arctan(alpha=3.0, scale=1.5), 0.6, None, Draw(-0.5, 4.0),
            params={"levels": 4, "derivative": "sum"}, base={"w": -1.0, "decay_input": False},
            base_model="PLIF"),
    Setting("fast_sigmoid_mtneuron", "MTNeuron cascade, thresholds (1, 0.6, 0.3), amplitudes "
            "(0.8, 0.4, 0.3), on PLIF(w -0.5, decay_input), v_th 1.3, fast_sigmoid(alpha 10, "
            "scale 0.5), soft reset", "MTNeuron", FastSigmoid(alpha=10.0, scale=0.5), 1.3, None,
            Draw(-0.5, 4.0), params={"mode": "cascade", "thresholds": (1.0, 0.6, 0.3),
                                     "amplitudes": (0.8, 0.4, 0.3)},
            base={"w": -0.5, "decay_input": True}, base_model="PLIF"),
    Setting("piecewise_exponential_mtneuron", "MTNeuron parallel, thresholds (0.3, 0.7, 1), "
            "amplitudes (0.2, 0.3, 0.5), on PLIF(w 0.5, no decay_input), v_th 0.9, "
            "piecewise_exponential(alpha 2, scale 0.8), hard reset to -0.1", "MTNeuron",
            PiecewiseExponential(alpha=2.0, scale=0.8), 0.9, -0.1, Draw(-0.5, 1.5),
            params={"mode": "parallel", "thresholds": (0.3, 0.7, 1.0),
                    "amplitudes": (0.2, 0.3, 0.5)}, base={"w": 0.5, "decay_input": False},
            base_model="PLIF"),
    Setting("gaussian_if", "IF, v_th 1.1, gaussian(alpha 1.5, scale 1.2), hard reset to 0.2, "
            "compare '>'", "IF", Gaussian(alpha=1.5, scale=1.2), 1.1, 0.2, Draw(-0.5, 1.5),
            compare=">"),
    Setting("straight_through_mtneuron", "MTNeuron.parallel(levels 2) on LIF(tau 3, no "
            "decay_input), straight_through(alpha 2: unused, scale 0.3), soft reset",
            "MTNeuron", StraightThrough(alpha=2.0, scale=0.3), 1.0, None, Draw(-0.5, 2.0),
            base={"tau": 3.0, "decay_input": False}),
)
"""The ``options`` family: one setting per surrogate family (non-default alpha, scale != 1)."""

ROUNDING = (
    Setting("if_ge", "IF, v_th 0.7 (float32 0.69999999, below the float64 0.7), compare '>=', "
            "soft reset", "IF", Sigmoid(alpha=4.0), 0.7, None, Draw(-0.5, 1.5, dyadic=True)),
    Setting("if_gt", "IF, v_th 0.1 (float32 0.100000001, above the float64 0.1), compare '>', "
            "hard reset to 0", "IF", Sigmoid(alpha=4.0), 0.1, 0.0, Draw(-0.5, 1.5, dyadic=True),
            compare=">"),
)
"""The ``rounding`` family (float32 only)."""


def exact() -> list[Case]:
    """Each EXACT setting x compare x soft / hard reset x dtype, every threshold hit."""
    found = []
    for setting in EXACT:
        for compare, slug in COMPARES:
            for reset, v_reset in (("soft", None), ("hard", setting.v_reset)):
                text = (f"exact: {setting.text}; here compare {compare!r}, {reset} reset; "
                        f"some membrane exactly on every threshold; {EXACT_TEXT}")
                found += per_dtype(f"exact_{setting.slug}_{slug}_{reset}", text,
                                   setting.neuron(compare=compare, v_reset=v_reset),
                                   EXACT_SHAPE, setting.draw, exact=True, every_threshold=True)
    return found


def windows() -> list[Case]:
    """Each WINDOWS setting x dtype, both edges of a window hit."""
    return [case for setting in WINDOWS for case in per_dtype(
        f"window_{setting.slug}", f"window: {setting.text}; surrogate arguments exactly on a "
        f"left and on a right edge; {EXACT_TEXT}", setting.neuron(), EXACT_SHAPE,
        setting.draw, exact=True, edges=True)]


def options() -> list[Case]:
    """Each OPTIONS setting x dtype (random inputs, the usual tolerances)."""
    return [case for setting in OPTIONS for case in per_dtype(
        f"options_{setting.slug}", f"options: {setting.text}", setting.neuron(), (10, 4),
        setting.draw, varied=True)]


def rounding() -> list[Case]:
    """Each ROUNDING setting in float32, some membrane exactly on the float32 threshold."""
    return [case for setting in ROUNDING for case in per_dtype(
        f"rounding_{setting.slug}", f"rounding: {setting.text}; x, v0 multiples of v_th/8 "
        "rounded to float32; each step one correctly rounded operation (membrane tolerance 0), "
        "some membrane exactly on the float32 threshold", setting.neuron(), (10, 4),
        setting.draw, ("float32",), rounded=True)]
