"""refsnn convert: the experiment (seeded, the exact method equal to its ANN at every T), its
saved and reloaded ANNs, the table, the JSON, the plot and the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from refsnn.cli import main
from refsnn.convert import ann as anns
from refsnn.convert import experiment, report

pytest.importorskip("sklearn", reason="the data extra (scikit-learn) is not installed")

QUICK = dict(data="digits", steps=(1, 2), epochs=1, hidden=(32,),
             methods=("max-norm", "paper", "paper -ICE", "paper -ASG +CTT"))


@pytest.fixture(scope="module")
def results():
    return experiment.run(experiment.Config(**QUICK), progress=False)


def test_the_exact_method_scores_its_ann_at_every_T(results):
    """VR + ASG with T equal to the ANN's window: the SNN's logits are the ANN's, so their
    accuracies are equal (not merely close) at every T; likewise without ICE."""
    for t in QUICK["steps"]:
        assert results.snn["paper"][t] == results.ann["ANN, CQ + ICE"][t]
        assert results.snn["paper -ICE"][t] == results.ann["ANN, CQ"][t]
    assert set(results.ann["ANN, ReLU"]) == {0}  # one ReLU ANN, whatever T
    for row in results.snn.values():
        assert all(0.0 <= v[0] <= 1.0 for v in row.values())


def test_the_experiment_is_seeded(results):
    again = experiment.run(experiment.Config(**QUICK), progress=False)
    assert again.to_json() == results.to_json()


def test_table_has_a_row_per_ann_and_method(results):
    text = report.table(results)
    lines = text.splitlines()
    assert lines[0] == "| | T = 1 | T = 2 |"
    names = [line.split("|")[1].strip() for line in lines[2:]]
    assert names == ["ANN, ReLU", "ANN, CQ + ICE", "ANN, CQ", *QUICK["methods"]]
    paper = next(line for line in lines if line.startswith("| paper |"))
    assert paper.split("|")[2].strip() == f"{100 * results.snn['paper'][1][0]:.1f}"


def test_saved_anns_reload_with_the_same_outputs(tmp_path):
    """Each trained ANN is saved; --reuse loads it instead of training (same results), and
    refuses a file trained with other settings."""
    config = experiment.Config(**QUICK | {"steps": (2,), "methods": ("paper",)})
    first = experiment.run(config, progress=False, ann_dir=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["digits-mlp-cq-ice-T2-seed0.npz"]
    net, meta = anns.load(tmp_path / files[0])
    assert meta["activation"] == {"kind": "cq", "steps": 2, "levels": 3, "expand_input": True}
    x = np.random.default_rng(0).uniform(0, 1, (5, 1, 8, 8))
    assert anns.predict(net, x).shape == (5, 10)
    again = experiment.run(config, progress=False, ann_dir=tmp_path, reuse=True)
    assert again.to_json() == first.to_json()
    with pytest.raises(FileExistsError, match="exists"):
        experiment.run(config, progress=False, ann_dir=tmp_path)
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="not a refsnn state file"):
        anns.load(tmp_path / "plain.npz")
    other = experiment.Config(**QUICK | {"steps": (2,), "methods": ("paper",), "epochs": 2})
    with pytest.raises(ValueError, match="other settings"):
        experiment.run(other, progress=False, ann_dir=tmp_path, reuse=True)


def test_cli_runs_and_writes_its_files(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    args = ["convert", "--T", "1,2", "--epochs", "1", "--hidden", "16", "--methods",
            "paper,max-norm", "--out", str(out), "--plot", "--quiet"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "| paper |" in printed and "| max-norm |" in printed
    saved = json.loads((out / "results.json").read_text())
    assert saved["config"]["steps"] == [1, 2] and set(saved["snn"]) == {"paper", "max-norm"}
    assert (out / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(args) == 2  # the outputs exist: refused without --force
    assert "exists" in capsys.readouterr().err
    assert main([*args, "--force", "--reuse"]) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--T", "0"], "steps[0]"),
    (["--plot"], "--out"),
    (["--ceiling", "-1"], "ceiling"),
    (["--tau", "0.5"], "tau"),
    (["--pool-every", "0"], "pool_every"),
])
def test_cli_bad_values_exit_2_naming_them(args, message, capsys):
    assert main(["convert", "--epochs", "1", "--quiet", *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_unknown_method_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["convert", "--methods", "paper,nope"])
    assert exit_info.value.code == 2
    assert "unknown method(s) ['nope']" in capsys.readouterr().err
