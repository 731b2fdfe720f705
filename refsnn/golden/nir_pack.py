"""The NIR conformance pack, golden/nir/: NIR graphs and the traces refsnn computes for them
under each discretization preset, stored as NIR's own formats.

Files (written by ``refsnn golden generate``, checked by ``refsnn golden verify``):

    <graph>.nir             the graph (``nir.write``), from refsnn.golden.nir_graphs
    <graph>.<preset>.h5     the expected trace (``nir.write_data``: NIRGraphData): for the
                            Input, Output and stateful nodes (neurons, Delay, Threshold), the
                            node's output as TimeGriddedData ``[B, T, neurons]``, boolean
                            ``spikes`` for spiking nodes; the Input node's is the input
    manifest.json           schema, tolerances, and per case the files' SHA-256

Every preset runs at the graph's own ``dt`` (its time constants are written for it); presets
that are then the same discretization share one trace file (e.g. ``snntorch`` = ``spec`` and
``rockpool`` = ``sinabs`` apart from their default dt), named after the first of them.
Spikes must match exactly; other values within ``atol + rtol |expected|`` (float64).

An implementation checks itself by writing, for each case, its own trace of the graph under
the case's discretization to ``RESULTS/<case>.h5`` (the same nodes and observables) and
running ``refsnn golden verify RESULTS --golden golden/nir``.
"""

from __future__ import annotations

import io as bytes_io
from dataclasses import replace
from pathlib import Path

import numpy as np

from refsnn.golden import io, manifest
from refsnn.golden.nir_graphs import PackGraph, graphs

DIRECTORY = "nir"
SCHEMA_VERSION = 1
TOLERANCE = {"spikes": {"atol": 0.0, "rtol": 0.0}, "output": {"atol": 1e-9, "rtol": 1e-9}}
KEPT = ("IF", "LIF", "CubaLIF", "I", "LI", "CubaLI", "Delay", "Threshold", "Input", "Output")
"""The node types whose outputs a trace holds (stateless layers, and the Input and Output nodes
of nested graphs, are left out to keep the pack small: their outputs follow from the graph)."""


def _nir():
    from refsnn.nir._require import nir

    return nir()


def _bytes(write, obj) -> bytes:
    buffer = bytes_io.BytesIO()
    write(buffer, obj, compression=None)  # contiguous datasets: smaller, and deterministic
    return buffer.getvalue()


def discretizations(dt: float) -> dict[str, tuple[str, ...]]:
    """File key -> the presets that run as the same discretization at ``dt``."""
    from refsnn.nir.discretization import PRESETS

    groups: dict = {}
    for name, preset in PRESETS.items():
        groups.setdefault(replace(preset, dt=dt), []).append(name)
    return {names[0]: tuple(names) for names in groups.values()}


def trace(pack: PackGraph, preset: str):
    """refsnn's NIRGraphData of ``pack`` under ``preset`` at the graph's dt (kept nodes)."""
    from refsnn.nir.discretization import PRESETS
    from refsnn.nir.network import Network

    network = Network(pack.graph, replace(PRESETS[preset], dt=pack.dt))
    recording = network.forward(pack.x, record=True)
    kinds = _kinds(pack.graph)
    kept = {name: {"output": observables["output"]}
            for name, observables in recording.nodes.items()
            if kinds.get(name) in KEPT and not (kinds[name] in ("Input", "Output") and "." in name)}
    return replace(recording, nodes=kept).to_graph_data(nested=False)


def _kinds(graph, prefix: str = "") -> dict[str, str]:
    """Dotted node name -> NIR type name, through nested graphs."""
    kinds = {}
    for name, node in graph.nodes.items():
        if type(node).__name__ == "NIRGraph":
            kinds |= _kinds(node, f"{prefix}{name}.")
        else:
            kinds[prefix + name] = type(node).__name__
    return kinds


def contents() -> tuple[dict[str, bytes], dict]:
    """Every pack file by name (the manifest last) and the manifest document."""
    nir = _nir()
    files, cases = {}, []
    for pack in graphs():
        graph_file = f"{pack.name}.nir"
        files[graph_file] = _bytes(nir.write, pack.graph)
        for key, presets in discretizations(pack.dt).items():
            data = trace(pack, key)
            name = f"{pack.name}.{key}"
            files[f"{name}.h5"] = _bytes(nir.write_data, data)
            cases.append({"name": name, "graph": graph_file,
                          "graph_sha256": io.sha256(files[graph_file]), "trace": f"{name}.h5",
                          "sha256": io.sha256(files[f"{name}.h5"]), "presets": list(presets),
                          "discretization": _discretization(key, pack.dt),
                          "dt": pack.dt, "description": " ".join(pack.description.split()),
                          "observables": _observables(data)})
    document = {"schema_version": SCHEMA_VERSION, "generator": manifest.GENERATOR,
                "tolerances": TOLERANCE, "kept_node_types": list(KEPT),
                "comparison": "per node and observable: same shape; spikes exactly equal; "
                              "output |result - expected| <= atol + rtol |expected|",
                "cases": sorted(cases, key=lambda case: case["name"])}
    files[manifest.NAME] = io.json_bytes(document)
    return files, document


def _discretization(preset: str, dt: float) -> dict:
    from refsnn.nir.discretization import PRESETS

    return replace(PRESETS[preset], dt=dt).as_dict()


def _observables(data) -> dict[str, dict[str, list[int]]]:
    return {node: {key: list(obs.data.shape) for key, obs in node_data.observables.items()}
            for node, node_data in data.nodes.items()}


def is_pack(directory: Path) -> bool:
    """Whether ``directory`` holds a NIR pack manifest (``refsnn golden verify`` dispatches on
    it: ``--golden golden/nir``)."""
    try:
        document = manifest.read_json(directory / manifest.NAME)
    except manifest.GoldenError:
        return False
    return isinstance(document, dict) and "kept_node_types" in document


def load(directory: Path) -> dict:
    """The pack's manifest, checked for its schema, with every file checked against its
    SHA-256 (a problem raises :class:`refsnn.golden.manifest.GoldenError` naming the file)."""
    path = directory / manifest.NAME
    document = manifest.read_json(path)
    if not isinstance(document, dict) or document.get("schema_version") != SCHEMA_VERSION:
        raise manifest.GoldenError(f"{path}: expected a NIR pack manifest of schema_version "
                                   f"{SCHEMA_VERSION}")
    for case in document["cases"]:
        for key, digest in (("graph", "graph_sha256"), ("trace", "sha256")):
            _check_sha(manifest.listed_file(directory, case[key]), case[digest])
    return document


def _check_sha(path: Path, digest: str) -> None:
    found = io.sha256(path.read_bytes())
    if found != digest:
        raise manifest.GoldenError(f"{path}: sha256 {found} does not match the manifest's "
                                   f"{digest}: the file is damaged, truncated or stale")


def read_trace(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """A NIRGraphData file as ``{node: {observable: array}}`` (top-level nodes)."""
    data = _nir().read_data(str(path))
    return {node: {key: obs.data for key, obs in node_data.observables.items()}
            for node, node_data in data.nodes.items()}


def check(case: dict, expected: dict, got: dict) -> str:
    """'' if ``got`` matches ``expected`` under the pack's tolerances, else the first problem."""
    for node, observables in expected.items():
        for key, want in observables.items():
            have = got.get(node, {}).get(key)
            if have is None:
                return f"{node}/{key}: missing"
            have = np.asarray(have)
            if have.shape != want.shape:
                return f"{node}/{key}: shape {list(have.shape)}, expected {list(want.shape)}"
            tol = TOLERANCE["spikes" if want.dtype == bool else "output"]
            error = np.abs(have.astype(np.float64) - want.astype(np.float64))
            off = ~(error <= tol["atol"] + tol["rtol"] * np.abs(want.astype(np.float64)))
            if off.any():
                where = tuple(int(i) for i in np.argwhere(off)[0])
                return (f"{node}/{key}{list(where)}: {have[where]!r}, expected {want[where]!r}"
                        " (index [sample, step, neuron])")
    return ""


def verify(results: Path, golden: Path) -> int:
    """Check ``results/<case>.h5`` against every pack case; print a line per case. Returns 0
    if all pass, else 1."""
    document = load(golden)
    failed = []
    for case in document["cases"]:
        path = results / case["trace"]
        if not path.is_file():
            problem = f"missing result file {path}"
        else:
            try:
                problem = check(case, read_trace(golden / case["trace"]), read_trace(path))
            except Exception as error:  # the implementation's file: a failure, not a crash
                problem = f"unreadable result file {path} ({error})"
        print(f"{case['name']:<28}  {'FAIL  ' + problem if problem else 'pass'}")
        failed += [case["name"]] if problem else []
    print(f"NIR pack: {len(document['cases']) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0
