"""The NIR conformance pack (golden/nir, refsnn.golden.nir_pack): up to date, deterministic,
complete, small, verified, and its tie cases derived by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

nir = pytest.importorskip("nir")

from refsnn.golden import nir_pack  # noqa: E402
from refsnn.golden.manifest import GoldenError  # noqa: E402
from refsnn.golden.nir_graphs import graphs  # noqa: E402
from refsnn.golden.verify import verify  # noqa: E402

PACK = Path(__file__).parent.parent / "golden" / nir_pack.DIRECTORY


@pytest.fixture(scope="module")
def contents():
    return nir_pack.contents()


def test_the_pack_is_up_to_date_and_small(contents):
    files, _ = contents
    on_disk = {path.name for path in PACK.iterdir()}
    assert on_disk == set(files), "golden/nir is out of date: run `refsnn golden generate`"
    assert all((PACK / name).read_bytes() == data for name, data in files.items())
    assert sum(len(data) for data in files.values()) < 1_000_000


def test_every_nir_node_type_is_in_the_pack():
    def kinds(graph):
        found = set()
        for node in graph.nodes.values():
            found |= {type(node).__name__} | (kinds(node) if hasattr(node, "nodes") else set())
        return found

    covered = set().union(*(kinds(pack.graph) for pack in graphs()))
    assert covered == {"Input", "Output", "NIRGraph", "Affine", "Linear", "Scale", "Conv1d",
                       "Conv2d", "SumPool2d", "AvgPool2d", "Flatten", "Delay", "Threshold", "I",
                       "LI", "IF", "LIF", "CubaLI", "CubaLIF"}


def _results(tmp_path: Path) -> Path:
    """refsnn's own traces of every case, as an implementation would write them."""
    results = tmp_path / "results"
    results.mkdir()
    for pack in graphs():
        for key in nir_pack.discretizations(pack.dt):
            nir.write_data(results / f"{pack.name}.{key}.h5", nir_pack.trace(pack, key))
    return results


def test_verify_passes_refsnns_traces_and_names_a_changed_spike(tmp_path, capsys):
    results = _results(tmp_path)
    assert verify(results, PACK) == 0
    data = nir.read_data(str(results / "ties.spec.h5"))
    spikes = data.nodes["if"].observables["spikes"].data
    spikes[0, 1, 0] = True  # the tie at step 1: fires only under >=
    nir.write_data(results / "ties.spec.h5", data)
    (results / "dense.norse.h5").unlink()
    capsys.readouterr()
    assert verify(results, PACK) == 1
    out = capsys.readouterr().out
    assert "ties.spec  " in out and "if/spikes[0, 1, 0]" in out
    assert "dense.norse" in out and "missing result file" in out


def test_a_damaged_pack_file_is_a_golden_error(tmp_path):
    copy = tmp_path / "nir"
    shutil.copytree(PACK, copy)
    (copy / "conv.nir").write_bytes(b"truncated")
    with pytest.raises(GoldenError, match="conv.nir: sha256"):
        verify(tmp_path, copy)


def _spikes(case: str, node: str) -> list[list[int]]:
    """Steps at which each neuron of sample 0 fires, read from the golden trace."""
    data = nir.read_data(str(PACK / f"{case}.h5")).nodes[node].observables["spikes"].data
    return [np.flatnonzero(data[0, :, n]).tolist() for n in range(data.shape[2])]


def test_ties_fire_under_ge_and_not_under_gt():
    # IF, r dt = 1, neuron 0 fed 0.5 a step: v = 0.5, 1.0, 1.5, ... Under > the tie at 1.0 does
    # not fire, 1.5 does (then v = 0): spikes every 3rd step from 2. Under >= it fires at 1.0:
    # every 2nd step from 1. Neuron 1 is fed 1.0 at steps 0, 3, 6, 9 (no leak): under >,
    # v = 1 (tie), 1, 1, 2 (fires at 3), 0, 0, 1 (tie at 6), 1, 1, 2 (fires at 9); under >=
    # every feed lands on 1 from 0 and fires.
    assert _spikes("ties.spec", "if") == [[2, 5, 8, 11], [3, 9]]
    assert _spikes("ties.spikingjelly", "if") == [[1, 3, 5, 7, 9, 11], [0, 3, 6, 9]]
    # LIF, dt/tau = 0.5 and r dt/tau = 1: v = v/2 + x. Neuron 1 (x = 1 at steps 0, 3, 6, 9):
    # v = 1 (tie), .5, .25, 1.125 (fires), 0, 0, 1 (tie), .5, .25, 1.125 (fires) under >;
    # under >= every feed lands on 1 from v = 0 and fires. Neuron 0 (x = 0.5 a step) tends to
    # 1 from below and never reaches it.
    assert _spikes("ties.spec", "lif") == [[], [3, 9]]
    assert _spikes("ties.spikingjelly", "lif") == [[], [0, 3, 6, 9]]
    # Threshold(1) on x: only neuron 1 reaches 1, exactly: never > 1, always >= 1.
    assert _spikes("ties.spec", "threshold") == [[], []]
    assert _spikes("ties.spikingjelly", "threshold") == [[], [0, 3, 6, 9]]


def test_refsnn_golden_generate_writes_the_pack_beside_the_neuron_cases(tmp_path):
    from refsnn.cli import main

    assert main(["golden", "generate", "--out", str(tmp_path)]) == 0
    assert {p.name for p in (tmp_path / "nir").iterdir()} == {p.name for p in PACK.iterdir()}
    assert (tmp_path / "nir" / "manifest.json").read_bytes() == \
        (PACK / "manifest.json").read_bytes()
