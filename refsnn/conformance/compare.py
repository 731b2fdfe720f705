"""Run a conformance case through a target and compare it with the NumPy reference.

Every quantity is compared by its *error*, ``max |target - reference| / max(1, max |reference|)``
(absolute below 1, relative above), against the float64 bound of ``refsnn.tolerances.CONFORMANCE``
(the one tolerance module, where each bound's reason is stated): spikes exactly, membranes,
gradients and surrogate derivatives to fixed bounds.
"""

from __future__ import annotations

from types import ModuleType
from typing import NamedTuple

import numpy as np

from refsnn.cases.inputs import Inputs
from refsnn.conformance.cases import CASES, SURROGATE_CASES, SURROGATE_X, Case, SurrogateCase
from refsnn.neurons import Neuron
from refsnn.tolerances import CONFORMANCE


class Mismatch(NamedTuple):
    """A quantity whose error exceeds its tolerance, and where its largest error is."""

    quantity: str
    error: float
    where: str


class Outcome(NamedTuple):
    """The result of one case: ``status`` is "pass", "differs" or "unsupported"."""

    case_id: str
    status: str
    mismatches: tuple[Mismatch, ...] = ()  # in causal order: spikes, h, v, gradients
    reason: str = ""  # why the target does not support the case

    @property
    def largest(self) -> Mismatch | None:
        """The mismatch with the largest error (None if the case passed or is unsupported)."""
        return max(self.mismatches, key=lambda m: m.error, default=None)


def tolerance(quantity: str) -> float:
    """The largest allowed error of a quantity (refsnn.tolerances.CONFORMANCE; every
    ``grad_*`` shares ``"grad"``)."""
    return CONFORMANCE["grad" if quantity.startswith("grad_") else quantity]


def error(got: object, want: np.ndarray) -> tuple[float, str]:
    """``(error, where)`` of a target's value against the reference's: ``where`` is the index of
    the largest difference, ``[t, i, j]`` for a time series. A wrong shape or a NaN where the
    reference has a number is an infinite error."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return np.inf, f"shape {got.shape}, expected {want.shape}"
    diff = np.where(np.isnan(got - want), np.inf, np.abs(got - want))
    if diff.size == 0:
        return 0.0, ""
    index = np.unravel_index(int(np.argmax(diff)), diff.shape)
    scale = max(1.0, float(np.abs(want).max()))
    return float(diff[index]) / scale, str(list(map(int, index))) if index else ""


def reference(neuron: Neuron, data: Inputs) -> dict[str, np.ndarray]:
    """Every quantity of the NumPy reference on this data."""
    trace = neuron.forward(data.x, data.v0, backend="numpy")
    grads = neuron.backward(trace, data.grad_spikes, data.grad_v, backend="numpy")
    out = {"spikes": trace.spikes, "h": trace.h, "v": trace.v, "grad_x": grads.x,
           "grad_v0": grads.v0}
    return out | {f"grad_{name}": np.float64(value) for name, value in grads.params.items()}


def measure(target: ModuleType, neuron: Neuron, data: Inputs) -> dict[str, object]:
    """Every quantity the target returns on this data (absent ones are left out)."""
    spikes, h, v = target.forward(neuron, data.x, data.v0)
    grad_x, grad_v0, params = target.backward(neuron, data.x, data.v0, data.grad_spikes,
                                              data.grad_v)
    out = {"spikes": spikes, "h": h, "v": v, "grad_x": grad_x, "grad_v0": grad_v0}
    out |= {f"grad_{name}": value for name, value in params.items()}
    return {name: value for name, value in out.items() if value is not None}


def run_case(target: ModuleType, case: Case) -> Outcome:
    """Run ``case`` through ``target`` and compare every quantity it returns."""
    reason = target.supports(case.neuron)
    if reason is not None:
        return Outcome(case.id, "unsupported", reason=reason)
    found = mismatches(target, case.neuron, case.data())
    return Outcome(case.id, "differs" if found else "pass", found)


def mismatches(target: ModuleType, neuron: Neuron, data: Inputs) -> tuple[Mismatch, ...]:
    """Every quantity the target returns on ``data`` whose error exceeds its tolerance."""
    return tuple(compare_all(measure(target, neuron, data), reference(neuron, data)))


def compare_all(got: dict, want: dict, tolerance_of=tolerance) -> list[Mismatch]:
    """The mismatch of every quantity in ``got`` whose error exceeds ``tolerance_of(it)``."""
    found = []
    for quantity, value in got.items():
        if quantity not in want:
            found.append(Mismatch(quantity, np.inf, "not a reference quantity"))
            continue
        err, where = error(value, want[quantity])
        if not err <= tolerance_of(quantity):
            found.append(Mismatch(quantity, err, where))
    return found


def run_surrogate_case(target: ModuleType, case: SurrogateCase) -> Outcome:
    """Compare the target's ``surrogate_derivative`` with the canonical derivative."""
    try:
        got = target.surrogate_derivative(case.surrogate, SURROGATE_X)
    except NotImplementedError as missing:
        return Outcome(case.id, "unsupported", reason=str(missing))
    err, where = error(got, case.surrogate.derivative(SURROGATE_X))
    if err <= CONFORMANCE["derivative"]:
        return Outcome(case.id, "pass")
    x = SURROGATE_X[int(where.strip("[]"))]
    return Outcome(case.id, "differs", (Mismatch("derivative", err, f"x={x:.6g}"),))


def run_all(target: ModuleType) -> tuple[Outcome, ...]:
    """Every case of the table, every surrogate case, then every network case (unsupported
    if the target lacks the optional network protocol), through ``target``."""
    from refsnn.conformance.network_cases import NETWORK_CASES  # they import this module
    from refsnn.conformance.network_compare import run_network_case

    return (tuple(run_case(target, case) for case in CASES)
            + tuple(run_surrogate_case(target, case) for case in SURROGATE_CASES)
            + tuple(run_network_case(target, case) for case in NETWORK_CASES))
