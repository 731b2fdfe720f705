"""A tampered golden directory, hostile result files and bad ``--out`` for ``refsnn golden``
(regressions of the bad-input audit, issue 16): one clear line and a distinct exit status
(3: the golden directory cannot be trusted; 2: a bad argument), never a traceback or a pass."""

from __future__ import annotations

import io as stdio
import json
import math
import re
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from refsnn.cli import main
from refsnn.golden import io, manifest, verify
from refsnn.golden.expected import run
from refsnn.golden.spec import from_spec

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CASE = "lif_sigmoid_hard_attached_float32"


@pytest.fixture(scope="module")
def case():
    """CASE's manifest entry, golden arrays and refsnn's (numpy) result for it."""
    entry = next(e for e in manifest.load(GOLDEN)["cases"] if e["name"] == CASE)
    arrays = manifest.load_case(GOLDEN, entry)
    inputs = {key: arrays[key] for key in manifest.INPUTS}
    return entry, arrays, run(from_spec(entry["model"]), inputs, "numpy")


@pytest.fixture
def tree(tmp_path, case):
    """A golden directory holding CASE only, and a results directory with its result."""
    entry, arrays, result = case
    (tmp_path / "golden").mkdir()
    (tmp_path / "results").mkdir()
    (tmp_path / "golden" / entry["file"]).write_bytes((GOLDEN / entry["file"]).read_bytes())
    write_manifest(tmp_path, [entry])
    (tmp_path / "results" / entry["file"]).write_bytes(io.npz_bytes(result))
    return tmp_path


def write_manifest(tmp_path: Path, entries: list) -> None:
    document = json.loads((GOLDEN / manifest.NAME).read_text()) | {"cases": entries}
    (tmp_path / "golden" / manifest.NAME).write_text(json.dumps(document))


def verify_cli(tmp_path: Path) -> int:
    return main(["golden", "verify", str(tmp_path / "results"), "--golden",
                 str(tmp_path / "golden")])


def edited(entry: dict, path: tuple, value: object) -> dict:
    entry = json.loads(json.dumps(entry))
    target = entry
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return entry


DELETE = object()


@pytest.mark.parametrize("path, value, message", [
    (("tolerances", "membranes", "atol"), math.nan, r"tolerances\['membranes'\]: expected "
     r"\{'atol', 'rtol'\}, each a finite number >= 0, got \{'atol': nan"),
    (("tolerances", "membranes", "atol"), -1.0, r"tolerances\['membranes'\]: .* got \{'atol': "
     r"-1.0"),
    (("tolerances", "spikes", "rtol"), math.inf, r"tolerances\['spikes'\]"),
    (("tolerances", "gradients", "atol"), "1e-3", r"tolerances\['gradients'\]"),
    (("tolerances", "gradients", "atol"), True, r"tolerances\['gradients'\]"),
    (("tolerances", "gradients", "atol"), DELETE, r"tolerances\['gradients'\]"),
    (("tolerances", "parameter_gradients", "tau"), DELETE,
     r"tolerances\['parameter_gradients'\]: expected the parameters \['tau', 'v_threshold'\]"),
    (("tolerances", "parameter_gradients", "tau", "atol"), -0.5,
     r"tolerances\['parameter_gradients'\]\['tau'\]"),
    (("file",), "", r"file: expected '<name>.npz', a file in the golden directory, got ''"),
    (("file",), "..", r"file: expected '<name>.npz'.* got '..'"),
    (("file",), "/tmp/victim.npz", r"file: expected '<name>.npz'"),
    (("file",), f"../{CASE}.npz", r"file: expected '<name>.npz'"),
    (("name",), 3, r"\(3\): name: expected a name of letters"),
    (("name",), "../x", r"name: expected a name of letters"),
    (("sha256",), DELETE, r"expected the keys .* missing \['sha256'\]"),
    (("sha256",), "abc", r"sha256: expected 64 lowercase hex digits"),
    (("dtype",), "float16", r"dtype: expected 'float32' or 'float64'"),
    (("shapes", "h"), DELETE, r"shapes: expected every input and output, missing \['h'\]"),
    (("shapes", "h"), [10, -4], r"shapes\['h'\]: expected a list of integers >= 0"),
    (("shapes", "x.npy"), [1], r"shapes: expected the keys of 'arrays', got 'x.npy'"),
    (("model",), "LIF", r"model: expected an object"),
])
def test_a_manifest_that_breaks_the_schema_is_refused(tree, case, capsys, path, value, message):
    write_manifest(tree, [edited(case[0], path, value)])
    assert verify_cli(tree) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("refsnn golden: error: ")
    assert str(tree / "golden" / manifest.NAME) in err
    assert re.search(message, err), err


@pytest.mark.parametrize("document, message", [
    ([], r"schema_version None is not 1"),
    ({"schema_version": 1, "cases": {}}, r"cases: expected a list of case entries, got dict"),
    ({"schema_version": 1, "cases": [[]]}, r"cases\[0\] \(None\): expected an object, got list"),
])
def test_a_manifest_of_the_wrong_structure_is_refused(tree, capsys, document, message):
    (tree / "golden" / manifest.NAME).write_text(json.dumps(document))
    assert verify_cli(tree) == 3
    assert re.search(message, capsys.readouterr().err)


def test_duplicate_case_names_are_refused(tree, case, capsys):
    write_manifest(tree, [case[0], case[0]])
    assert verify_cli(tree) == 3
    assert "cases[1] ('lif_sigmoid_hard_attached_float32'): name: expected a name no other " \
           "case has" in capsys.readouterr().err


def test_wrong_results_never_pass_with_nan_or_negative_tolerances(tree, case, capsys):
    """The audit's S4: h shifted by 1 and every spike flipped passed under atol NaN or -1."""
    entry, _, result = case
    wrong = result | {"h": result["h"] + 1, "spikes": 1 - result["spikes"]}
    (tree / "results" / entry["file"]).write_bytes(io.npz_bytes(wrong))
    for atol in (math.nan, -1.0):
        tolerances = {group: {"atol": atol, "rtol": 0.0} for group in manifest.GROUPS}
        write_manifest(tree, [entry | {"tolerances": entry["tolerances"] | tolerances}])
        assert verify_cli(tree) == 3
    write_manifest(tree, [entry])
    assert verify_cli(tree) == 1
    capsys.readouterr()


@pytest.mark.parametrize("where", ["manifest", "case"])
def test_a_directory_in_place_of_a_golden_file_is_refused(tree, case, capsys, where):
    path = tree / "golden" / (manifest.NAME if where == "manifest" else case[0]["file"])
    path.unlink()
    path.mkdir()
    assert verify_cli(tree) == 3
    err = capsys.readouterr().err
    assert str(path) in err and ("a directory" in err or "not a readable file" in err)


def test_a_golden_file_larger_than_its_arrays_is_refused_unread(tree, case, capsys):
    path = tree / "golden" / case[0]["file"]
    path.write_bytes(path.read_bytes() + bytes(10**6))
    assert verify_cli(tree) == 3
    assert "bytes, more than the" in capsys.readouterr().err


def test_verify_outside_the_repository_points_to_golden(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["golden", "verify", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "golden/manifest.json: missing; pass --golden DIR" in err and "generate" not in err


# --- result files ----------------------------------------------------------------------------

def write_zip(path: Path, entries: dict[str, bytes], compression=zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def result_entries(result: dict) -> dict[str, bytes]:
    return {f"{key}.npy": io.npy_bytes(value) for key, value in result.items()}


def test_extra_arrays_are_reported_and_never_read(tree, case, capsys):
    entry, _, result = case
    entries = result_entries(result) | {"junk.npy": b"not an npy file", "x.npy": b""}
    write_zip(tree / "results" / entry["file"], entries)
    assert verify_cli(tree) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(CASE))
    assert " pass " in row and row.endswith("(extra arrays ignored: junk, x)")


def test_a_huge_extra_array_is_not_decompressed(tree, case, capsys):
    """A 64 MB array deflated to 64 KB beside the outputs: peak memory stays far below it."""
    entry, _, result = case
    path = tree / "results" / entry["file"]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in result_entries(result).items():
            archive.writestr(name, data)
        with archive.open("big.npy", "w", force_zip64=True) as file:
            for _ in range(64):
                file.write(bytes(2**20))
    tracemalloc.start()
    try:
        assert verify_cli(tree) == 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, peak
    assert "extra arrays ignored: big" in capsys.readouterr().out


def lying_header(shape: tuple) -> bytes:
    """A float32 .npy header claiming ``shape``, with no data after it."""
    buffer = stdio.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False,
                                                  "shape": shape})
    return buffer.getvalue()


@pytest.mark.parametrize("change, problem", [
    (lambda e: e.update({"h.npy": e["h.npy"][:128] + b"\0" * 10}), "h: 10 bytes of data"),
    (lambda e: e.update({"h.npy": lying_header((10**12,))}),
     "h: float32 [1000000000000], expected float32 [10, 4]"),
])
def test_a_result_array_is_checked_from_its_header_before_it_is_read(tree, case, capsys, change,
                                                                      problem):
    entry, _, result = case
    entries = result_entries(result)
    change(entries)
    write_zip(tree / "results" / entry["file"], entries)
    assert verify_cli(tree) == 1
    assert problem in capsys.readouterr().out


def test_duplicate_entries_in_a_result_file_fail(tree, case, capsys):
    entry, _, result = case
    path = tree / "results" / entry["file"]
    write_zip(path, result_entries(result))
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as z:
        z.writestr("h.npy", io.npy_bytes(result["h"] + 1))
    assert verify_cli(tree) == 1
    assert "duplicate entries ['h.npy']" in capsys.readouterr().out


def test_big_endian_results_are_accepted(tree, case, capsys):
    entry, _, result = case
    swapped = {key: value.astype(value.dtype.newbyteorder(">")) for key, value in result.items()}
    entries = {}
    for key, value in swapped.items():
        buffer = stdio.BytesIO()
        np.lib.format.write_array(buffer, value)
        entries[f"{key}.npy"] = buffer.getvalue()
    write_zip(tree / "results" / entry["file"], entries)
    assert verify_cli(tree) == 0
    got, extra = io.read_arrays(tree / "results" / entry["file"],
                                {"h": (np.dtype(np.float32), result["h"].shape)})
    assert got["h"].dtype == np.float32 and got["h"].dtype.isnative and extra
    np.testing.assert_array_equal(got["h"], result["h"])
    assert verify.compare(entry, case[1], swapped).passed
    capsys.readouterr()


# --- generate and the snnTorch example ---------------------------------------------------------

@pytest.mark.parametrize("out", ["/dev/null/x", "a_file"])
def test_generate_refuses_an_out_that_cannot_be_written_before_any_work(tmp_path, capsys, out):
    (tmp_path / "a_file").write_text("")
    assert main(["golden", "generate", "--out", str(tmp_path / out if out == "a_file" else out)]) \
        == 2
    assert "out: expected a directory that can be written" in capsys.readouterr().err


def test_generate_without_out_outside_the_repository_writes_nothing(tmp_path, monkeypatch,
                                                                    capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["golden", "generate"]) == 2
    assert "out: expected --out DIR" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_the_snntorch_tool_reads_the_manifest_through_the_validated_reader(tree, case, tmp_path):
    pytest.importorskip("snntorch")
    from tools.golden_snntorch import write_results

    victim = tmp_path / "victim.npz"
    write_manifest(tree, [edited(case[0], ("file",), "../victim.npz")])
    (tree / "victim.npz").write_bytes((GOLDEN / case[0]["file"]).read_bytes())
    with pytest.raises(manifest.GoldenError, match=r"file: expected '<name>.npz'"):
        write_results(tree / "golden", tree / "out")
    assert victim.read_bytes() == (GOLDEN / case[0]["file"]).read_bytes()
