"""The golden cases: every model of ``NEURONS`` on a grid of options, plus edge cases.

The grid crosses each model's row of ``TABLE`` with every canonical surrogate (default alpha,
scale 1), hard reset (to 0) and soft reset, the reset's gradient attached and detached, and
float32 and float64; each of the row's ``variants`` is crossed with the same axes (over its own
surrogates). A model without a row (added later) runs with its defaults, the axes set on its own
fields or, if it has a ``neuron`` field, on the LIF it is given. Adding a model means adding a
row, or nothing if its defaults and fields allow that.

The edge cases are those that break implementations: membranes exactly at a threshold under
both compare conventions (exact arithmetic), an initial membrane above threshold, all-zero
input, a single neuron (``x`` of shape ``[T]``), a rank-5 ``x``, time constants of 1 and 1e6,
and 1000 steps.

The families of refsnn.golden.families add exact cases on every threshold of every model
with non-zero hard resets, exact cases on surrogate window edges, a case per surrogate family
with non-default options, and float32 rounding cases.

A case's name identifies it and seeds its draw (refsnn.golden.draws), so cases do not depend
on the order in which they are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from refsnn.golden.draws import Draw
from refsnn.golden.spec import fields
from refsnn.neurons import NEURONS, Neuron
from refsnn.surrogates import SURROGATES

DTYPES = ("float32", "float64")
RESETS = {"hard": 0.0, "soft": None}  # v_reset
DETACH = {"attached": False, "detached": True}  # detach_reset
GRID_SHAPE = (10, 4)  # T = 10 steps, 4 neurons


@dataclass(frozen=True)
class Variant:
    """A second setting of a model's own parameters, run over the reset, detach and dtype axes
    and over ``surrogates`` (canonical names; None: all of them); ``draw``: its inputs (None:
    its row's)."""

    slug: str
    params: dict
    surrogates: tuple[str, ...] | None = None
    draw: Draw | None = None


@dataclass(frozen=True)
class Entry:
    """A model's row of the table: its parameters in the grid (beyond the axes), the wrapped
    LIF's (``base``, for a model with a ``neuron`` field), the input range ``draw`` and the
    ``variants`` added to the grid."""

    params: dict = field(default_factory=dict)
    base: dict = field(default_factory=dict)
    draw: Draw = Draw()
    variants: tuple[Variant, ...] = ()


TABLE: dict[str, Entry] = {
    "IF": Entry(),
    "LIF": Entry(params={"tau": 3.0, "decay_input": True}, draw=Draw(-0.5, 3.0),
                 variants=(Variant("nodecay_gt", {"decay_input": False, "compare": ">"},
                                   draw=Draw(-0.5, 1.3)),)),
    "PLIF": Entry(params={"w": -0.5, "decay_input": True}, draw=Draw(-0.5, 3.0)),
    "Ternary": Entry(params={"amplitude": 0.75, "surrogate_centre": "thresholds"},
                     base={"tau": 3.0, "decay_input": False}, draw=Draw(-1.5, 1.5, -0.9, 0.9),
                     variants=(Variant("centre_zero", {"surrogate_centre": "zero"}),)),
    "MultiThreshold": Entry(params={"levels": 3, "derivative": "sum"},
                            base={"tau": 3.0, "decay_input": False}, draw=Draw(-0.5, 3.0),
                            variants=(Variant("ramp", {"derivative": "ramp"}, ("sigmoid",)),
                                      Variant("stretched", {"derivative": "stretched"}))),
}
"""One row per model; a model of NEURONS without a row gets ``Entry()`` (its defaults)."""


@dataclass(frozen=True)
class Case:
    """One golden case: ``neuron`` on an ``x`` of ``shape`` and ``dtype``, inputs from ``draw``.

    ``exact``: the inputs are dyadic and every step exact, and the case is kept only if some
    membrane lies exactly on a threshold (with ``every_threshold``: on each threshold; with
    ``edges``: on both edges of a surrogate window); ``rounded``: each step is one correctly
    rounded operation (IF in float32), kept likewise; otherwise the case is kept only if no
    spike changes within the membrane tolerance (and, with ``varied``, the spikes take two
    values or more).

    ``seed``: the string that seeds the draw (empty: the name without its dtype); ``given``:
    input arrays (of ``x``, ``v0``, ``grad_spikes``, ``grad_v``, in ``dtype``) used instead of
    the drawn ones; with a given ``x`` there is no clean-draw retry (refsnn.golden.expected).
    """

    name: str
    description: str
    neuron: Neuron
    dtype: str
    shape: tuple[int, ...]
    draw: Draw
    exact: bool = False
    varied: bool = False
    rounded: bool = False
    every_threshold: bool = False
    edges: bool = False
    seed: str = ""
    given: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def stem(self) -> str:
        """The name without its dtype: both dtypes of a case start from the same draw."""
        return self.name.removesuffix(f"_{self.dtype}")


def build(model: str, params: dict, base: dict, axes: dict, base_model: str = "LIF") -> Neuron:
    """``model`` with ``params``, and the ``axes`` (surrogate, v_reset, detach_reset, compare)
    on its own fields or, if it has a ``neuron`` field, on a ``base_model`` with ``base``
    given there."""
    cls = NEURONS[model]
    names = fields(cls)
    if "neuron" in names:
        return cls(**params, neuron=build(base_model, base, {}, axes))
    missing = [name for name in axes if name not in names]
    if missing:
        raise ValueError(f"model: expected {model} to have the fields {missing} or a `neuron` "
                         "field; add a row for it to refsnn.golden.cases.TABLE, got none")
    return cls(**params, **axes)


def entry(model: str) -> Entry:
    """The model's row of TABLE, or its defaults for a model without one."""
    return TABLE.get(model, Entry())


def cases() -> list[Case]:
    """Every golden case (the grid, the edge cases, then the families of
    refsnn.golden.families); names are unique."""
    from refsnn.golden.families import families

    found = grid() + edges() + families()
    names = [case.name for case in found]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"cases: expected unique names, got duplicates {duplicates}")
    return found


def grid() -> list[Case]:
    """Every model (and variant) x surrogate x reset x detach x dtype."""
    found = []
    for model in NEURONS:
        row = entry(model)
        for variant in (Variant("", {}), *row.variants):
            prefix = "_".join(filter(None, (model.lower(), variant.slug)))
            for surrogate in SURROGATES:
                if variant.surrogates is None or surrogate.name in variant.surrogates:
                    found += _axes_cases(model, prefix, row.params | variant.params,
                                         surrogate(), variant.draw or row.draw)
    return found


def _axes_cases(model: str, prefix: str, params: dict, surrogate, draw: Draw) -> list[Case]:
    """One model setting and surrogate over the reset x detach x dtype axes."""
    found = []
    for reset, v_reset in RESETS.items():
        for detach, detach_reset in DETACH.items():
            axes = {"surrogate": surrogate, "v_reset": v_reset, "detach_reset": detach_reset}
            neuron = build(model, params, entry(model).base, axes)
            stem = f"{prefix}_{surrogate.name}_{reset}_{detach}"
            settings = ", ".join(f"{key}={value!r}" for key, value in params.items())
            text = (f"grid: {model}({settings}), {surrogate.name} surrogate, {reset} reset, "
                    f"reset gradient {detach}")
            found += _dtypes(stem, text, neuron, GRID_SHAPE, draw, varied=True)
    return found


def _dtypes(stem: str, description: str, neuron: Neuron, shape: tuple, draw: Draw,
            dtypes: tuple[str, ...] = DTYPES, **flags) -> list[Case]:
    return [Case(f"{stem}_{dtype}", description, neuron, dtype, shape, draw, **flags)
            for dtype in dtypes]


def edges() -> list[Case]:
    """The edge cases: per model, then the LIF's time-constant and long-run cases."""
    found = []
    for model in NEURONS:
        found += _model_edges(model)
    return found + _lif_edges()


def _model_edges(model: str) -> list[Case]:
    """The edge cases every model gets, with the default sigmoid surrogate: the model's
    defaults (exact leak rates) at a threshold, its row's parameters otherwise."""
    row = entry(model)
    hard, soft = {"v_reset": 0.0}, {"v_reset": None}
    found = []
    for compare, slug in ((">=", "ge"), (">", "gt")):
        neuron = build(model, {}, {}, soft | {"compare": compare})
        found += _edge(f"at_threshold_{slug}", model, f"membranes exactly on a threshold, "
                       f"compare {compare!r}; defaults (leak rate 0 or 1/2), soft reset, dyadic "
                       "inputs (exact arithmetic)", neuron, (8, 6), replace(row.draw, dyadic=True),
                       exact=True)
    found += _edge("v0_above_threshold", model, "v0 in [1.2, 2.4) v_th, soft reset (a membrane "
                   "can stay above threshold after its reset)", build(model, row.params, row.base,
                   soft), GRID_SHAPE, replace(row.draw, v0_low=1.2, v0_high=2.4))
    found += _edge("zero_input", model, "x = 0 everywhere, v0 below threshold, hard reset (the "
                   "leak alone)", build(model, row.params, row.base, hard), GRID_SHAPE,
                   Draw(zero_input=True))
    found += _edge("single_neuron", model, "one neuron: x of shape [T], v0 of shape [], soft "
                   "reset", build(model, row.params, row.base, soft), (12,), row.draw)
    found += _edge("high_rank", model, "x of shape [T, 2, 1, 3, 2], hard reset",
                   build(model, row.params, row.base, hard), (8, 2, 1, 3, 2), row.draw)
    return found


def _edge(slug: str, model: str, text: str, neuron: Neuron, shape: tuple, draw: Draw,
          **flags) -> list[Case]:
    return _dtypes(f"edge_{slug}_{model.lower()}", f"{model}: {text}", neuron, shape, draw,
                   **flags)


def _lif_edges() -> list[Case]:
    """Time constants at both ends (k = 1e-6 and k = 1) and 1000 steps."""
    lif, if_ = NEURONS["LIF"], NEURONS["IF"]
    return [
        *_edge("tau_1e6", "LIF", "tau = 1e6 (k = 1e-6, nearly IF), decay_input=False, soft "
               "reset, compare '>'", lif(tau=1e6, decay_input=False, v_reset=None, compare=">"),
               GRID_SHAPE, Draw(-0.5, 1.0)),
        *_edge("tau_1", "LIF", "tau = 1 (k = 1: H = X + v_reset, no memory), decay_input=True, "
               "hard reset to -0.25 (the leak pulls towards v_reset)",
               lif(tau=1.0, v_reset=-0.25), GRID_SHAPE, Draw(-0.5, 2.0)),
        *_edge("long", "LIF", "T = 1000, two neurons, tau = 3, soft reset",
               lif(tau=3.0, v_reset=None), (1000, 2), Draw(-0.5, 3.0)),
        *_dtypes("edge_long_if", "IF: T = 1000, one neuron, soft reset, compare '>'. float64 "
                 "only: without a leak a float32 rounding error is never forgotten, and the "
                 "bound on what it may accumulate over 1000 steps exceeds the margin of almost "
                 "every draw", if_(v_reset=None, compare=">"), (1000, 1), Draw(-0.5, 1.5),
                 ("float64",)),
    ]
