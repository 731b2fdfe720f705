"""A golden case's inputs, its expected outputs (the NumPy reference) and its tolerances.

The inputs come from the case's seeded draw; a draw that does not make a clean test is
replaced by the next one (``attempt`` 1, 2, ... in the seed): a random case whose spikes would
change within the membrane tolerance, or whose gradients jump within it (a membrane next to a
discontinuity of the surrogate), or, for a ``varied`` case, whose spikes are all alike; an
``exact`` or ``rounded`` case with no membrane exactly on a threshold, or, if it asks for it,
not on every threshold (``every_threshold``) or not on both edges of a surrogate window
(``edges``).

A case with a given ``x`` (``Case.given``: a user's array) has no retry: its one draw (of the
arrays not given) is kept, with the tolerances the same error model gives on its arrays, and a
warning names the case if a spike would change within the membrane tolerance (then an
implementation correct to that tolerance may still fail the exact spike comparison) or a
gradient jumps within it.
"""

from __future__ import annotations

import warnings

import numpy as np

from refsnn.cases import Case
from refsnn.golden import tolerances
from refsnn.neurons import Neuron

ATTEMPTS = 200
JUMP = 0.1  # a gradient change above JUMP * G within the membrane tolerance is a jump


def run(neuron: Neuron, inputs: dict, backend: str) -> dict[str, np.ndarray]:
    """Every output of ``neuron`` on ``inputs``, with the loss
    ``L = sum(grad_spikes * spikes) + sum(grad_v * v)``; parameter gradients as float64
    scalars under ``grad_param_<name>``."""
    trace = neuron.forward(inputs["x"], inputs["v0"], backend=backend)
    grads = neuron.backward(trace, inputs["grad_spikes"], inputs["grad_v"], backend=backend)
    outputs = {"spikes": trace.spikes, "h": trace.h, "v": trace.v, "grad_x": grads.x,
               "grad_v0": grads.v0}
    return outputs | {f"grad_param_{name}": np.asarray(value, dtype=np.float64)
                      for name, value in grads.params.items()}


def expected(case: Case) -> tuple[dict, dict, dict]:
    """The case's ``(inputs, outputs, tolerances)`` from its first clean draw."""
    given = "x" in case.given
    for attempt in range(1 if given else ATTEMPTS):
        inputs = case.data(attempt)._asdict()
        outputs = run(case.neuron, inputs, backend="numpy")
        membranes = 0.0 if case.exact or case.rounded else tolerances.membrane_atol(
            case.neuron, inputs, outputs)
        sensitivity = tolerances.shift_sensitivity(case.neuron, inputs, outputs, membranes)
        clean = _clean(case, inputs, outputs, membranes, sensitivity)
        if given and not clean:
            warnings.warn(f"{case.name}: a spike changes, or a gradient jumps, when the "
                          f"membranes move by their tolerance {membranes:.2g}: an "
                          "implementation within it may fail this case", stacklevel=2)
        if clean or given:
            exact = _exact_arrays(case, inputs, outputs) if case.exact else frozenset()
            return inputs, outputs, tolerances.table(case.neuron, inputs, outputs, membranes,
                                                     sensitivity, exact)
    raise RuntimeError(f"{case.name}: inputs: expected a clean draw, got none in {ATTEMPTS} "
                       "attempts; change the inputs' range, generator or seed (a built-in "
                       "case: its Draw)")


def _exact_arrays(case: Case, inputs: dict, outputs: dict) -> frozenset:
    """The gradient outputs of an exact case computed without rounding, as far as a run in
    the other float dtype tells: those it gives bit for bit (its inputs converted exactly, or
    only down from float64 where they hold float32 values, else the runs differ)."""
    other = np.float32 if case.dtype == "float64" else np.float64
    again = run(case.neuron, {key: a.astype(other) for key, a in inputs.items()}, "numpy")
    return frozenset(key for key in again if key.startswith("grad_") and np.array_equal(
        np.asarray(again[key], np.float64), np.asarray(outputs[key], np.float64)))


def _clean(case: Case, inputs: dict, outputs: dict, membranes: float,
           sensitivity: dict) -> bool:
    if case.exact or case.rounded:
        return (tolerances.on_threshold(case.neuron, outputs)
                and (not case.every_threshold
                     or tolerances.every_threshold_hit(case.neuron, outputs))
                and (not case.edges or tolerances.edges_hit(case.neuron, inputs, outputs)))
    if case.varied and np.unique(outputs["spikes"]).size < 2:
        return False
    jump = sensitivity["gradients"] > JUMP * tolerances.gradient_scale(inputs, outputs)
    return not jump and tolerances.spikes_stable(case.neuron, outputs, membranes)
