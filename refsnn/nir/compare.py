"""``refsnn nir compare``: a framework's run of a NIR graph beside refsnn's, node by node, and the
convention that explains each difference.

The reference run is a framework's own importer on the graph (:mod:`refsnn.nir.frameworks`), or
a recorded trace (``nir.NIRGraphData``, e.g. the exporting module's own run, or hardware).
refsnn runs the graph twice, under the framework's preset and under the NIR spec (with the
preset's ``dt``). For every node the report gives ``identical`` or the first divergence: the
step, the neuron (its index after the batch index) and both values. Spiking nodes (IF, LIF,
CubaLIF, Threshold) must match exactly; real-valued ones within ``ATOL + RTOL |value|``, as the
frameworks compute in float32.

When the spec run diverges, refsnn is re-run with the spec's knobs flipped (:data:`FLIPS`: one
knob at a time, then two at a time): the smallest sets of flips under which every node matches
explain the divergence. ``dt`` is tried at the preset steps and at powers of ten around the
given one, which also catches a time constant exported off by a factor of dt (norse#411's
``tau = dt / tau_mem_inv``). A divergence that no set explains is ``unexplained``.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, replace

import numpy as np

from refsnn.nir import frameworks
from refsnn.nir.discretization import PRESETS, Discretization

SPIKING = ("IF", "LIF", "CubaLIF", "Threshold")
ATOL, RTOL = 1e-5, 1e-5
FLIPS = {"compare": (">=", ">"), "reset": ("subtract", "value"), "scheme": ("exact", "euler"),
         "r": ("one", "unscaled", "spec"), "initial": ("leak", "reset", "zero"),
         "current": ("previous", "same")}
"""Knob -> the values tried (each but the spec's own); ``dt`` is added by :func:`_flips`."""


@dataclass(frozen=True)
class Divergence:
    """The first element where two runs of a node differ (``step``, ``neuron`` = the index
    after time, i.e. batch then neuron), with both values; or a shape mismatch."""

    step: int
    neuron: tuple[int, ...]
    reference: float | None
    refsnn: float | None
    problem: str = ""

    def __str__(self) -> str:
        if self.problem:
            return self.problem
        return (f"step {self.step}, neuron {list(self.neuron)}: reference {self.reference:.9g}, "
                f"refsnn {self.refsnn:.9g}")


@dataclass(frozen=True)
class NodeRow:
    """One node: its NIR type, its first divergence from the preset run and from the spec run
    (None: identical), and the knob sets that explain the spec divergence."""

    node: str
    kind: str
    preset: Divergence | None
    spec: Divergence | None
    explained_by: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Report:
    """The comparison of one graph: what ran, and a row per node both runs recorded."""

    reference: str
    preset: str
    discretization: dict
    rows: tuple[NodeRow, ...]
    explained_by: tuple[tuple[str, ...], ...]

    @property
    def unexplained(self) -> bool:
        """A node differs from the spec run and no knob set makes every node match."""
        return any(row.spec is not None for row in self.rows) and not self.explained_by


def first_divergence(kind: str, reference: np.ndarray, got: np.ndarray) -> Divergence | None:
    """Where ``got`` first (in time, then C order) leaves ``reference``; None if it never does."""
    if reference.shape != got.shape and reference.shape[:2] == got.shape[:2]:
        reference = reference.reshape(got.shape) if reference.size == got.size else reference
    if reference.shape != got.shape:
        return Divergence(-1, (), None, None,
                          f"shape: reference {list(reference.shape)}, refsnn {list(got.shape)}")
    if kind in SPIKING:
        off = reference != got
    else:
        off = ~(np.abs(reference - got) <= ATOL + RTOL * np.abs(reference))
    if not off.any():
        return None
    where = np.unravel_index(int(np.argmax(off.reshape(-1))), off.shape)
    return Divergence(int(where[0]), tuple(int(i) for i in where[1:]),
                      float(reference[where]), float(got[where]))


def divergences(graph, reference: dict[str, np.ndarray], got: dict[str, np.ndarray]
                ) -> dict[str, Divergence | None]:
    """:func:`first_divergence` for every node recorded by both runs."""
    return {name: first_divergence(_kind(graph, name), reference[name], got[name])
            for name in sorted(reference.keys() & got.keys())}


def explain(graph, x: np.ndarray, reference: dict[str, np.ndarray], spec: Discretization
            ) -> tuple[tuple[str, ...], ...]:
    """The smallest sets of knob flips from ``spec`` (one knob, else two) under which refsnn
    matches ``reference`` on every node; each flip is written ``knob=value``."""
    flips = _flips(spec)
    for size in (1, 2):
        found = []
        for combo in itertools.combinations(flips, size):
            if len({knob for knob, _ in combo}) < size:
                continue
            disc = replace(spec, **dict(combo))
            if not any(divergences(graph, reference, run_refsnn(graph, x, disc)).values()):
                found.append(tuple(f"{knob}={value}" for knob, value in combo))
        if found:
            return tuple(found)
    return ()


def _flips(spec: Discretization) -> list[tuple[str, object]]:
    """Every (knob, value) different from ``spec``'s: FLIPS, and dt at the presets' steps
    and at dt * 10**k for k in -3..3."""
    dts = {p.dt for p in PRESETS.values() if p.dt} | {spec.dt * 10.0 ** k for k in range(-3, 4)}
    pairs = [(knob, value) for knob, values in FLIPS.items() for value in values]
    pairs += [("dt", dt) for dt in sorted(dts)]
    return [(knob, value) for knob, value in pairs if getattr(spec, knob) != value]


def compare(graph, x: np.ndarray, *, framework: str | None = None,
            reference: dict[str, np.ndarray] | None = None, preset: str | None = None,
            dt: float | None = None) -> Report:
    """Compare refsnn with ``framework``'s importer run on ``x[T, B, ...]`` or with a recorded
    ``reference`` ({node: [T, B, ...]}); refsnn uses ``preset`` (default: the framework's, or
    ``"spec"``) and ``dt`` (default: the preset's)."""
    if (framework is None) == (reference is None):
        raise ValueError("framework: expected exactly one of a framework or a reference trace, "
                         f"got framework={framework!r} and {'a' if reference else 'no'} trace")
    preset = preset or framework or "spec"
    disc = PRESETS[preset].with_dt(dt)
    if disc.dt is None:
        raise ValueError("dt: expected a time step > 0 for a reference trace, got None")
    if framework is not None:
        reference = frameworks.run_import(framework, graph, x, _import_dt(framework, dt))
    spec = replace(PRESETS["spec"], dt=disc.dt)
    at_preset = divergences(graph, reference, run_refsnn(graph, x, disc))
    at_spec = divergences(graph, reference, run_refsnn(graph, x, spec))
    overall = explain(graph, x, reference, spec) if any(at_spec.values()) else ()
    rows = tuple(NodeRow(name, _kind(graph, name), at_preset[name], at_spec[name],
                         overall if at_spec[name] else ()) for name in at_spec)
    source = f"{framework} importer" if framework else "recorded trace"
    return Report(source, preset, disc.as_dict(), rows, overall)


def _import_dt(framework: str, dt: float | None) -> float | None:
    """The dt handed to the framework's importer: the given one where the importer takes one."""
    return dt if frameworks.IMPORT_DT[framework] is not None else None


def run_refsnn(graph, x: np.ndarray, disc: Discretization) -> dict[str, np.ndarray]:
    """refsnn's interpreter on ``graph`` under ``disc``: ``{node: output [T, B, ...]}``."""
    from refsnn.nir.network import Network

    recording = Network(graph, disc).forward(x, record=True)
    return {name: observables["output"] for name, observables in recording.nodes.items()}


def read_trace(path: str) -> dict[str, np.ndarray]:
    """A recorded trace (``nir.write_data``: per node an ``output`` or ``spikes``
    TimeGriddedData ``[B, T, neurons]``) as ``{node: [T, B, neurons]}`` in float64."""
    from refsnn.nir._require import nir

    trace = {}
    for name, node in nir().read_data(path).nodes.items():
        observable = node.observables.get("output", node.observables.get("spikes"))
        if observable is None:
            raise ValueError(f"trace: expected an 'output' or 'spikes' observable for node "
                             f"{name!r} in {path}, got {sorted(node.observables)}")
        trace[name] = np.swapaxes(np.asarray(observable.data, dtype=np.float64), 0, 1)
    return trace


def trace_data(outputs: dict[str, np.ndarray], dt: float, spiking: tuple[str, ...] = ()):
    """``{node: [T, B, ...]}`` (e.g. :func:`refsnn.nir.frameworks.run_module`'s record of the
    exporting module) as ``nir.NIRGraphData`` for ``--trace``, in the layout of
    :meth:`refsnn.nir.Recording.to_graph_data`: ``spikes`` (bool) for the nodes in
    ``spiking``, ``output`` for the others, each ``TimeGriddedData [B, T, neurons]``."""
    from refsnn.nir.network import Recording

    nodes = {name: {"output": values} for name, values in outputs.items()}
    recording = Recording(None, nodes, Discretization(dt=dt), frozenset(spiking))
    return recording.to_graph_data(nested=False)


def _kind(graph, name: str) -> str:
    node = graph.nodes.get(name)
    return type(node).__name__ if node is not None else "?"


def markdown(report: Report, title: str) -> str:
    """The report as a Markdown table, one row per node."""
    lines = [f"# refsnn nir compare: {title}", "",
             f"Reference: {report.reference}. refsnn preset `{report.preset}`: "
             + ", ".join(f"{k}={v}" for k, v in report.discretization.items()) + ".", "",
             "| node | type | vs refsnn preset | vs NIR spec | explained by |",
             "|---|---|---|---|---|"]
    for row in report.rows:
        knobs = "; ".join(", ".join(combo) for combo in row.explained_by)
        lines.append(f"| {row.node} | {row.kind} | {_cell(row.preset)} | {_cell(row.spec)} | "
                     f"{knobs or ('-' if row.spec is None else '**unexplained**')} |")
    lines += ["", verdict(report), ""]
    return "\n".join(lines)


def _cell(divergence: Divergence | None) -> str:
    return "identical" if divergence is None else str(divergence)


def verdict(report: Report) -> str:
    """One line: whether refsnn matches, and with which knobs."""
    if report.unexplained:
        return "UNEXPLAINED: a node differs from the NIR spec run and no knob flip explains it"
    if not report.explained_by:
        return "every node matches the NIR spec run"
    knobs = " or ".join("{" + ", ".join(combo) + "}" for combo in report.explained_by)
    return f"the NIR spec run differs; refsnn matches with {knobs}"


def to_json(report: Report) -> str:
    """The report as JSON (the dataclasses' fields, plus ``unexplained``)."""
    data = asdict(report) | {"unexplained": report.unexplained, "verdict": verdict(report)}
    return json.dumps(data, indent=1, allow_nan=False) + "\n"
