"""refsnn fuzz (docs/fuzz.md): silent on refsnn's own targets, finds and shrinks planted bugs,
writes reproducers that run, is deterministic, and names examples like the conformance cases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from refsnn import IF, cli, targets
from refsnn.conformance.cases import CASES
from refsnn.conformance.expectations import parse
from refsnn.fuzz import family, search, write
from refsnn.golden import io, manifest
from tests.planted import compare_gt, drops_v_reset

ROOT = Path(__file__).parents[1]
KINDS = ("IF-", "LIF-", "PLIF-", "Ternary-", "MultiThreshold-", "MTNeuron-")


@pytest.mark.parametrize("name", ["refsnn_numpy", "refsnn"])
def test_refsnn_targets_show_nothing(name):
    result = search.run(targets.load(name), (), 40, seed=0)
    assert result.examples == 40
    assert result.findings == []


@pytest.mark.parametrize("planted, first", [(compare_gt, {"spikes"}),
                                             (drops_v_reset, {"spikes", "h", "v"})])
def test_a_planted_bug_is_found_and_shrunk(planted, first):
    result = search.run(planted, (), 100, seed=0, max_findings=1)
    [finding] = result.findings
    assert finding.judgement.mismatches[0].quantity in first
    # shrunk: one neuron for one or two steps is all either bug needs (e.g. '>' for '>=': an
    # input of exactly one threshold; a dropped v_reset: one spike of a hard-reset neuron)
    assert finding.data.x.shape[0] <= 2 and finding.data.x[0].size == 1


def test_the_reproducer_runs_and_shows_the_difference(tmp_path):
    [finding] = search.run(compare_gt, (), 100, seed=0, max_findings=1).findings
    paths = write.write(tmp_path, compare_gt, [finding])
    script = next(p for p in paths if p.suffix == ".py")
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "spikes  error 1  DIFFERS" in done.stdout
    case = io.read_npz(next(p for p in paths if p.suffix == ".npz").read_bytes())
    assert set(manifest.INPUTS + manifest.OUTPUTS) <= set(case)
    assert np.array_equal(case["x"], finding.data.x)
    with pytest.raises(FileExistsError, match="pass --force"):
        write.write(tmp_path, compare_gt, [finding])


def test_a_run_is_a_function_of_its_seed():
    runs = [search.run(drops_v_reset, (), 30, seed=7, max_findings=1) for _ in range(2)]
    summary = [[(f.judgement.case_id, f.example, f.data.x.tobytes()) for f in r.findings]
               for r in runs]
    assert summary[0] == summary[1] and summary[0]


def test_listed_disagreements_are_counted_not_reported():
    entries = parse("\n".join(f"{k} | spikes, h, v, grad_* | 1e9 | planted" for k in KINDS))
    result = search.run(compare_gt, entries, 100, seed=0)
    assert result.findings == []
    assert sum(count for _, count in result.known.values()) > 0


def test_ids_follow_the_conformance_table():
    """The fuzzer's id of each table case's neuron and inputs is the case's own id (but for
    the authors' ternary neuron and the explicit default surrogate of the sweep)."""
    for case in CASES:
        if "official" in case.id or "~sigmoid(4)" in case.id:
            continue
        assert family.neuron_id(case.neuron) == case.id.split("/")[0]
        assert family.inputs_id(case.neuron, case.data()) == case.draw.name, case.id


def test_cli_exit_status_and_bad_arguments(tmp_path, capsys):
    assert cli.main(["fuzz", "--target", "refsnn_numpy", "--max-examples", "5"]) == 0
    assert "5 examples drawn, 0 unlisted" in capsys.readouterr().out
    missing = tmp_path / "missing.txt"
    assert cli.main(["fuzz", "--expectations", str(missing), "--max-examples", "1"]) == 2
    assert f"expectations: expected an existing file, got {missing}" in capsys.readouterr().err
    assert cli.main(["fuzz", "--target", "nosuch"]) == 2
    assert "target: expected a built-in name" in capsys.readouterr().err


def test_the_cli_fuzzes_a_target_given_as_a_file(capsys):
    """An outside target by path (refsnn.targets.load): its planted bug is a finding."""
    path = str(Path(compare_gt.__file__))
    assert cli.main(["fuzz", "--target", path, "--max-examples", "100", "--seed", "0"]) == 1
    out = capsys.readouterr().out
    assert "finding 1 " in out and ": 0 unlisted" not in out


def test_examples_reach_every_threshold_level():
    """The drawn increments include exactly each level of a MultiThreshold (in thresholds)."""
    from hypothesis import find, settings

    from refsnn.fuzz.draw import inputs
    from refsnn.neurons import MultiThreshold

    neuron = MultiThreshold(neuron=IF(v_reset=None, v_threshold=0.75), levels=3)
    for level in (1.0, 2.0, 3.0):
        data = find(inputs(neuron), lambda d, lv=level: np.any(d.x == lv * 0.75),
                    settings=settings(database=None, max_examples=500))
        assert np.any(data.x == level * 0.75)
