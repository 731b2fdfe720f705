"""The conformance machinery itself: targets, comparison, expectations, report and CLI.

The conformance suite is only as good as its plumbing, so (as array-api-tests' meta_tests) the
helpers are tested here: a broken target must be caught, the expectation semantics must be
those of a strict xfail, and the report must be written atomically.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from refsnn import targets
from refsnn.cli import main
from refsnn.conformance import compare, expectations, report
from refsnn.conformance.cases import ALL_IDS, CASES, SURROGATE_CASES
from refsnn.conformance.compare import Mismatch, Outcome
from refsnn.conformance.network_cases import NETWORK_CASES
from refsnn.targets import refsnn_numpy

CASE = next(case for case in CASES if case.id == "LIF-decay-soft-ge/drive/0")


def broken(**changes):
    """The refsnn_numpy target with some of its functions replaced."""
    functions = {name: getattr(refsnn_numpy, name) for name in
                 ("NAME", "VERSION", "supports", "forward", "backward", "surrogate_derivative")}
    return SimpleNamespace(**(functions | changes))


def test_reference_target_passes_every_case():
    outcomes = compare.run_all(refsnn_numpy)
    assert {o.status for o in outcomes} == {"pass"}
    assert len(outcomes) == len(CASES) + len(SURROGATE_CASES) + len(NETWORK_CASES)


def test_ids_are_unique_and_name_their_generator():
    assert len(set(ALL_IDS)) == len(ALL_IDS)
    assert all(case.id.split("/")[1] == case.draw.name for case in CASES)


def test_grid_inputs_hit_the_threshold_exactly():
    """The grid generator really exercises the compare convention."""
    case = next(case for case in CASES if case.id == "LIF-decay-hard-ge/grid/0")
    trace = case.neuron.forward(case.data().x, case.data().v0, backend="numpy")
    assert np.any(trace.h == case.neuron.v_threshold)


@pytest.mark.parametrize("change, quantity", [
    (dict(forward=lambda n, x, v0: (lambda s, h, v: (s, h, v + 1e-9))(
        *refsnn_numpy.forward(n, x, v0))), "v"),
    (dict(forward=lambda n, x, v0: (lambda s, h, v: (1 - s, h, v))(
        *refsnn_numpy.forward(n, x, v0))), "spikes"),
    (dict(backward=lambda n, x, v0, gs, gv: (lambda gx, g0, p: (gx * (1 + 1e-8), g0, p))(
        *refsnn_numpy.backward(n, x, v0, gs, gv))), "grad_x"),
    (dict(backward=lambda n, x, v0, gs, gv: (lambda gx, g0, p: (gx, g0, p | {"tau": 0.0}))(
        *refsnn_numpy.backward(n, x, v0, gs, gv))), "grad_tau"),
    (dict(forward=lambda n, x, v0: (lambda s, h, v: (s[1:], h, v))(
        *refsnn_numpy.forward(n, x, v0))), "spikes"),
])
def test_a_broken_target_is_caught(change, quantity):
    outcome = compare.run_case(broken(**change), CASE)
    assert outcome.status == "differs"
    assert quantity in [m.quantity for m in outcome.mismatches]


def test_unsupported_and_missing_quantities():
    outcome = compare.run_case(broken(supports=lambda n: "no such neuron"), CASE)
    assert (outcome.status, outcome.reason) == ("unsupported", "no such neuron")
    partial = broken(forward=lambda n, x, v0: (lambda s, h, v: (s, None, v))(
        *refsnn_numpy.forward(n, x, v0)))
    assert compare.run_case(partial, CASE).status == "pass"  # an absent h is not compared


def test_surrogate_case_not_implemented_is_unsupported():
    def missing(surrogate, x):
        raise NotImplementedError("none here")

    outcome = compare.run_surrogate_case(broken(surrogate_derivative=missing), SURROGATE_CASES[0])
    assert (outcome.status, outcome.reason) == ("unsupported", "none here")


# --- expectations ----------------------------------------------------------------------------

TEXT = """\
# a comment
LIF-decay-soft-ge/ | v, grad_* | 1e-6 | float32 somewhere   # trailing comment
invariant/zero | property | - | a bug
"""


def test_parse():
    first, second = expectations.parse(TEXT)
    assert first == ("LIF-decay-soft-ge/", ("v", "grad_*"), 1e-6, "float32 somewhere", 2)
    assert second.max_error == math.inf


@pytest.mark.parametrize("text, message", [
    ("LIF | v | 1", r"^f: line 1: expected 'case-id prefix \| quantities \| max error"),
    ("LIF | v | | why", r"^f: line 1: expected"),
    ("LIF | v | big | why", r"^f: line 1: max error: expected a number >= 0 or '-', got 'big'"),
    ("\n\nLIF | v | -1 | why", r"^f: line 3: max error"),
])
def test_parse_errors_name_the_line(text, message):
    with pytest.raises(ValueError, match=message):
        expectations.parse(text, "f")


ENTRIES = expectations.parse("A/ | v, grad_* | 1e-3 | why A\n")


@pytest.mark.parametrize("outcome, ok, known", [
    (Outcome("A/1", "unsupported", reason="r"), True, False),
    (Outcome("B/1", "pass"), True, False),
    (Outcome("A/1", "pass"), False, False),  # listed, but agrees: strict
    (Outcome("A/1", "differs", (Mismatch("grad_x", 1e-4, "[0]"),)), True, True),
    (Outcome("A/1", "differs", (Mismatch("grad_x", 1e-2, "[0]"),)), False, False),  # too big
    (Outcome("A/1", "differs", (Mismatch("spikes", 1.0, "[0]"),)), False, False),  # not listed
    (Outcome("B/1", "differs", (Mismatch("v", 1e-9, "[0]"),)), False, False),
])
def test_verdict_has_strict_xfail_semantics(outcome, ok, known):
    judged = expectations.verdict(outcome, ENTRIES)
    assert (judged.ok, judged.known) == (ok, known), judged.message


def test_unmatched_entries():
    entries = expectations.parse("IF-hard-ge/ | v | 1 | a\nnothing/ | v | 1 | b\n")
    assert [e.prefix for e in expectations.unmatched(entries, ALL_IDS)] == ["nothing/"]


@pytest.mark.parametrize("name", targets.TARGETS)
def test_committed_expectation_files_parse_and_match(name):
    from refsnn.spec import EXPECTATIONS_DIR

    entries = expectations.load(EXPECTATIONS_DIR / f"{name}.txt")
    assert not expectations.unmatched(entries, ALL_IDS)


# --- targets, report and CLI -----------------------------------------------------------------

def test_write_is_atomic_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "r.md"
    report.write(path, "one\n")
    with pytest.raises(FileExistsError, match=r"r.md: exists; pass force=True"):
        report.write(path, "two\n")
    report.write(path, "two\n", force=True)
    assert path.read_text() == "two\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]  # no temporary left behind


def test_cli_writes_a_report_with_every_case(tmp_path, capsys):
    out = tmp_path / "refsnn_numpy.md"
    assert main(["conformance", "--target", "refsnn_numpy", "--out", str(out)]) == 0
    text = out.read_text()
    every = len(CASES) + len(SURROGATE_CASES) + len(NETWORK_CASES)
    assert text.count("| pass |") == every
    assert f"{every} cases" in capsys.readouterr().err
    assert main(["conformance", "--target", "refsnn_numpy", "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err


def test_cli_rejects_an_unknown_target(capsys):
    assert main(["conformance", "--target", "tensorflow"]) == 2
    assert "target: expected a built-in name" in capsys.readouterr().err


@pytest.mark.parametrize("factor", [1.0, 0.37])
@pytest.mark.parametrize("framework", ["spikingjelly", "snntorch", "norse"])
def test_adapters_reach_every_mapped_peer_surrogate(framework, factor):
    """An adapter's SURROGATES inverts refsnn.targets.surrogate_map; a wrong inversion would
    silently turn cases into "unsupported", so every mapped row must be reachable, at and away from
    the peer's defaults."""
    from refsnn.targets import _surrogates
    from refsnn.targets.surrogate_map import PEER_SURROGATES

    pytest.importorskip(framework)
    target = targets.load(framework)
    for row in PEER_SURROGATES:
        if row.framework == framework and row.canonical is not None:
            canonical = row.canonical(**{k: v * factor for k, v in row.defaults.items()})
            found = _surrogates.match(framework, target.SURROGATES, canonical)
            assert found is not None, f"{framework} {row.name}: {canonical} is unreachable"


@pytest.mark.parametrize("framework", ["spikingjelly", "snntorch", "norse", "sinabs"])
def test_committed_reports_are_current(framework):
    """Every case's result in docs/conformance/<framework>.md is what a fresh run gives (the
    printed errors are not compared: they may move in the last digits across machines)."""
    from pathlib import Path

    pytest.importorskip(framework)
    path = Path(__file__).parents[1] / "docs" / "conformance" / f"{framework}.md"
    committed = dict(line.split(" | ")[:2] for line in path.read_text().splitlines()
                     if line.startswith("| `"))
    fresh = {f"| `{o.case_id}`": o.status for o in compare.run_all(targets.load(framework))}
    assert committed == fresh, (f"regenerate: refsnn conformance --target {framework} "
                                f"--out {path.relative_to(path.parents[2])} --force")
