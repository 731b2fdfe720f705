"""The one case table (refsnn.cases): every model in both outputs, one Case serving both.

- every model of NEURONS has cases in each output (conformance and golden), so a new model
  cannot silently miss one;
- a conformance case is float64 on a named generator its id names; a golden case reproduces
  its committed file byte for byte; a case may feed both outputs at once;
- the MTNeuron ``grid`` cases land exactly on every threshold (so they test the compare
  convention at each level);
- bad outputs and generator names are one-line errors.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from refsnn import MTNeuron, targets
from refsnn.cases import CONFORMANCE, GOLDEN, OUTPUTS, Case, Draw, Generator, cases
from refsnn.conformance.compare import run_case
from refsnn.golden.expected import expected, run
from refsnn.golden.generate import case_file
from refsnn.golden.tolerances import every_threshold_hit
from refsnn.neurons import IF, NEURONS

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"


@pytest.mark.parametrize("output", OUTPUTS)
def test_every_model_has_cases_in_every_output(output):
    assert {type(case.neuron).__name__ for case in cases(output)} == set(NEURONS)


def test_conformance_cases_are_float64_on_the_generator_their_id_names():
    for case in cases(CONFORMANCE):
        _, generator, seed = case.id.split("/")
        assert isinstance(case.draw, Generator), case.id
        assert (case.draw.name, case.draw.seed, case.dtype) == (generator, int(seed), "float64")
        data = case.data()
        assert data.x.dtype == np.float64 and data.x.shape == case.shape, case.id


def test_a_case_feeds_both_outputs():
    """A golden case turned into a conformance case too: its golden file is the committed one
    (the name seeds the draw), and refsnn's Numba kernels pass it as a target."""
    name = "lif_sigmoid_soft_attached_float64"
    golden_case = next(case for case in cases(GOLDEN) if case.name == name)
    both = dataclasses.replace(golden_case, outputs=(CONFORMANCE, GOLDEN))
    data, _ = case_file(both)
    assert data == (GOLDEN_DIR / f"{name}.npz").read_bytes()
    assert run_case(targets.load("refsnn"), both).status == "pass"


def test_a_conformance_case_makes_a_golden_case():
    case = next(case for case in cases(CONFORMANCE) if case.id == "LIF-decay-soft-ge/drive/0")
    inputs, outputs, tolerances = expected(dataclasses.replace(case, outputs=(GOLDEN,)))
    np.testing.assert_array_equal(inputs["x"], case.data().x)
    assert tolerances["spikes"] == {"atol": 0.0, "rtol": 0.0}
    assert 0 < tolerances["membranes"]["atol"] < 1e-12  # 4 eps A M: A < 3, M < 10: < 3e-14


def test_mtneuron_grid_cases_land_on_every_threshold():
    grid = [case for case in cases(CONFORMANCE)
            if isinstance(case.neuron, MTNeuron) and case.draw.name == "grid"]
    assert {case.neuron.mode for case in grid} == {"parallel", "cascade"}
    for case in grid:
        outputs = run(case.neuron, case.data()._asdict(), "numpy")
        assert every_threshold_hit(case.neuron, outputs), case.id


def test_bad_outputs_and_generator_names_are_one_line_errors():
    with pytest.raises(ValueError, match=r"^outputs: expected a non-empty subset of "):
        Case("x", "", IF(), "float64", (4, 2), Draw(), outputs=("live",))
    with pytest.raises(ValueError, match=r"^name: expected one of \['drive', .*got 'ramp'"):
        Generator("ramp", 0)
    with pytest.raises(ValueError, match=r"^output: expected one of .*got 'frozen'"):
        cases("frozen")
