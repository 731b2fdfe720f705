"""refsnn sweep: grid files, resumable runs on dask.distributed, the aggregate report."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from refsnn.cli import main
from refsnn.sweep import grid, report, runner

pytest.importorskip("dask.distributed")
pytest.importorskip("sklearn")  # the digits dataset

TINY = {"command": "train",
        "base": {"data": "digits", "epochs": 1, "hidden": [8], "batch": 256},
        "axes": {"neuron": ["LIF", "Ternary"], "seed": [0, 1]}}


def tiny_grid(**axes) -> grid.Grid:
    return grid.parse(TINY | {"axes": TINY["axes"] | axes})


# --- grid files --------------------------------------------------------------------------

def test_every_combination_is_one_run_with_the_cli_s_config():
    runs = tiny_grid().runs()
    assert [r.axes for r in runs] == [{"neuron": n, "seed": s}
                                      for n in ("LIF", "Ternary") for s in (0, 1)]
    assert runs[0].argv == ("--data", "digits", "--epochs", "1", "--hidden", "8", "--batch",
                            "256", "--neuron", "LIF", "--seed", "0")
    config = runs[3].config
    assert (config["neuron"], config["seed"], config["hidden"], config["steps"]) == \
        ("Ternary", 1, [8], 4)  # T = 4 is refsnn train's default


def test_run_keys_are_stable_and_distinct():
    first, second = tiny_grid().runs(), tiny_grid().runs()
    assert [r.key for r in first] == [r.key for r in second]
    assert len({r.key for r in first}) == len(first)
    # the key is of the full configuration: spelling an option's default changes nothing
    explicit = grid.parse(TINY | {"base": TINY["base"] | {"T": 4}}).runs()
    assert [r.key for r in explicit] == [r.key for r in first]


def test_flags_lists_and_dashes_become_cli_words():
    assert grid.words({"weight_decay": 0.1, "channels": [4, 8], "flag": True, "off": False}) == \
        ["--weight-decay", "0.1", "--channels", "4,8", "--flag"]


def test_a_bundle_sets_its_options_together():
    """MTNeuron's modes beside the other neurons: one axis, a table per bundled value; each
    mode is its own configuration (its own key) and its own report row."""
    mt = [{"neuron": "MTNeuron", "mode": m} for m in ("parallel", "cascade")]
    runs = tiny_grid(neuron=["LIF", *mt], seed=[0]).runs()
    assert [(r.config["neuron"], r.config["mode"]) for r in runs] == \
        [("LIF", None), ("MTNeuron", "parallel"), ("MTNeuron", "cascade")]
    assert runs[2].argv[-6:] == ("--neuron", "MTNeuron", "--mode", "cascade", "--seed", "0")
    assert len({r.key for r in runs}) == 3
    results = [{"command": "train", "axes": r.axes,
                "result": {"config": {"steps": 4}, "final": {"test_accuracy": 0.5}}}
               for r in runs]
    assert [label for label, _ in report.cells(results)] == \
        ["neuron=LIF", "neuron=MTNeuron mode=parallel", "neuron=MTNeuron mode=cascade"]
    with pytest.raises(ValueError, match="mode: expected None for neuron 'LIF'"):
        tiny_grid(neuron=[{"neuron": "LIF", "mode": "cascade"}]).runs()


@pytest.mark.parametrize("document, message", [
    ({"command": "nope"}, "command: expected one of ('train', 'convert'), got 'nope'"),
    (TINY | {"extra": 1}, "unknown top-level keys ['extra']"),
    (TINY | {"axes": {"seed": []}}, "axes.seed: expected a non-empty list"),
    (TINY | {"axes": {"seed": 3}}, "axes.seed: expected a non-empty list"),
    (TINY | {"base": {"out": "x"}}, "out: set by the sweep itself"),
    (TINY | {"axes": {"epochs": [1, 2]}}, "'epochs' set by both [base] and axes.epochs"),
    (TINY | {"axes": {"neuron": [{"neuron": "LIF", "seed": 1}], "seed": [0]}},
     "'seed' set by both axes.neuron and axes.seed"),
    (TINY | {"axes": {"neuron": [{"threads": 2}]}}, "threads: set by the sweep itself"),
    (TINY | {"axes": {"weight_decay": [0.1], "hp": [{"weight-decay": 0.2}]}},
     "'weight-decay' set by both axes.weight_decay and axes.hp"),
])
def test_a_bad_grid_is_one_line_naming_what_is_wrong(document, message):
    with pytest.raises(ValueError, match="^grid: ") as error:
        grid.parse(document)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_run_the_cli_refuses_is_named_before_anything_runs():
    with pytest.raises(ValueError, match=r"the run \{'neuron': 'Nope'"):
        grid.parse(TINY | {"axes": {"neuron": ["LIF", "Nope"]}}).runs()
    with pytest.raises(ValueError, match="epochs: expected an integer >= 1"):
        grid.parse(TINY | {"base": TINY["base"] | {"epochs": 0}}).runs()


def test_convert_runs_take_one_seed_each():
    document = {"command": "convert", "base": {"seeds": [0, 1]}}
    with pytest.raises(ValueError, match="seeds: expected one seed per sweep run"):
        grid.parse(document).runs()


def test_a_grid_file_that_is_not_toml_is_one_line(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text("command = ")
    with pytest.raises(ValueError, match="is not valid TOML"):
        grid.load(path)
    with pytest.raises(ValueError, match="expected a readable TOML file"):
        grid.load(tmp_path / "missing.toml")


# --- the report --------------------------------------------------------------------------

def test_cells_average_over_the_seed_only():
    def result(neuron, seed, accuracy):
        return {"command": "train", "axes": {"neuron": neuron, "seed": seed},
                "result": {"config": {"steps": 2}, "final": {"test_accuracy": accuracy}}}
    grouped = report.cells([result("LIF", 0, 0.5), result("LIF", 1, 0.75),
                            result("Ternary", 0, 0.25)])
    assert grouped == {("neuron=LIF", 2): [50.0, 75.0], ("neuron=Ternary", 2): [25.0]}
    # sample std of {50, 75}: sqrt(((50-62.5)^2 + (75-62.5)^2) / 1) = 17.677...
    assert report.statistics([50.0, 75.0]) == {"mean": 62.5, "std": pytest.approx(17.67767),
                                               "n": 2}
    assert "| neuron=LIF | 62.5 +- 17.7 (2) |" in report.table(grouped)


def test_the_report_rows_follow_the_grid_order(tmp_path, capsys):
    """Given the grid's run keys, rows come in the grid's order (here the reverse of the key
    order); runs the grid does not list come after them; the CLI passes a grid file's order."""
    grid_file = tmp_path / "grid.toml"
    grid_file.write_text('command = "train"\n[base]\ndata = "digits"\n'
                         '[axes]\nneuron = ["Ternary", "LIF"]\nseed = [0, 1]\n')
    runs = grid.load(grid_file).runs()
    out = tmp_path / "sweep"
    for i, run in enumerate(sorted(runs, key=lambda r: r.key)):
        document = {"command": "train", "axes": run.axes,
                    "result": {"config": {"steps": 1}, "final": {"test_accuracy": i / 10}}}
        (out / "runs" / run.key).mkdir(parents=True)
        (out / "runs" / run.key / runner.RESULT).write_text(json.dumps(document))
    stray = {"command": "train", "axes": {"neuron": "PLIF", "seed": 0},
             "result": {"config": {"steps": 1}, "final": {"test_accuracy": 0.5}}}
    (out / "runs" / "0000000000000000").mkdir()
    (out / "runs" / "0000000000000000" / runner.RESULT).write_text(json.dumps(stray))
    labels = lambda order: list(dict.fromkeys(  # noqa: E731
        label for label, _ in report.cells(report.load_results(out, order))))
    by_key = [label for label in labels([]) if label != "neuron=PLIF"]
    assert labels([])[0] == "neuron=PLIF" and set(by_key) == {"neuron=LIF", "neuron=Ternary"}
    assert labels([run.key for run in runs]) == ["neuron=Ternary", "neuron=LIF", "neuron=PLIF"]
    assert labels([run.key for run in reversed(runs)]) == \
        ["neuron=LIF", "neuron=Ternary", "neuron=PLIF"]
    assert main(["sweep", str(grid_file), "--report", str(out)]) == 0
    table = (out / "report.md").read_text()
    assert table.index("neuron=Ternary") < table.index("neuron=LIF") < table.index("neuron=PLIF")
    capsys.readouterr()


@pytest.mark.parametrize("rows", [1, 10, 12, 20])
def test_every_plotted_row_has_its_own_colour(rows):
    pytest.importorskip("matplotlib")
    colours = [colour for colour, _ in report.styles(rows)]
    assert len(set(colours)) == rows


# --- running on dask.distributed ---------------------------------------------------------

def test_a_grid_runs_on_a_local_cluster_and_a_rerun_skips_it(tmp_path):
    g = tiny_grid()
    first = runner.run_grid(g, tmp_path, workers=2, progress=False)
    assert (first.total, first.skipped, len(first.finished), first.failed) == (4, 0, 4, {})
    for run in g.runs():
        result = json.loads(runner.result_path(tmp_path, run).read_text())
        assert result["config"] == run.config and result["axes"] == run.axes
    again = runner.run_grid(g, tmp_path, workers=2, progress=False)
    assert (again.skipped, again.finished) == (4, [])
    # the report's cells are the mean and sample std of the runs' own final accuracies
    paths = report.write(tmp_path, plot=False)
    rows = json.loads(paths[1].read_text())
    for row in rows:
        neuron = row["label"].split("=")[1]
        values = [100 * json.loads(runner.result_path(tmp_path, r).read_text())["result"]
                  ["final"]["test_accuracy"] for r in g.runs() if r.axes["neuron"] == neuron]
        assert row["n"] == 2 and row["mean"] == pytest.approx(np.mean(values))
        assert row["std"] == pytest.approx(np.std(values, ddof=1))


def test_a_failing_run_is_reported_and_the_others_finish(tmp_path, monkeypatch):
    """On a scheduler address (an in-process cluster, so that the patch reaches the
    workers): the run with seed 1 raises; the three others are written."""
    from dask.distributed import LocalCluster

    from refsnn import training

    real = training.train

    def failing(config, **kwargs):
        if config.seed == 1 and config.neuron == "LIF":
            raise RuntimeError("planted failure")
        return real(config, **kwargs)

    monkeypatch.setattr(training, "train", failing)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        summary = runner.run_grid(tiny_grid(), tmp_path, scheduler=cluster.scheduler_address,
                                  progress=False)
    assert len(summary.finished) == 3
    [(key, message)] = summary.failed.items()
    assert message == "RuntimeError: planted failure"
    assert "planted failure" in (tmp_path / "errors" / f"{key}.txt").read_text()
    assert not (tmp_path / "runs" / key).exists()


def test_a_killed_worker_loses_no_result_and_its_task_is_retried(tmp_path):
    killed = []

    def kill_a_busy_worker(key, client):
        if killed:
            return
        busy = [address for address, keys in client.processing().items() if keys]
        if busy:
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    g = tiny_grid(seed=list(range(8)))
    summary = runner.run_grid(g, tmp_path, workers=2, progress=False,
                              on_finished=kill_a_busy_worker)
    assert killed, "no worker was busy when a run finished"
    assert (len(summary.finished), summary.failed) == (16, {})


def test_a_dry_run_lists_the_runs_and_runs_none(tmp_path, capsys):
    from refsnn.cli import main

    grid_file = tmp_path / "g.toml"
    grid_file.write_text('command = "convert"\n[base]\nepochs = 1\nhidden = [8]\n'
                         'methods = ["paper -ASG", "max-norm"]\nT = [1, 2]\n[axes]\n'
                         'seeds = [0, 1, 2]\n')
    out = tmp_path / "out"
    runs = grid.load(grid_file).runs()
    (out / "runs" / runs[1].key).mkdir(parents=True)
    (out / "runs" / runs[1].key / runner.RESULT).write_text("{}")
    assert main(["sweep", str(grid_file), "--out", str(out), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (f"{runs[1].key} done  refsnn convert --epochs 1 --hidden 8 --methods "
                        f"'paper -ASG,max-norm' --T 1,2 --seeds 1")
    assert [line.split()[:2] for line in lines[:3]] == \
        [[runs[0].key, "to"], [runs[1].key, "done"], [runs[2].key, "to"]]
    assert lines[3] == f"3 runs: 1 already done in {out}, 2 to run"
    assert sorted(p.name for p in out.rglob("*")) == sorted(["runs", runs[1].key, runner.RESULT])


def test_a_killed_sweep_resumes_where_it_stopped(tmp_path):
    runs = 40  # tiny runs take a fraction of a second: enough of them to kill the sweep mid-grid
    grid_file = tmp_path / "g.toml"
    grid_file.write_text('command = "train"\n[base]\ndata = "digits"\nepochs = 1\n'
                         f'hidden = [8]\nbatch = 256\n[axes]\nseed = {list(range(runs))}\n')
    out = tmp_path / "out"
    command = [sys.executable, "-m", "refsnn", "sweep", str(grid_file), "--out", str(out),
               "--quiet"]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list(out.glob("runs/*/result.json")) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = {p: p.read_bytes() for p in out.glob("runs/*/result.json")}
    assert 1 <= len(done) < runs
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert (f"{runs} runs: {len(done)} already done, {runs - len(done)} finished, 0 failed"
            in rerun.stdout)
    assert all(p.read_bytes() == data for p, data in done.items())  # kept, not rerun
    assert len(list(out.glob("runs/*/result.json"))) == runs
    assert not list(out.glob("runs/*/.*.tmp"))


GRIDS = sorted((Path(__file__).parents[1] / "experiments").glob("*.toml"))
RUN_COUNTS = {"example": 12, "mnist1d": 180, "mnist-cnn": 60, "convert-deep": 10,
              "convert-deep-mnist1d": 5}  # the products of each grid's axes, as its comment says


@pytest.mark.parametrize("path", GRIDS, ids=lambda path: path.stem)
def test_every_committed_grid_parses_into_its_runs(path):
    """Each run's configuration is parsed as `refsnn sweep` parses it (argparse and the
    command's Config): a grid file that a change broke fails here, not hours into a sweep."""
    runs = grid.load(path).runs()
    assert len(runs) == RUN_COUNTS[path.stem]
    assert len({run.key for run in runs}) == len(runs)


def test_the_mnist1d_half_of_the_conversion_grid_has_the_full_grids_keys():
    """Its results count for the full grid (docs/sweep.md: run part of a grid first)."""
    root = Path(__file__).parents[1] / "experiments"
    half = {run.key for run in grid.load(root / "convert-deep-mnist1d.toml").runs()}
    assert half < {run.key for run in grid.load(root / "convert-deep.toml").runs()}
