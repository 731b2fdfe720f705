"""NIR graphs through the peers' own exporters and importers, set beside refsnn's interpreter.

Every case builds a graph (with a framework's exporter, or by hand), runs a reference (the
exporting module itself, or a framework's importer) and refsnn's ``nir compare`` on it. What
each case gives is listed in tests/expectations/nir_peers.txt, strictly: a case whose
outcome changes (an upstream fix included) fails until the line is updated, so the change is
noticed. A case of a framework that is not installed is skipped.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

nir = pytest.importorskip("nir")

from refsnn.nir import compare, frameworks  # noqa: E402

EXPECTATIONS = Path(__file__).parent / "expectations" / "nir_peers.txt"
T, B = 24, 2


def _read(graph):
    """``graph`` through ``nir.write`` and ``nir.read``, as a user receives it (the exporters
    leave torch tensors in the nodes; reading gives NumPy arrays)."""
    buffer = io.BytesIO()
    nir.write(buffer, graph)
    return nir.read(io.BytesIO(buffer.getvalue()))


def _x(n_in: int, high: float, seed: int = 5) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, high, (T, B, n_in))


def _need(*names: str) -> None:
    for name in names:
        reason = frameworks.missing(name)
        if reason:
            pytest.skip(reason)


def _exported(framework: str, x: np.ndarray, **options):
    """(graph, x, the module's own run) for a network built and exported by ``framework``."""
    _need(framework)
    module = frameworks.BUILD[framework](x.shape[-1], (3, 2), **options)
    graph = _read(frameworks.EXPORT[framework](module, x.shape[-1]))
    return graph, frameworks.run_module(framework, module, x)


def _tie_if() -> tuple:
    """NIR IF with r = 1/dt = 1e4 (SpikingJelly's export convention at dt = 1e-4), v_threshold
    1, fed 0.5 a step: v = 0.5, then 1.0 exactly (1e4 * 1e-4 rounds to 1.0), a tie."""
    nodes = {"input": nir.Input(input_type={"input": np.array([2])}),
             "neuron": nir.IF(r=np.full(2, 1e4), v_threshold=np.ones(2), v_reset=np.zeros(2)),
             "output": nir.Output(output_type={"output": np.array([2])})}
    graph = nir.NIRGraph(nodes, [("input", "neuron"), ("neuron", "output")])
    return graph, np.full((12, 1, 2), 0.5)


def _lif_graph(tau: float, r: float, v_reset: float) -> tuple:
    """Input(3) -> Affine -> LIF(tau, r, v_reset) -> Output, fixed weights."""
    weight = np.array([[1.0, -0.5, 0.75], [0.25, 1.0, -0.25], [0.5, 0.5, 0.5]])
    nodes = {"input": nir.Input(input_type={"input": np.array([3])}),
             "affine": nir.Affine(weight=weight, bias=np.zeros(3)),
             "lif": nir.LIF(tau=np.full(3, tau), r=np.full(3, r), v_leak=np.zeros(3),
                            v_threshold=np.ones(3), v_reset=np.full(3, v_reset)),
             "output": nir.Output(output_type={"output": np.array([3])})}
    return nir.NIRGraph(nodes, [("input", "affine"), ("affine", "lif"), ("lif", "output")])


def case_snntorch_export(reset: str, reset_delay: bool, high: float = 1.0, **options):
    x = _x(4, high)
    graph, own = _exported("snntorch", x, reset=reset, reset_delay=reset_delay, **options)
    return compare.compare(graph, x, reference=own, preset="snntorch")


def case_norse_export(patch_tau: bool = False, **options):
    """A Norse network and its export; ``patch_tau`` divides every exported time constant by
    dt, giving 1 / tau_mem_inv, what norse#411 says the exporter should write."""
    x = _x(4, 12.0)
    graph, own = _exported("norse", x, dt=1e-3, **options)
    if patch_tau:
        for name, node in graph.nodes.items():
            if isinstance(node, nir.LIF):
                graph.nodes[name] = nir.LIF(tau=node.tau / 1e-3, r=node.r, v_leak=node.v_leak,
                                            v_threshold=node.v_threshold, v_reset=node.v_reset)
    return compare.compare(graph, x, reference=own, preset="norse")


def case_spikingjelly_export(**options):
    x = _x(4, 3.0)
    graph, own = _exported("spikingjelly", x, **options)
    return compare.compare(graph, x, reference=own, preset="spikingjelly")


def case_rockpool_export(max_spikes_per_dt: float | None):
    x = _x(4, 3.0)
    graph, own = _exported("rockpool", x, max_spikes_per_dt=max_spikes_per_dt)
    return compare.compare(graph, x, reference=own, preset="rockpool")


def case_rockpool_raw_export():
    """Rockpool's export as it comes (its Output type unrepaired)."""
    _need("rockpool")
    x = _x(4, 3.0)
    module = frameworks.build_rockpool(4, (3, 2))
    graph = _read(frameworks.export_rockpool(module, 4, repair=False))
    return compare.compare(graph, x, reference=frameworks.run_module("rockpool", module, x),
                           preset="rockpool")


def case_import(framework: str, source: str, dt: float | None = None, **options):
    """``framework``'s importer on a graph exported by ``source``."""
    _need(framework)
    x = _x(4, 1.5 if source not in ("spikingjelly", "rockpool") else 3.0)
    graph, _ = _exported(source, x, **options)
    return compare.compare(graph, x, framework=framework, dt=dt)


def case_import_graph(framework: str, graph, x, dt: float | None = None):
    _need(framework)
    return compare.compare(graph, x, framework=framework, dt=dt)


CASES = {
    "snntorch/export/leaky-zero": lambda: case_snntorch_export("zero", True),
    "snntorch/export/leaky-subtract": lambda: case_snntorch_export("subtract", True),
    "snntorch/export/leaky-subtract-nodelay": lambda: case_snntorch_export("subtract", False),
    "snntorch/export/leaky-subtract-nodelay-strong": lambda: case_snntorch_export(
        "subtract", False, high=1.5),
    "snntorch/export/synaptic-zero": lambda: case_snntorch_export("zero", True, alpha=0.5),
    "snntorch/export/synaptic-zero-nodelay": lambda: case_snntorch_export(
        "zero", False, alpha=0.5),
    "snntorch/export/rleaky": lambda: case_snntorch_export(
        "zero", False, recurrent_bias=True),
    "snntorch/export/rleaky-nobias": lambda: case_snntorch_export(
        "zero", False, recurrent_bias=False),
    "norse/export/lifbox": case_norse_export,
    "norse/export/lifbox-tau-patched": lambda: case_norse_export(patch_tau=True),
    "norse/export/lifcell": lambda: case_norse_export(tau_syn_inv=200.0),
    "spikingjelly/export/lif": lambda: case_spikingjelly_export(decay_input=True),
    "spikingjelly/export/lif-nodecay": lambda: case_spikingjelly_export(decay_input=False),
    "spikingjelly/export/lif-soft": lambda: case_spikingjelly_export(v_reset=None),
    "spikingjelly/export/cubalif": lambda: case_spikingjelly_export(c_decay=0.5),
    "snntorch/import/snntorch-graph": lambda: case_import("snntorch", "snntorch"),
    "snntorch/import/rleaky-graph": lambda: case_import(
        "snntorch", "snntorch", recurrent_bias=False),
    "snntorch/import/cubalif-graph": lambda: case_import(
        "snntorch", "spikingjelly", c_decay=0.5),
    "snntorch/import/if-tie": lambda: case_import_graph("snntorch", *_tie_if()),
    "norse/import/snntorch-graph": lambda: case_import("norse", "snntorch", dt=1e-4),
    "norse/import/spikingjelly-graph": lambda: case_import("norse", "spikingjelly", dt=1e-4),
    "norse/import/cubalif-graph": lambda: case_import(
        "norse", "spikingjelly", dt=1e-4, c_decay=0.5),
    "norse/import/v-reset": lambda: case_import_graph(
        "norse", _lif_graph(4e-3, 1.0, -0.5), _x(3, 3.0), dt=1e-3),
    "spikingjelly/import/snntorch-graph": lambda: case_import("spikingjelly", "snntorch"),
    "spikingjelly/import/cubalif-graph": lambda: case_import(
        "spikingjelly", "spikingjelly", c_decay=0.5),
    "spikingjelly/import/if-tie": lambda: case_import_graph("spikingjelly", *_tie_if()),
    "sinabs/import/lif-steps": lambda: case_import_graph(
        "sinabs", _lif_graph(5.0, 1.0, 0.0), _x(3, 1.5)),
    "sinabs/import/cubalif-graph": lambda: case_import("sinabs", "spikingjelly", c_decay=0.5),
    "sinabs/import/if-tie": lambda: case_import_graph("sinabs", *_tie_if()),
    "rockpool/export/lif": lambda: case_rockpool_export(None),
    "rockpool/export/lif-binary": lambda: case_rockpool_export(1.0),
    "rockpool/export/unrepaired": case_rockpool_raw_export,
    "rockpool/import/rockpool-graph": lambda: case_import("rockpool", "rockpool"),
    "rockpool/import/cubalif-graph": lambda: case_import(
        "rockpool", "spikingjelly", c_decay=0.5),
    "rockpool/import/snntorch-graph": lambda: case_import("rockpool", "snntorch"),
}


def outcome(report: compare.Report) -> tuple[str, str]:
    """(vs the framework's preset, vs the NIR spec) as the expectations file writes them."""
    preset = "identical" if all(row.preset is None for row in report.rows) else "differs"
    if all(row.spec is None for row in report.rows):
        return preset, "identical"
    if report.unexplained:
        return preset, "unexplained"
    return preset, " or ".join(", ".join(combo) for combo in report.explained_by)


def expectations() -> dict[str, tuple[str, str]]:
    """``case | vs preset | vs NIR spec | reason`` lines of the expectations file."""
    found = {}
    for line in EXPECTATIONS.read_text().splitlines():
        if line.split("#")[0].strip():
            case, preset, spec, _reason = (field.strip() for field in line.split("|", 3))
            found[case] = (preset, spec)
    return found


def test_every_case_is_listed_once_and_every_line_is_a_case():
    listed = expectations()
    assert sorted(listed) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_gives_what_the_expectations_file_lists(case):
    try:
        got = outcome(CASES[case]())
    except (AssertionError, ValueError, NotImplementedError, AttributeError, KeyError) as error:
        got = ("raises", type(error).__name__)
    assert got == expectations()[case], f"{case}: {got}, listed {expectations()[case]}"


# --- refsnn nir compare: divergences and knobs ------------------------------------------------

def test_first_divergence_is_the_earliest_step_then_c_order():
    reference = np.zeros((4, 2, 3))
    got = reference.copy()
    got[3, 0, 0] = 1.0
    got[2, 1, 2] = 1.0  # earlier in time, later in the neuron order: this one is first
    found = compare.first_divergence("LIF", reference, got)
    assert (found.step, found.neuron, found.reference, found.refsnn) == (2, (1, 2), 0.0, 1.0)
    assert compare.first_divergence("LIF", reference, reference.copy()) is None
    flat = compare.first_divergence("LIF", reference.reshape(4, 2, 3, 1), got)  # same size
    assert (flat.step, flat.neuron) == (2, (1, 2))
    other = compare.first_divergence("LIF", reference[:, :, :2], got)
    assert str(other) == "shape: reference [4, 2, 2], refsnn [4, 2, 3]"


def test_real_values_allow_float32_rounding_and_spikes_allow_nothing():
    reference = np.full((2, 1, 1), 0.1)
    rounded = reference.astype(np.float32).astype(np.float64)  # |error| 1.5e-9
    assert compare.first_divergence("Affine", reference, rounded) is None
    assert compare.first_divergence("Affine", reference, reference + 1e-4) is not None
    assert compare.first_divergence("Threshold", reference, rounded) is not None


def test_the_flips_change_one_knob_and_try_dt_around_the_given_one():
    spec = compare.PRESETS["spec"].with_dt(1e-3)
    flips = compare._flips(spec)
    assert all(getattr(spec, knob) != value for knob, value in flips)
    dts = sorted(value for knob, value in flips if knob == "dt")
    assert 1e-6 in dts and 1.0 in dts and 1e-4 in dts and 1e-3 not in dts
    assert ("compare", ">=") in flips and ("r", "one") in flips and ("reset", "subtract") in flips


# --- refsnn nir compare, the command ---------------------------------------------------------

def _files(tmp_path):
    graph, x = _tie_if()
    nir.write(tmp_path / "tie.nir", graph)
    np.save(tmp_path / "tie.npy", x)
    return graph, x, str(tmp_path / "tie.nir"), str(tmp_path / "tie.npy")


def _trace(tmp_path, graph, x, flip: bool) -> str:
    """refsnn's own NIR-spec run at dt 1e-4 as a trace file; ``flip`` moves the IF's first
    spike (step 2 under >: v = 0.5, 1.0, 1.5) one step later, which no knob gives."""
    from refsnn.nir import load

    recording = load(graph, dt=1e-4).forward(x, record=True)
    if flip:
        spikes = recording.nodes["neuron"]["output"]
        assert spikes[2, 0, 0] == 1 and spikes[3, 0, 0] == 0
        spikes[2:4, 0, 0] = [0, 1]
    path = tmp_path / ("flipped.h5" if flip else "trace.h5")
    nir.write_data(path, recording.to_graph_data(nested=False))
    return str(path)


def test_compare_command_names_spikingjellys_tie_rule(tmp_path, capsys):
    from refsnn.cli import main

    _need("spikingjelly")
    _, _, graph, x = _files(tmp_path)
    assert main(["nir", "compare", graph, "--input", x, "--framework", "spikingjelly"]) == 0
    out = capsys.readouterr().out
    assert "| neuron | IF | identical | step 1, neuron [0, 0]: reference 1, refsnn 0 | " \
        "compare=>= |" in out


def test_compare_command_with_a_trace_json_and_the_unexplained_exit_status(tmp_path, capsys):
    import json

    from refsnn.cli import main

    graph, x, graph_file, x_file = _files(tmp_path)
    same = _trace(tmp_path, graph, x, flip=False)
    args = ["nir", "compare", graph_file, "--input", x_file, "--dt", "1e-4", "--format", "json"]
    assert main([*args, "--trace", same]) == 0
    report = json.loads(capsys.readouterr().out)
    assert not report["unexplained"] and all(row["spec"] is None for row in report["rows"])
    assert main([*args, "--trace", _trace(tmp_path, graph, x, flip=True)]) == 1
    report = json.loads(capsys.readouterr().out)
    row = next(row for row in report["rows"] if row["node"] == "neuron")
    assert report["unexplained"] and row["spec"]["step"] == 2 and row["spec"]["reference"] == 0


def test_a_module_trace_written_for_the_command_reads_back_the_same(tmp_path):
    _need("norse")
    x = _x(4, 12.0)
    _, own = _exported("norse", x, dt=1e-3)
    nir.write_data(tmp_path / "own.h5", compare.trace_data(own, 1e-3, spiking=("1", "3")))
    back = compare.read_trace(str(tmp_path / "own.h5"))
    assert sorted(back) == sorted(own)
    assert all(np.array_equal(back[name], own[name]) for name in own)


def test_compare_command_bad_input_is_one_line_and_out_is_not_overwritten(tmp_path, capsys):
    from refsnn.cli import main

    graph, x, graph_file, x_file = _files(tmp_path)
    assert main(["nir", "compare", graph_file, "--input", x_file]) == 2
    assert capsys.readouterr().err.strip().endswith("got neither")
    out = tmp_path / "report.md"
    out.write_text("keep")
    trace = _trace(tmp_path, graph, x, flip=False)
    args = ["nir", "compare", graph_file, "--input", x_file, "--dt", "1e-4", "--trace", trace]
    assert main([*args, "--out", str(out)]) == 2 and out.read_text() == "keep"
    assert main([*args, "--out", str(out), "--force"]) == 0
    assert out.read_text().startswith("# refsnn nir compare:")
