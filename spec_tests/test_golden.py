"""The golden vectors (golden/, docs/golden.md): current, complete, trustworthy, reproducible.

- every committed case, rebuilt from its manifest spec and rerun by both backends, agrees with
  its file within the manifest's tolerances (NumPy: compared in process; Numba: its results
  written as a results directory and checked by ``refsnn golden verify``); the manifest's
  hashes match the files; the cases are exactly those of the table (so every model of NEURONS
  is covered);
- the cases catch bug classes: exact cases have exact tolerances (membranes 0; a gradient
  with tolerance 0 rounds nowhere), every model has exact cases with a membrane on every
  threshold under both compares and with a non-zero hard reset, window cases land on both
  edges of a window on every spike kind, and every option takes two values or more (the
  coverage rule; the mutation test is spec_tests/test_golden_mutants.py);
- model specs round-trip (spec -> neuron -> spec, neuron -> spec -> neuron) and bad specs name
  the offending field;
- a damaged, truncated, stale or unknown-schema golden file is an error naming the file, never
  a pass (temporary copies);
- ``generate`` is deterministic (twice into temporary directories: identical bytes) and never
  overwrites a changed file without ``--force``;
- ``verify`` passes refsnn's own (Numba) results, and fails, naming the case, when one value
  is perturbed or a result is missing.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from refsnn.cli import main
from refsnn.golden import cases, io, manifest, tolerances
from refsnn.golden.expected import run
from refsnn.golden.generate import generate
from refsnn.golden.spec import fields, from_spec, to_spec
from refsnn.golden.verify import compare
from refsnn.neurons import LIF, NEURONS, Ternary
from refsnn.surrogates import SURROGATES, Arctan

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.fixture(scope="module")
def golden():
    """The committed manifest and every case's arrays (hash-checked by load_case)."""
    document = manifest.load(GOLDEN)
    return document, {e["name"]: manifest.load_case(GOLDEN, e) for e in document["cases"]}


def inputs_of(arrays: dict) -> dict:
    return {key: arrays[key] for key in manifest.INPUTS}


# --- the committed golden files ---------------------------------------------------------------

def test_every_case_recomputes_within_its_tolerances(golden):
    document, arrays = golden
    failed = []
    for entry in document["cases"]:
        got = run(from_spec(entry["model"]), inputs_of(arrays[entry["name"]]), "numpy")
        row = compare(entry, arrays[entry["name"]], got)
        if not row.passed:
            failed.append(f"{row.name}: {row.problem or row.where} ({row.ratio:.3g} x tol)")
    assert not failed, failed


def test_the_manifest_lists_exactly_the_table_and_no_file_is_stale(golden):
    document, _ = golden
    listed = [entry["name"] for entry in document["cases"]]
    assert listed == sorted(case.name for case in cases.cases()), \
        "golden/ is out of date: run `refsnn golden generate --force`"
    assert sorted(p.name for p in GOLDEN.glob("*.npz")) == sorted(e["file"]
                                                                  for e in document["cases"])
    assert {entry["model"]["class"] for entry in document["cases"]} == set(NEURONS)


def test_manifest_header(golden):
    document, _ = golden
    assert document["schema_version"] == manifest.SCHEMA_VERSION
    assert document["loss"] == "L = sum(grad_spikes * spikes) + sum(grad_v * v)"
    for entry in document["cases"]:
        assert entry["tolerances"]["spikes"] == {"atol": 0.0, "rtol": 0.0}, entry["name"]
        assert entry["file"] == entry["name"] + ".npz"


def test_exact_cases_are_exact_arithmetic(golden):
    """An ``exact`` case's float32 and float64 runs agree bit for bit: no step rounded."""
    _, arrays = golden
    exact = [case.stem for case in cases.cases() if case.exact and case.dtype == "float64"]
    assert exact
    for stem in exact:
        single, double = arrays[f"{stem}_float32"], arrays[f"{stem}_float64"]
        for key in ("x", "v0", "spikes", "h", "v"):
            np.testing.assert_array_equal(single[key].astype(np.float64), double[key],
                                          err_msg=f"{stem}: {key}")


def test_exact_tolerances_are_exact(golden):
    """An exact case's membranes have tolerance 0, and a gradient group whose tolerance is 0
    was computed without rounding: the case's inputs, converted exactly to the other float
    dtype (where they convert exactly), give the same gradients bit for bit."""
    document, arrays = golden
    entries = {entry["name"]: entry for entry in document["cases"]}
    exact = [case for case in cases.cases() if case.exact or case.rounded]
    assert {case.stem.split("_")[0] for case in exact} >= {"edge", "exact", "window",
                                                            "rounding"}
    checked = 0
    for case in exact:
        tols = entries[case.name]["tolerances"]
        assert tols["membranes"]["atol"] == 0.0, case.name
        zero = [key for key in manifest.GROUPS["gradients"]
                if tols["gradients"]["atol"] == 0.0]
        zero += [f"grad_param_{name}" for name, tol in tols["parameter_gradients"].items()
                 if tol["atol"] == 0.0]
        other = np.float64 if case.dtype == "float32" else np.float32
        inputs = {key: a.astype(other) for key, a in inputs_of(arrays[case.name]).items()}
        if zero and all(np.array_equal(a, arrays[case.name][key]) for key, a in inputs.items()):
            again = run(case.neuron, inputs, "numpy")
            for key in zero:
                np.testing.assert_array_equal(np.asarray(again[key], np.float64),
                                              arrays[case.name][key].astype(np.float64),
                                              err_msg=f"{case.name}: {key}")
            checked += 1
    assert checked >= 40


def test_every_model_hits_every_threshold_under_both_compares_and_resets_to_nonzero(golden):
    """Per model, exact cases in both dtypes under ">=" and ">", with a soft reset and with a
    hard reset to a non-zero v_reset, each with some membrane exactly on every threshold (each
    level, both signs; recomputed from the files)."""
    _, arrays = golden
    seen = set()
    for case in cases.cases():
        if case.every_threshold:
            outputs = arrays[case.name]
            assert tolerances.every_threshold_hit(case.neuron, outputs), case.name
            p = case.neuron.kind_params(np.float64)
            reset = "soft" if p.soft else ("nonzero" if p.v_rest != 0 else "zero")
            seen.add((type(case.neuron).__name__, p.fire_at_zero, reset, case.dtype))
    wanted = {(model, fire_at_zero, reset, dtype) for model in NEURONS
              for fire_at_zero in (True, False) for reset in ("soft", "nonzero")
              for dtype in cases.DTYPES}
    assert wanted <= seen, sorted(wanted - seen)


def test_window_cases_land_on_both_edges_of_a_window(golden):
    """Each window case, recomputed from its file, has surrogate arguments exactly on a left
    and on a right edge (the gradients jump under an infinitesimal move either way), for the
    rectangular surrogate on every spike kind and for the ramp."""
    _, arrays = golden
    window = [case for case in cases.cases() if case.edges]
    for case in window:
        data = arrays[case.name]
        assert tolerances.edges_hit(case.neuron, inputs_of(data), data), case.name
    assert {case.neuron.kind for case in window} == {cls.kind for cls in NEURONS.values()}
    assert {getattr(case.neuron, "derivative", "") for case in window} >= {"ramp"}


def options(spec: dict, prefix: str = "") -> dict[str, object]:
    """``{path: value}`` of every parameter of a model spec (the wrapped neuron's under
    ``neuron.``, its class under ``neuron.class``; a surrogate as ``.surrogate``, ``.alpha``,
    ``.scale``)."""
    found = {f"{prefix}class": spec["class"]} if prefix else {}
    for name, value in spec["params"].items():
        if isinstance(value, dict) and "class" in value:
            found |= options(value, f"{prefix}{name}.")
        elif isinstance(value, dict):
            found |= {f"{prefix}{name}.{key}": item for key, item in value.items()}
        else:
            found[prefix + name] = tuple(value) if isinstance(value, list) else value
    return found


def test_every_option_takes_two_values_or_more():
    """The coverage rule: for every model of NEURONS, every parameter of its spec (its own,
    the wrapped neuron's and its class, the surrogate's name, alpha and scale) takes two
    values or more among that model's cases; and for every surrogate family, alpha and scale
    each take two values or more. A new model, option or surrogate without variation fails."""
    by_model = {model: {} for model in NEURONS}
    by_family = {cls.name: {"alpha": set(), "scale": set()} for cls in SURROGATES}
    for case in cases.cases():
        spec = to_spec(case.neuron)
        for path, value in options(spec).items():
            by_model[spec["class"]].setdefault(path, set()).add(value)
        surrogate = case.neuron.surrogate
        for key in ("alpha", "scale"):
            by_family[surrogate.name][key].add(getattr(surrogate, key))
    alike = [f"{model}: {path} = {values}" for model, paths in by_model.items()
             for path, values in paths.items() if len(values) < 2]
    alike += [f"{family} surrogate: {key} = {values}" for family, keys in by_family.items()
              for key, values in keys.items() if len(values) < 2]
    assert not alike, alike
    for model, paths in by_model.items():
        assert set(fields(NEURONS[model])) <= {path.split(".")[0] for path in paths}, model


def test_files_are_plain_uncompressed_npz_with_fixed_timestamps():
    path = GOLDEN / "lif_sigmoid_soft_attached_float32.npz"
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
    with np.load(path) as data:
        assert data["x"].dtype == np.float32 and data["grad_param_tau"].shape == ()


# --- model specs --------------------------------------------------------------------------------

def test_every_case_model_spec_round_trips():
    for case in cases.cases():
        spec = to_spec(case.neuron)
        assert to_spec(from_spec(json.loads(json.dumps(spec)))) == spec, case.name
        assert from_spec(spec) == case.neuron, case.name


def test_a_spec_gives_every_parameter_recursively():
    spec = to_spec(Ternary(neuron=LIF(tau=3.0, v_reset=None, surrogate=Arctan(alpha=2.5))))
    assert spec["params"].keys() == {"neuron", "amplitude", "surrogate_centre"}
    assert spec["params"]["neuron"]["params"] == {
        "v_threshold": 1.0, "v_reset": None, "detach_reset": False, "compare": ">=",
        "surrogate": {"surrogate": "arctan", "alpha": 2.5, "scale": 1.0}, "tau": 3.0,
        "decay_input": True}


@pytest.mark.parametrize("change, message", [
    (lambda s: s["params"].pop("tau"), r"model\.params: .*missing \['tau'\]"),
    (lambda s: s["params"].update(beta=0.5), r"model\.params: .*unknown \['beta'\]"),
    (lambda s: s.update({"class": "Leaky"}), r"model\.class: expected one of"),
    (lambda s: s["params"]["surrogate"].update(surrogate="atan"),
     r"model\.params\.surrogate\.surrogate: expected a canonical surrogate name"),
    (lambda s: s["params"].update(tau=0.5), r"model\.params\.tau: expected a value >= 1"),
    (lambda s: s["params"].update(compare={"x": 1}), r"model\.params\.compare: expected"),
])
def test_bad_specs_name_the_field(change, message):
    spec = to_spec(LIF(tau=3.0))
    change(spec)
    with pytest.raises(ValueError, match=message):
        from_spec(spec)


def test_infinite_parameters_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match=r"model\.params\.tau: expected a finite number"):
        to_spec(LIF(tau=float("inf")))


# --- damaged golden files -------------------------------------------------------------------------

CASE = "lif_sigmoid_hard_attached_float64"


@pytest.fixture
def copy(tmp_path):
    """A copy of the golden directory, and a results directory refsnn filled for CASE."""
    shutil.copytree(GOLDEN, tmp_path / "golden")
    (tmp_path / "results").mkdir()
    entry = next(e for e in manifest.load(GOLDEN)["cases"] if e["name"] == CASE)
    arrays = manifest.load_case(GOLDEN, entry)
    got = run(from_spec(entry["model"]), inputs_of(arrays), "numba")
    (tmp_path / "results" / entry["file"]).write_bytes(io.npz_bytes(got))
    return tmp_path


def verify_cli(tmp_path, *extra) -> int:
    return main(["golden", "verify", str(tmp_path / "results"), "--golden",
                 str(tmp_path / "golden"), "--only", CASE, *extra])


def damage_flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def damage_truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


@pytest.mark.parametrize("damage", [damage_flip, damage_truncate, Path.unlink])
def test_a_damaged_or_missing_golden_file_is_an_error_naming_it(copy, capsys, damage):
    assert verify_cli(copy) == 0
    damage(copy / "golden" / f"{CASE}.npz")
    assert verify_cli(copy) == 3
    err = capsys.readouterr().err
    assert f"{CASE}.npz" in err and ("sha256" in err or "missing" in err)


def test_an_unreadable_golden_file_with_a_matching_hash_is_an_error(copy, capsys):
    path = copy / "golden" / f"{CASE}.npz"
    damage_truncate(path)
    text = (copy / "golden" / manifest.NAME).read_text()
    entry = next(e for e in json.loads(text)["cases"] if e["name"] == CASE)
    text = text.replace(entry["sha256"], io.sha256(path.read_bytes()))
    (copy / "golden" / manifest.NAME).write_text(text)
    assert verify_cli(copy) == 3
    assert f"{CASE}.npz: not a readable .npz" in capsys.readouterr().err


@pytest.mark.parametrize("edit, message", [
    (lambda text: text.replace('"schema_version": 1', '"schema_version": 2'),
     "schema_version 2 is not 1"),
    (lambda text: text[: len(text) // 2], "not valid JSON"),
])
def test_an_unknown_schema_or_damaged_manifest_is_an_error(copy, capsys, edit, message):
    path = copy / "golden" / manifest.NAME
    path.write_text(edit(path.read_text()))
    assert verify_cli(copy) == 3
    err = capsys.readouterr().err
    assert str(path) in err and message in err


# --- verify --------------------------------------------------------------------------------------

def test_verify_passes_refsnn_numba_results_and_names_a_perturbed_case(golden, tmp_path, capsys):
    """Every case rerun by the Numba backend passes; one value moved fails, naming the case."""
    document, arrays = golden
    results = tmp_path / "results"
    results.mkdir()
    for entry in document["cases"]:
        got = run(from_spec(entry["model"]), inputs_of(arrays[entry["name"]]), "numba")
        (results / entry["file"]).write_bytes(io.npz_bytes(got))
    args = ["golden", "verify", str(results), "--golden", str(GOLDEN)]
    assert main(args) == 0
    assert f"{len(document['cases'])} passed, 0 failed" in capsys.readouterr().out
    path = results / f"{CASE}.npz"
    got = io.read_npz(path.read_bytes())
    got["grad_x"][3, 1] += 1e-9  # far below float32 noise, far above this float64 tolerance
    path.write_bytes(io.npz_bytes(got))
    assert main(args) == 1
    out = capsys.readouterr().out
    assert f"1 failed: {CASE}" in out
    row = next(line for line in out.splitlines() if line.startswith(CASE))
    assert " FAIL " in row and "grad_x[3, 1]" in row


@pytest.mark.parametrize("change, problem", [
    (lambda got: got.pop("h"), "missing array 'h'"),
    (lambda got: got.update(v=got["v"].astype(np.float32)), "v: float32"),
    (lambda got: got["spikes"].__setitem__((0, 0), np.nan), "spikes[0, 0]"),
])
def test_verify_fails_a_result_that_is_incomplete_mistyped_or_nan(copy, capsys, change,
                                                                    problem):
    path = copy / "results" / f"{CASE}.npz"
    got = io.read_npz(path.read_bytes())
    change(got)
    path.write_bytes(io.npz_bytes(got))
    assert verify_cli(copy) == 1
    assert problem in capsys.readouterr().out


def test_verify_fails_a_missing_result_and_selects_cases_from_a_file(copy, capsys):
    listing = copy / "cases.txt"
    listing.write_text(f"# the cases this implementation supports\n{CASE}\nedge_zero_input_*\n")
    args = ["golden", "verify", str(copy / "results"), "--golden", str(copy / "golden"),
            "--cases", str(listing)]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "missing result file" in out and "edge_zero_input_if_float32" in out
    assert next(line for line in out.splitlines() if line.startswith(CASE)).split()[1] == "pass"
    assert main([*args[:-2], "--only", "no_such_case*"]) == 2


def test_the_snntorch_example_of_the_docs_passes(tmp_path, capsys):
    """tools/golden_snntorch.py: the 10 cases docs/golden.md lists, all passing."""
    pytest.importorskip("snntorch")
    from tools.golden_snntorch import write_results

    assert len(write_results(GOLDEN, tmp_path)) == 10
    assert main(["golden", "verify", str(tmp_path), "--golden", str(GOLDEN), "--cases",
                 str(tmp_path / "cases.txt")]) == 0
    assert "10 passed, 0 failed" in capsys.readouterr().out


# --- generate ------------------------------------------------------------------------------------

def test_generate_is_deterministic_and_refuses_to_overwrite(tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    assert generate(first) == 0 and generate(second) == 0
    names = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    assert names == sorted(str(p.relative_to(second)) for p in second.rglob("*") if p.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    capsys.readouterr()
    target = first / f"{CASE}.npz"
    original = target.read_bytes()
    damage_flip(target)
    damaged = target.read_bytes()
    (first / "old_case.npz").write_bytes(b"")
    assert generate(first) == 1
    out = capsys.readouterr().out
    assert f"would change (refused)  {target}" in out and "stale" in out and "old_case" in out
    assert target.read_bytes() == damaged
    assert generate(first, force=True) == 0
    assert target.read_bytes() == original
    assert not list(first.glob(".*.tmp"))
