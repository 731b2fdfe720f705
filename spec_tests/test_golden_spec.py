"""Golden vectors for a user's own configuration (issue 19; docs/golden.md, "Your own cases"):
``refsnn golden generate --spec FILE --format npz|hdf5|csv`` and ``refsnn.golden.case/write``.

- a spec with every neuron kind of NEURONS, float32 and float64, an exact case and a
  user-supplied input generates in each format, verifies against refsnn's own (Numba)
  results (and fails a perturbed one), and regenerates byte for byte (hdf5: a second apart,
  so a timestamp would show);
- bad spec files give one line per problem, naming the case and the key; csv is refused for a
  large case before any work; a changed file is not overwritten without --force;
- the Python API gives the same entry as the spec path and warns on a spike within the
  membrane tolerance of a threshold (a user's input has no clean-draw retry).
"""

from __future__ import annotations

import json
import re
import runpy
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import refsnn.golden
from refsnn.cases import grid
from refsnn.cli import main
from refsnn.golden import formats, io, manifest
from refsnn.golden.expected import run
from refsnn.golden.spec import from_spec, to_spec
from refsnn.neurons import IF, NEURONS
from refsnn.surrogates import Arctan, Sigmoid, Triangular

SHAPE = [6, 3]


def every_kind() -> list[dict]:
    """One spec case per model of NEURONS (its golden table row, sigmoid surrogate, soft
    reset), each in float32 and float64."""
    axes = {"surrogate": Sigmoid(), "v_reset": None, "detach_reset": False}
    return [{"name": model.lower(), "dtype": ["float32", "float64"],
             "model": to_spec(grid.build(model, grid.entry(model).params,
                                         grid.entry(model).base, axes)),
             "inputs": {"shape": SHAPE, "x": [-0.5, 2.0], "varied": True}}
            for model in NEURONS]


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    """A JSON spec: every kind, an exact LIF case, and an IF on a user's x.npy (float64 data
    used in float32: rounded) with a given v0 and upstream spike gradient."""
    root = tmp_path_factory.mktemp("spec")
    rng = np.random.default_rng(19)
    (root / "data").mkdir()
    np.save(root / "data" / "x.npy", rng.uniform(-0.4, 1.4, (7, 2)))
    np.save(root / "data" / "g.npy", rng.uniform(-1, 1, (7, 2)).astype(np.float32))
    lif = {"class": "LIF", "params": {"v_threshold": 1.0, "v_reset": None,
                                      "detach_reset": False, "compare": ">", "tau": 2.0,
                                      "decay_input": True, "surrogate": to_spec_surrogate(
                                          Triangular(alpha=1.0))}}
    user = [{"name": "lif_exact", "dtype": "float32", "model": lif,
             "inputs": {"generator": "exact", "shape": [8, 8], "x": [-0.5, 3.0]}},
            {"name": "if_user_input", "description": "IF on the user's x.npy",
             "dtype": ["float32", "float64"],
             "model": to_spec(IF(v_threshold=0.9, surrogate=Arctan())),
             "inputs": {"x": "data/x.npy", "v0": 0.25, "grad_spikes": "data/g.npy"}}]
    (root / "cases.json").write_text(json.dumps({"case": every_kind() + user}))
    return root / "cases.json"


def to_spec_surrogate(surrogate) -> dict:
    return {"surrogate": surrogate.name, "alpha": surrogate.alpha, "scale": surrogate.scale}


def generate(spec: Path, out: Path, fmt: str, *extra: str) -> int:
    return main(["golden", "generate", "--spec", str(spec), "--out", str(out), "--format", fmt,
                 *extra])


def write_results(golden: Path, results: Path, as_csv: bool) -> list[str]:
    """refsnn's Numba results for every case of ``golden``, as npz or as csv directories."""
    document = manifest.load(golden)
    results.mkdir()
    for entry in document["cases"]:
        arrays = manifest.load_case(golden, entry, manifest.file_format(document))
        got = run(from_spec(entry["model"]), {k: arrays[k] for k in manifest.INPUTS}, "numba")
        if as_csv:
            (results / entry["name"]).mkdir()
            for key, array in got.items():
                (results / entry["name"] / f"{key}.csv").write_bytes(
                    formats.csv_bytes(key, array))
        else:
            (results / f"{entry['name']}.npz").write_bytes(io.npz_bytes(got))
    return [entry["name"] for entry in document["cases"]]


def tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_a_spec_generates_verifies_and_regenerates_byte_identically(spec, tmp_path, capsys,
                                                                     fmt):
    if fmt == "hdf5":
        pytest.importorskip("h5py")
    first, second = tmp_path / "first", tmp_path / "second"
    assert generate(spec, first, fmt) == 0
    document = manifest.load(first)
    names = {entry["name"] for entry in document["cases"]}
    assert names == {f"{m.lower()}_{d}" for m in NEURONS for d in ("float32", "float64")} | {
        "lif_exact_float32", "if_user_input_float32", "if_user_input_float64"}
    assert {entry["model"]["class"] for entry in document["cases"]} == set(NEURONS)
    if fmt == "hdf5":
        time.sleep(1.1)  # a timestamp in the file would now differ
    assert generate(spec, second, fmt) == 0
    assert tree(first) == tree(second)
    assert generate(spec, first, fmt) == 0
    assert ", 0 new, " in capsys.readouterr().out.splitlines()[-1].replace(": ", ", ")

    written = write_results(first, tmp_path / "results", as_csv=fmt == "csv")
    assert main(["golden", "verify", str(tmp_path / "results"), "--golden", str(first)]) == 0
    assert f"{len(written)} passed, 0 failed" in capsys.readouterr().out


def test_the_formats_hold_the_same_arrays_and_entries(spec, tmp_path):
    """Every format's manifest has the same entries but ``file`` (the hash is of the arrays),
    and its arrays read back bit for bit; the user's input is the file's, rounded to
    float32; the exact case has membrane tolerance 0."""
    pytest.importorskip("h5py")
    loaded = {}
    for fmt in formats.FORMATS:
        assert generate(spec, tmp_path / fmt, fmt) == 0
        document = manifest.load(tmp_path / fmt)
        loaded[fmt] = {e["name"]: (e, manifest.load_case(tmp_path / fmt, e, fmt))
                       for e in document["cases"]}
    for name, (entry, arrays) in loaded["npz"].items():
        for fmt in ("hdf5", "csv"):
            other, again = loaded[fmt][name]
            assert {**other, "file": entry["file"]} == entry
            assert other["file"] == formats.case_file(fmt, name)
            for key in arrays:
                assert again[key].dtype == arrays[key].dtype
                assert again[key].tobytes() == arrays[key].tobytes(), (fmt, name, key)
    x = np.load(spec.parent / "data" / "x.npy")
    user32 = loaded["npz"]["if_user_input_float32"][1]
    np.testing.assert_array_equal(user32["x"], x.astype(np.float32))
    assert (user32["v0"] == np.float32(0.25)).all()
    assert loaded["npz"]["lif_exact_float32"][0]["tolerances"]["membranes"]["atol"] == 0.0


def test_verify_fails_a_perturbed_csv_result_naming_it(spec, tmp_path, capsys):
    golden = tmp_path / "golden"
    assert generate(spec, golden, "csv") == 0
    write_results(golden, tmp_path / "results", as_csv=True)
    path = tmp_path / "results" / "lif_float64" / "h.csv"
    h = manifest.read_csv_file(path.parent, "h", "float64", tuple(SHAPE))
    h[2, 1] += 1e-6
    path.write_bytes(formats.csv_bytes("h", h))
    assert main(["golden", "verify", str(tmp_path / "results"), "--golden", str(golden)]) == 1
    row = next(line for line in capsys.readouterr().out.splitlines()
               if line.startswith("lif_float64 "))
    assert "FAIL" in row and "h[2, 1]" in row


def test_a_changed_file_is_not_overwritten_without_force(spec, tmp_path, capsys):
    out = tmp_path / "out"
    assert generate(spec, out, "csv") == 0
    path = out / "if_float32" / "x.csv"
    original = path.read_bytes()
    path.write_bytes(original.replace(b"\n", b"\n ", 5))
    damaged = path.read_bytes()
    capsys.readouterr()
    assert generate(spec, out, "csv") == 1
    assert f"would change (refused)  {path}" in capsys.readouterr().out
    assert path.read_bytes() == damaged
    assert generate(spec, out, "csv", "--force") == 0
    assert path.read_bytes() == original


LIF = ('{class = "LIF", params = {v_threshold = 0.5, v_reset = "null", detach_reset = false, '
       'compare = ">=", tau = 2.0, decay_input = true, surrogate = {surrogate = "sigmoid", '
       'alpha = 4.0, scale = 1.0}}}')


def toml_case(**keys: str) -> str:
    keys = {"name": '"mine"', "dtype": '"float32"', "model": LIF,
            "inputs": "{shape = [10, 4]}"} | keys
    return "[[case]]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items() if v is not None)


@pytest.mark.parametrize("text, message", [
    (toml_case(model=LIF.replace("tau = 2.0, ", "")),
     "case[0] ('mine'): model.params: expected every parameter of LIF"),
    (toml_case(model=LIF.replace('"sigmoid"', '"sigmoidal"')),
     "case[0] ('mine'): model.params.surrogate.surrogate: expected a canonical surrogate name"),
    (toml_case(dtype='"float16"'), "case[0] ('mine'): dtype: expected 'float32', 'float64'"),
    (toml_case(inputs=None), "case[0] ('mine'): inputs.shape: expected [T, ...]"),
    (toml_case(inputs="{shape = [10, 0]}"),
     "case[0] ('mine'): inputs.shape: expected a list of integers > 0"),
    (toml_case(inputs="{shape = [10, 4], x = [2.0, 1.0]}"),
     "case[0] ('mine'): inputs.x: expected [low, high] with low < high"),
    (toml_case(inputs="{shape = [10, 4], v0 = \"missing.npy\"}"),
     "case[0] ('mine'): inputs.v0: expected a readable .npy file"),
    (toml_case(inputs="{x = \"x.npy\", v0 = \"v0.npy\"}"),
     "case[0] ('mine'): inputs.v0: expected shape [4] (x without axis 0), got [3]"),
    (toml_case(inputs="{x = \"x.npy\", generator = \"exact\"}"),
     "case[0] ('mine'): inputs.x: expected a range for the 'exact' generator"),
    (toml_case(inputs="{shape = [10, 4], generator = \"gaussian\"}"),
     "case[0] ('mine'): inputs.generator: expected one of ['uniform', 'exact']"),
    (toml_case(inputs="{shape = [10, 4], grad_v = [0, 1]}"),
     "case[0] ('mine'): inputs.grad_v: expected a number or a .npy file, got a range"),
    (toml_case(outputs='["spikes"]'), "case[0] ('mine'): outputs: expected the keys"),
    (toml_case(name='"a/b"'), "case[0] ('a/b'): name: expected letters, digits"),
    (toml_case() + toml_case(), "name: expected unique case names, got 'mine_float32' twice"),
    (toml_case(inputs="{shape = [4, 2], generator = \"exact\", x = [-0.5, -0.25]}"),
     # x < 0 and v0 < 0.9 v_th: no membrane ever reaches v_th, so no draw lands on it
     "mine_float32: inputs: expected a clean draw, got none in 200 attempts"),
    ("[[case]\nname = 1", "cases.toml: not valid TOML"),
    ("title = 'x'", "cases.toml: case: expected a non-empty list of case tables"),
])
def test_a_bad_spec_gives_one_line_naming_the_case_and_key(tmp_path, capsys, text, message):
    np.save(tmp_path / "x.npy", np.zeros((10, 4)))
    np.save(tmp_path / "v0.npy", np.zeros(3))
    (tmp_path / "cases.toml").write_text(text)
    assert generate(tmp_path / "cases.toml", tmp_path / "out", "npz") == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and message in err[0], err
    assert err[0].startswith(f"refsnn golden: error: {tmp_path / 'cases.toml'}")
    assert not list((tmp_path / "out").iterdir())


def test_every_problem_of_a_spec_is_one_line(tmp_path, capsys):
    (tmp_path / "cases.toml").write_text(toml_case(dtype='"float16"')
                                         + toml_case(name='"b"', inputs="{shape = []}"))
    assert generate(tmp_path / "cases.toml", tmp_path / "out", "npz") == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "case[0] ('mine'): dtype" in err[0] and \
        "case[1] ('b'): inputs.shape" in err[1]


def test_csv_is_refused_for_a_large_case_before_any_work(tmp_path, capsys):
    (tmp_path / "cases.toml").write_text(toml_case(inputs="{shape = [100000, 2]}"))
    started = time.perf_counter()
    assert generate(tmp_path / "cases.toml", tmp_path / "out", "csv") == 2
    assert time.perf_counter() - started < 5  # refused from the shape, not after computing
    err = capsys.readouterr().err
    assert "format: expected npz or hdf5 for case 'mine_float32' (1400004 values" in err


def test_the_api_gives_the_spec_path_entry_and_writes_a_set(tmp_path, capsys):
    """case() on the arrays a spec case drew gives the same arrays and entry (the API and
    --spec are one generator); write() writes a set verify reads."""
    (tmp_path / "cases.toml").write_text(toml_case(name='"lif"'))
    assert generate(tmp_path / "cases.toml", tmp_path / "spec", "npz") == 0
    entry = manifest.load(tmp_path / "spec")["cases"][0]
    arrays = manifest.load_case(tmp_path / "spec", entry)
    got = refsnn.golden.case(from_spec(entry["model"]), arrays["x"], v0=arrays["v0"],
                             grad_spikes=arrays["grad_spikes"], grad_v=arrays["grad_v"],
                             name=entry["name"])
    assert got.entry == entry
    assert all(got.arrays[key].tobytes() == arrays[key].tobytes() for key in arrays)
    assert refsnn.golden.write([got], tmp_path / "api", format="csv") == 0
    assert manifest.load_case(tmp_path / "api", manifest.load(tmp_path / "api")["cases"][0],
                              "csv")["h"].tobytes() == arrays["h"].tobytes()


def test_the_api_warns_on_a_spike_within_the_membrane_tolerance():
    """IF, v_th 1, x = 1 at step 0: h lands exactly on the threshold (1 = v_th), so a membrane
    error within the tolerance (> 0 for a user's input) can change the spike."""
    x = np.array([[1.0], [0.25]], dtype=np.float32)
    with pytest.warns(UserWarning, match="on_threshold: a spike changes"):
        got = refsnn.golden.case(IF(surrogate=Sigmoid()), x, v0=0.0, name="on_threshold")
    assert got.arrays["spikes"][0, 0] == 1.0
    assert got.entry["tolerances"]["membranes"]["atol"] > 0


def test_the_api_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"^x: expected a float32 or float64 array"):
        refsnn.golden.case(IF(surrogate=Sigmoid()), np.zeros((3, 2), np.int64), name="a")
    with pytest.raises(ValueError, match=r"^v0: expected shape \[2\], got \[3\]"):
        refsnn.golden.case(IF(surrogate=Sigmoid()), np.zeros((3, 2)), v0=np.zeros(3), name="a")
    with pytest.raises(ValueError, match=r"^format: expected one of"):
        refsnn.golden.write([], "unused", format="xlsx")


# --- docs/golden.md's worked example, as written ---------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "golden.md"


def example_blocks() -> list[tuple[str, str]]:
    """The fenced blocks ``(language, text)`` of the docs' section "Your own cases"."""
    text = DOCS.read_text()
    start = text.index("## Your own cases")
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```(\w+)\n(.*?)```", section, flags=re.DOTALL)


def test_the_docs_worked_example_runs_as_written(tmp_path, monkeypatch, capsys):
    """Each file of the example (named on its first line) is written as shown, each command
    run as shown (``refsnn``: in process; ``python``: the script in process; ``cc`` and the
    C reader: if a C compiler is installed); the verification passes, the C reader reads the
    csv values exactly, and the "From Python" block runs on an input file of its own."""
    blocks = example_blocks()
    monkeypatch.chdir(tmp_path)
    for _, text in blocks:
        first = re.match(r"(?:#|/\*) (\S+\.(?:toml|py|c)):", text)
        if first:
            Path(first.group(1)).write_text(text)
    commands = [line for language, text in blocks if language == "sh"
                for line in text.splitlines()]
    assert len(commands) == 6
    for line in commands:
        words = shlex.split(line)
        if words[0] == "refsnn":
            assert main(words[1:]) == 0, line
        elif words[0] == "python":
            monkeypatch.setattr(sys, "argv", words[1:])
            runpy.run_path(words[1], run_name="__main__")
        elif shutil.which("cc") is None:
            continue
        elif words[0] == "cc":
            subprocess.run(words, check=True)
        else:
            printed = subprocess.run(words, check=True, capture_output=True, text=True).stdout
            golden = manifest.read_csv_file(Path(words[1]).parent, "x", "float32", (100, 128))
            assert np.array(printed.split(), dtype=np.float32).tobytes() == golden.tobytes()
    assert "2 passed, 0 failed" in capsys.readouterr().out

    np.save("my_input.npy", np.random.default_rng(0).uniform(0, 1, (20, 3)))
    python = [text for language, text in blocks if language == "python"
              and not text.startswith("# my_impl.py")]
    assert len(python) == 1
    exec(compile(python[0], "docs/golden.md", "exec"), {})
    assert manifest.load(Path("my_vectors"))["cases"][0]["name"] == "lif_mine"


@pytest.mark.parametrize("fmt, where", [("csv", "value"), ("hdf5", "data"),
                                        ("hdf5", "metadata")])
def test_a_damaged_csv_or_hdf5_golden_file_is_an_error_naming_it(tmp_path, capsys, fmt, where):
    """One csv value changed in its last digit (still a valid file), or a byte of the HDF5
    file flipped in a dataset's data (the hash of the arrays read no longer matches the
    manifest's) or in its metadata (h5py cannot read it): one line naming the file, exit 3."""
    if fmt == "hdf5":
        h5py = pytest.importorskip("h5py")
    (tmp_path / "cases.toml").write_text(toml_case())
    assert generate(tmp_path / "cases.toml", tmp_path / "golden", fmt) == 0
    path = tmp_path / "golden" / ("mine_float32/h.csv" if fmt == "csv" else "cases.h5")
    data = bytearray(path.read_bytes())
    if where == "value":
        at = data.rindex(b"\n", 0, len(data) - 1) - 1  # the last digit of the line before
        data[at] = ord("1") if data[at] != ord("1") else ord("2")
    elif where == "data":
        with h5py.File(path, "r") as file:
            at = file["mine_float32"]["h"].id.get_offset() + 1
        data[at] ^= 0x01
    else:
        data[-50] ^= 0x01  # a group's link table, written last
    path.write_bytes(bytes(data))
    (tmp_path / "results").mkdir()
    assert main(["golden", "verify", str(tmp_path / "results"), "--golden",
                 str(tmp_path / "golden")]) == 3
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and str(tmp_path / "golden") in err[0]
    assert ("not a readable hdf5 file" if where == "metadata" else
            "sha256 of its arrays") in err[0]
