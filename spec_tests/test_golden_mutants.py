"""The golden mutation test (refsnn/golden/mutants.py, docs/golden.md): every planted bug in
the NumPy reference fails some golden case under ``refsnn golden verify``; the reference
itself fails none; a mutant is planted only inside its ``with`` block."""

from __future__ import annotations

import contextlib
from pathlib import Path
from unittest.mock import patch

from refsnn.cli import main
from refsnn.golden import manifest, mutants
from refsnn.neurons import reference
from refsnn.neurons.kinds import binary, mtsnn, multithreshold, ternary
from refsnn.surrogates import Rectangular, rectangular_g0

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def test_every_planted_bug_fails_a_golden_case(capsys):
    """``refsnn golden mutants``: the mutation score is 100 % on 20 mutants or more (each
    stops at its first kill), every mutant named once with the case that killed it."""
    assert main(["golden", "mutants", "--golden", str(GOLDEN)]) == 0
    out = capsys.readouterr().out
    names = [mutant.name for mutant in mutants.MUTANTS]
    assert len(names) >= 20 and len(set(names)) == len(names)
    assert f"mutation score: {len(names)}/{len(names)} killed (100 %)" in out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:-1]}
    assert rows.keys() == set(names) and all((GOLDEN / f"{case}.npz").is_file()
                                             for case in rows.values())


def test_the_reference_itself_fails_no_case(tmp_path):
    """A 'mutant' that changes nothing survives every exact, window and rounding case: a kill
    comes from the planted bug, not from the runner."""
    document = manifest.load(GOLDEN)
    entries = [e for e in document["cases"] if e["name"].startswith(("exact_", "window_",
                                                                      "rounding_"))]
    arrays = {e["name"]: manifest.load_case(GOLDEN, e) for e in entries}
    unchanged = mutants.Mutant("unchanged", "the reference as it is", contextlib.nullcontext)
    assert not mutants.first_kill(unchanged, GOLDEN, tmp_path, entries, arrays).killed
    assert len(list(tmp_path.glob("*.npz"))) == len(entries)


def test_a_crashing_mutant_is_broken_not_a_kill(tmp_path):
    entry = next(e for e in manifest.load(GOLDEN)["cases"] if e["name"].startswith("exact_"))
    arrays = {entry["name"]: manifest.load_case(GOLDEN, entry)}

    def crash(*args):
        raise IndexError("planted")

    broken = mutants.Mutant("broken", "crashes", lambda: patch.object(reference, "forward",
                                                                       crash))
    verdict = mutants.first_kill(broken, GOLDEN, tmp_path, [entry], arrays)
    assert not verdict.killed and verdict.crash == f"{entry['name']}: IndexError: planted"
    assert "CRASHED" in mutants.report([verdict]).splitlines()[1]


def test_a_mutant_is_planted_only_inside_its_block():
    originals = (reference.forward, reference.backward, reference.charge, binary.fire,
                 ternary.reset, multithreshold.fire_grad, mtsnn.fire, Rectangular.g0)
    for mutant in mutants.MUTANTS:
        with mutant.patch():
            pass
    assert (reference.forward, reference.backward, reference.charge, binary.fire,
            ternary.reset, multithreshold.fire_grad, mtsnn.fire, Rectangular.g0) == originals
    assert Rectangular.g0 is rectangular_g0
