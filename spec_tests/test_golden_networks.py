"""The network golden cases (golden/networks/, docs/golden.md "Network cases").

- the committed files are exactly what ``refsnn golden generate`` writes for the table (bytes),
  their hashes match the manifest, and the network rebuilt from the manifest and the arrays is
  the conformance case's;
- rerun by refsnn's NumPy reference and Numba kernels, every case agrees with its file within
  its tolerances, and ``refsnn golden verify --golden golden/networks`` passes those results;
- verify fails, naming the case, on a flipped spike, a perturbed gradient or a missing weight
  gradient, and accepts a result without the optional neuron-scalar gradients.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from refsnn.cli import main
from refsnn.golden import io, manifest, networks
from refsnn.golden.verify import compare
from refsnn.targets import refsnn as numba_target
from refsnn.targets import refsnn_numpy

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / networks.DIRECTORY


@pytest.fixture(scope="module")
def golden():
    document = networks.load(GOLDEN)
    return document, {e["name"]: manifest.load_case(GOLDEN, e) for e in document["cases"]}


def test_committed_files_are_what_generate_writes():
    files = networks.contents()
    assert sorted(files) == sorted(f"{networks.DIRECTORY}/{p.name}" for p in GOLDEN.iterdir())
    for name, data in files.items():
        assert (GOLDEN.parent / name).read_bytes() == data, \
            f"{name} is out of date: run `refsnn golden generate --force`"


def test_the_network_rebuilt_from_the_manifest_is_the_cases(golden):
    document, arrays = golden
    by_name = {networks.name(case): case for case in networks.cases()}
    assert sorted(by_name) == [entry["name"] for entry in document["cases"]]
    for entry in document["cases"]:
        want = by_name[entry["name"]].data().network
        got = networks.network(entry, arrays[entry["name"]])
        assert got.neurons() == want.neurons()
        assert [type(layer) for layer in got.layers] == [type(layer) for layer in want.layers]
        assert got.arrays().keys() == want.arrays().keys()
        for key, value in want.arrays().items():
            np.testing.assert_array_equal(got.arrays()[key], value)


@pytest.mark.parametrize("target", [refsnn_numpy, numba_target], ids=lambda t: t.NAME)
def test_every_case_recomputes_within_its_tolerances(golden, target):
    document, arrays = golden
    for entry in document["cases"]:
        row = compare(entry, arrays[entry["name"]],
                      networks.results(target, entry, arrays[entry["name"]]))
        assert row.passed, f"{row.name}: {row.problem or row.where} ({row.ratio:.3g} x tol)"


def _results(golden, directory: Path, change=None) -> None:
    """refsnn's (Numba) results for every case in ``directory``, ``change`` applied to them."""
    document, arrays = golden
    for entry in document["cases"]:
        result = networks.results(numba_target, entry, arrays[entry["name"]])
        if change is not None:
            change(entry["name"], result)
        (directory / entry["file"]).write_bytes(io.npz_bytes(result))


def test_verify_passes_refsnn_and_accepts_missing_neuron_scalars(golden, tmp_path, capsys):
    def drop_scalars(name, result):
        for key in [k for k in result if k.endswith(("_v_threshold", "_tau", "_amplitude"))]:
            del result[key]

    _results(golden, tmp_path, drop_scalars)
    assert main(["golden", "verify", str(tmp_path), "--golden", str(GOLDEN)]) == 0
    assert f"{len(golden[0]['cases'])} passed, 0 failed" in capsys.readouterr().out


@pytest.mark.parametrize("what", ["spike", "gradient", "missing weight gradient"])
def test_verify_fails_naming_the_case(golden, tmp_path, capsys, what):
    victim = golden[0]["cases"][0]["name"]

    def plant(name, result):
        if name != victim:
            return
        if what == "spike":
            key = next(k for k in result if k.startswith("spikes_"))
            result[key].flat[0] = 1.0 - result[key].flat[0]
        elif what == "gradient":
            result["grad_x"].flat[0] += 1e-6
        else:
            del result[next(k for k in result if k.endswith("_weight"))]

    _results(golden, tmp_path, plant)
    assert main(["golden", "verify", str(tmp_path), "--golden", str(GOLDEN)]) == 1
    assert f"1 failed: {victim}" in capsys.readouterr().out


def test_an_unknown_layer_type_is_an_error_naming_it(golden):
    document, arrays = golden
    entry = dict(document["cases"][0])
    entry["model"] = {**entry["model"], "layers": [{"type": "Dense"}]}
    with pytest.raises(manifest.GoldenError, match=r"model.layers\[0\].type: expected one of"):
        networks.network(entry, arrays[entry["name"]])
