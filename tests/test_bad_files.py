"""Damaged checkpoints and ANN files, killed writes, and outputs that cannot be written
(regressions of the bad-input audit, issue 16): one line naming the file and what is wrong,
refused before any training or conversion."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from refsnn import io as refsnn_io
from refsnn.cli import main
from refsnn.convert import ann as anns
from refsnn.training import Config, build, checkpoint, load_checkpoint
from refsnn.training.checkpoint import CHECKPOINT_FORMAT

CONFIG = Config(hidden=(6,), epochs=1)


def saved_checkpoint(path: Path, meta: dict | None = None, state: dict | None = None) -> Path:
    """A tiny checkpoint, with ``meta`` and ``state`` entries replaced as given."""
    net = build(CONFIG, (1, 8, 8), 10)
    meta = {"config": CONFIG.to_json(), "input_shape": [1, 8, 8], "classes": 10} | (meta or {})
    checkpoint.save_state(path, CHECKPOINT_FORMAT, meta, net.state() | (state or {}))
    return path


def rewrite_entry(path: Path, name: str, data: bytes) -> None:
    """Replace the zip entry ``name`` (e.g. ``meta.npy``) of the file at ``path``."""
    with zipfile.ZipFile(path) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for n, d in (entries | {name: data}).items():
            archive.writestr(n, d)


def npy(value) -> bytes:
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(value), allow_pickle=True)
    return buffer.getvalue()


def meta_text(text: str):
    return lambda path: rewrite_entry(path, "meta.npy", npy(np.array(text)))


def meta_json(change):
    def damage(path):
        with np.load(path) as f:
            meta = json.loads(str(f["meta"]))
        change(meta)
        meta_text(json.dumps(meta))(path)
    return damage


DAMAGES = {
    "half": (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
             "not an .npz \\(zip\\) archive"),
    "last 10 bytes": (lambda p: p.write_bytes(p.read_bytes()[:-10]), "not an .npz"),
    "flipped byte": (lambda p: p.write_bytes(flip(p.read_bytes())), "Bad CRC-32|Error -3|CRC"),
    "empty": (lambda p: p.write_bytes(b""), "not an .npz"),
    "npy file": (lambda p: p.write_bytes(npy(np.zeros(3))), "not an .npz"),
    "random bytes": (lambda p: p.write_bytes(os.urandom(2000)), "not an .npz"),
    "raw pickle": (lambda p: p.write_bytes(pickle.dumps({"a": 1})), "not an .npz"),
    "directory": (lambda p: (p.unlink(), p.mkdir()), "it is a directory"),
    "invalid json": (meta_text("{'config': "), "Expecting property name"),
    "json list": (meta_text("[1, 2]"), "its meta is a JSON list, not an object"),
    "json string": (meta_text('"text"'), "its meta is a JSON str"),
    "pickled meta": (lambda p: rewrite_entry(p, "meta.npy", npy(np.array([{}], dtype=object))),
                     "Object arrays cannot be loaded"),
    "no config": (meta_json(lambda m: m.pop("config")), r"its meta lacks \['config'\]"),
    "no classes": (meta_json(lambda m: m.pop("classes")), r"its meta lacks \['classes'\]"),
    "unknown config key": (meta_json(lambda m: m["config"].update(evil=1)),
                           "does not describe the network .*evil"),
    "absurd width": (meta_json(lambda m: m["config"].update(hidden=[10**12])),
                     "its meta gives the size 1000000000000, expected an integer from 1 to"),
    "nan weights": (lambda p: rewrite_entry(p, "state/1.weight.npy",
                                            npy(np.full((6, 64), np.nan, np.float32))),
                    r"its weights state\['1.weight'\] hold NaN or inf"),
}


def flip(data: bytes) -> bytes:
    data = bytearray(data)
    data[200] ^= 0xFF  # inside the first array's data
    return bytes(data)


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_checkpoint_is_one_line_naming_the_file(tmp_path, damage):
    path = saved_checkpoint(tmp_path / "checkpoint.npz")
    change, message = DAMAGES[damage]
    change(path)
    with pytest.raises(ValueError) as error:
        load_checkpoint(path)
    text = str(error.value)
    assert text.startswith(f"path: {path}") and "\n" not in text, text
    assert __import__("re").search(message, text), text


def test_a_big_endian_checkpoint_loads(tmp_path):
    path = saved_checkpoint(tmp_path / "c.npz")
    net, _ = load_checkpoint(path)
    weight = net.state()["1.weight"]
    rewrite_entry(path, "state/1.weight.npy", npy(weight.astype(">f4")))
    np.testing.assert_array_equal(load_checkpoint(path)[0].state()["1.weight"], weight)


def saved_ann(path: Path) -> tuple[Path, dict]:
    activation = anns.Activation()
    net = anns.MODELS["mlp"]((1, 8, 8), 10, activation, rng=0, dtype="float32", hidden=(6,))
    meta = anns.describe("mlp", (1, 8, 8), 10, activation, {"hidden": (6,)}, "float32",
                         anns.Training(), 0)
    anns.save(path, net, meta)
    return path, meta


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.write_bytes(p.read_bytes()[:-10]), "not an .npz"),
    (meta_text("[1]"), "its meta is a JSON list"),
    (meta_json(lambda m: m.update(model="evil")), "does not describe the network .*evil"),
    (meta_json(lambda m: m.pop("size")), r"its meta lacks \['size'\]"),
    (meta_json(lambda m: m["size"].update(hidden=[10**12])), "its meta gives the size"),
    (lambda p: rewrite_entry(p, "state/1.weight.npy", npy(np.full((6, 64), np.nan, np.float32))),
     r"its weights state\['1.weight'\] hold NaN or inf"),
])
def test_a_damaged_ann_file_is_one_line_naming_the_file(tmp_path, damage, message):
    path, _ = saved_ann(tmp_path / "ann.npz")
    damage(path)
    with pytest.raises(ValueError, match=rf"^path: {__import__('re').escape(str(path))}.*"
                                         rf"{message}"):
        anns.load(path)


# --- killed writes ----------------------------------------------------------------------------

def test_a_killed_write_leaves_a_temp_file_that_the_next_write_removes(tmp_path):
    path = tmp_path / "state.npz"
    script = ("import sys, time; from pathlib import Path; from refsnn.io import "
              "atomic_write\n"
              "def slow(f):\n    f.write(b'x' * 1000); f.flush(); print('writing', flush=True); "
              "time.sleep(60)\n"
              f"atomic_write(Path({str(path)!r}), slow, force=True)\n")
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert writer.stdout.readline() == b"writing\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    left = list(tmp_path.glob(".state.npz.*.tmp"))
    assert len(left) == 1 and not path.exists()
    old_style = tmp_path / ".state.npz.k2j4h1x.tmp"  # mkstemp's name in refsnn <= f8e3ef8
    old_style.write_bytes(b"")
    running = tmp_path / f".state.npz.{os.getppid()}-abc.tmp"  # a live writer's: kept
    running.write_bytes(b"")
    refsnn_io.atomic_write(path, lambda f: f.write(b"new"), force=False)
    assert path.read_bytes() == b"new"
    assert sorted(tmp_path.glob(".state.npz.*.tmp")) == [running]


# --- outputs checked before any work ----------------------------------------------------------

@pytest.fixture
def no_training(monkeypatch):
    """Make any training or conversion fail the test: the refusal must come first."""
    import refsnn.convert.experiment
    import refsnn.training

    def forbidden(*args, **kwargs):
        raise AssertionError("training started")
    monkeypatch.setattr(refsnn.training, "train", forbidden)
    monkeypatch.setattr(refsnn.convert.experiment, "run", forbidden)


TRAIN = ["train", "--epochs", "1", "--quiet"]
CONVERT = ["convert", "--epochs", "1", "--T", "2", "--methods", "max-norm", "--quiet"]


@pytest.mark.parametrize("command", [TRAIN, CONVERT])
@pytest.mark.parametrize("out", ["/dev/null/x", "a_file"])
def test_an_out_that_cannot_be_written_is_refused_first(tmp_path, capsys, no_training, command,
                                                        out):
    (tmp_path / "a_file").write_text("")
    out = str(tmp_path / out) if out == "a_file" else out
    assert main([*command, "--out", out]) == 2
    err = capsys.readouterr().err
    assert "out: expected a directory that can be written" in err and len(err.splitlines()) == 1


def test_train_refuses_plots_and_a_directory_in_place_of_its_checkpoint(tmp_path, capsys,
                                                                        no_training):
    (tmp_path / "raster.png").write_text("mine")
    assert main([*TRAIN, "--out", str(tmp_path), "--plot"]) == 2
    assert f"{tmp_path / 'raster.png'}: exists; pass --force" in capsys.readouterr().err
    (tmp_path / "checkpoint.npz").mkdir()
    assert main([*TRAIN, "--out", str(tmp_path), "--force"]) == 2
    assert "checkpoint.npz to be a file that can be overwritten, got a directory" in \
        capsys.readouterr().err


def test_convert_refuses_existing_anns_before_training(tmp_path, capsys, no_training):
    (tmp_path / "anns").mkdir()
    (tmp_path / "anns" / "digits-mlp-relu-seed0.npz").write_text("mine")
    assert main([*CONVERT, "--out", str(tmp_path)]) == 2
    assert "digits-mlp-relu-seed0.npz: exists; pass --force" in capsys.readouterr().err


def test_convert_reuse_of_a_damaged_ann_names_it(tmp_path, capsys):
    (tmp_path / "anns").mkdir()
    path = tmp_path / "anns" / "digits-mlp-relu-seed0.npz"
    path.write_bytes(b"")
    assert main([*CONVERT, "--out", str(tmp_path), "--reuse"]) == 2
    assert f"path: {path} is not a readable refsnn-ann-1 file" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["convert", "--percentile", "1e-300"], "percentile: expected a value in [50, 100]"),
    (["convert", "--percentile", "101"], "percentile: expected a value in [50, 100]"),
    (["conformance", "--expectations", "nosuch.txt"], "expectations: "),
])
def test_options_that_were_passed_through(capsys, no_training, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_train_with_an_alpha_that_overflows_float32_names_it(tmp_path, capsys):
    assert main([*TRAIN, "--alpha", "1e39", "--out", str(tmp_path)]) == 2
    assert "surrogate.alpha: expected values that float32 can hold" in capsys.readouterr().err


def test_train_with_an_absurd_width_is_one_line(tmp_path, capsys):
    assert main([*TRAIN, "--hidden", str(10**12), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "out of memory" in err and len(err.splitlines()) == 1


def test_no_progress_bar_floods_a_non_interactive_log(capsys):
    from refsnn.training import data, train

    d = data.load_digits(seed=0)
    small = data.Dataset("digits", d.x_train[:64], d.y_train[:64], d.x_test[:16], d.y_test[:16],
                         d.classes)
    train(Config(hidden=(6,), epochs=2, batch=8), progress=True, dataset=small)
    out, err = capsys.readouterr()  # stderr is not a terminal here, as in CI
    assert err == ""  # no bar (8 batches per epoch), nothing per batch
    assert [line.split(":")[0] for line in out.splitlines()] == ["epoch 1", "epoch 2"]
