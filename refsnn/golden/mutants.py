"""Mutation test of the golden set: planted bugs that the golden vectors must catch.

Each mutant is one small variant of the NumPy reference: a function that the reference loop
(refsnn.neurons.reference) calls, or a neuron's parameter record, replaced for the duration
of a ``with`` block (``unittest.mock.patch.object``) by the reference's own function with one
thing changed. :func:`first_kill` runs the golden cases under the mutant, writes each result
file into a results directory and stops at the first case that the verifier fails; that
case is then checked again by :func:`refsnn.golden.verify.verify`, the code path of
``refsnn golden verify`` (exit status 1). A mutant that no case fails survives. The mutation
score is the share of mutants killed; the goal is all of them (spec_tests/test_golden_mutants.py).
``refsnn golden mutants [--golden DIR]`` prints it.

Cases run in the order of ``FAMILIES`` (the exact cases first, since they kill most), so that
the first kill comes early.
"""

from __future__ import annotations

import contextlib
import io as text_io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest.mock import patch

import numpy as np

from refsnn.golden import io, manifest, thresholds, verify
from refsnn.golden.expected import run
from refsnn.golden.spec import from_spec
from refsnn.neurons import IF, LIF, PLIF, MTNeuron, MultiThreshold, Ternary, reference
from refsnn.neurons.binary import BinaryNeuron
from refsnn.neurons.kinds import binary, mtsnn, multithreshold, ternary
from refsnn.surrogates import SURROGATES, Rectangular, StraightThrough, Triangular, rectangular_g0

FAMILIES = ("exact_", "window_", "rounding_", "options_", "edge_", "")
"""Case-name prefixes in the order the cases are tried ("": every other case)."""


@dataclass(frozen=True)
class Mutant:
    """A planted bug: ``name``, what it changes, and ``patch()``, a context manager that
    plants it."""

    name: str
    description: str
    patch: Callable[[], contextlib.AbstractContextManager]


# --- the reference's functions as they are, for the variants to call ---------------------------

_forward, _backward, _charge = reference.forward, reference.backward, reference.charge
_KINDS = {kind: {name: getattr(kind, name) for name in ("fire", "fire_grad", "reset",
                                                       "reset_grad", "param_grads")}
          for kind in (binary, ternary, multithreshold, mtsnn)}
_binary, _ternary, _multithreshold, _mtsnn = _KINDS.values()
_spike_fields = BinaryNeuron.spike_fields


def _replaced(target: object, name: str, new: object) -> Callable:
    return lambda: patch.object(target, name, new)


def _kind_params(model: type, change: Callable) -> Callable:
    """``model.kind_params`` with ``change(params)`` applied to its result."""
    original = model.kind_params
    return _replaced(model, "kind_params", lambda self, dtype: change(original(self, dtype)))


def _charge_with(**fixed) -> Callable:
    """The charge with some of its arguments (``v_rest``, ``decay_input``) fixed."""
    def charge(v, x, k, v_rest, decay_input):
        arguments = {"v_rest": v_rest, "decay_input": decay_input} | fixed
        return _charge(v, x, k, **arguments)
    return _replaced(reference, "charge", charge)


def _detach(value: bool) -> Callable:
    """BPTT with ``detach_reset`` forced to ``value`` (argument 7 of reference.backward)."""
    return _replaced(reference, "backward", lambda *a: _backward(*a[:7], value, *a[8:]))


def _delayed(array: np.ndarray) -> np.ndarray:
    """``array`` one step late along time: 0 at t = 0, ``array[t - 1]`` at t."""
    return np.concatenate([np.zeros_like(array[:1]), array[:-1]])


def _fire_flipped_at(kind, index: Callable) -> Callable:
    """The kind's fire with the other compare at threshold ``index(p)`` only."""
    return _replaced(kind, "fire", lambda h, p: thresholds.flipped(
        kind, index(p), _KINDS[kind]["fire"])(h, p))


def _ramp_window_open(h, o, p, g0):
    grad = _multithreshold["fire_grad"](h, o, p, g0)
    if p.derivative != 1:  # not the ramp
        return grad
    q = h / p.v_threshold
    return grad * ((q != 0.5) & (q != p.levels + 0.5))


def _default_alpha(cls: type) -> staticmethod:
    """``cls.g0`` at the family's default alpha, whatever alpha it is given."""
    g0, default = cls.g0, cls.alpha
    return staticmethod(lambda x, alpha: g0(x, alpha * 0 + default))


def _scale_ignored(kind) -> Callable:
    """The kind's ``fire_grad`` with the surrogate's scale 1."""
    fire_grad = _KINDS[kind]["fire_grad"]
    return lambda h, o, p, g0: fire_grad(h, o, p._replace(scale=p.scale / p.scale), g0)


def _reset_to_zero(p):
    return p._replace(v_rest=p.v_rest * 0)


MUTANTS = (
    # --- fire: compare conventions, levels, signs
    Mutant("binary_compare_always_gt", "IF/LIF/PLIF fire with '>' whatever `compare` says",
           _replaced(binary, "fire", lambda h, p: _binary["fire"](
               h, p._replace(fire_at_zero=False)))),
    Mutant("ternary_compare_wrong_at_plus_v_th", "Ternary: the other compare at +v_th only",
           _fire_flipped_at(ternary, lambda p: 0)),
    Mutant("ternary_compare_wrong_at_minus_v_th", "Ternary: the other compare at -v_th only",
           _fire_flipped_at(ternary, lambda p: 1)),
    Mutant("multithreshold_compare_wrong_at_level_1", "MultiThreshold: the other compare at v_th "
           "only", _fire_flipped_at(multithreshold, lambda p: 0)),
    Mutant("multithreshold_compare_wrong_at_top_level", "MultiThreshold: the other compare at the "
           "top threshold D v_th only", _fire_flipped_at(multithreshold, lambda p: p.levels - 1)),
    Mutant("multithreshold_compare_wrong_at_level_2", "MultiThreshold: the other compare at 2 v_th "
           "only", _fire_flipped_at(multithreshold, lambda p: min(1, p.levels - 1))),
    Mutant("mtsnn_compare_wrong_at_threshold_1", "MTNeuron: the other compare at its first "
           "threshold only", _fire_flipped_at(mtsnn, lambda p: 0)),
    Mutant("mtsnn_compare_wrong_at_threshold_2", "MTNeuron: the other compare at its second "
           "threshold only", _fire_flipped_at(mtsnn, lambda p: min(1, len(p.thresholds) - 1))),
    Mutant("mtsnn_compare_wrong_at_last_threshold", "MTNeuron: the other compare at its last "
           "threshold only", _fire_flipped_at(mtsnn, lambda p: len(p.thresholds) - 1)),
    Mutant("ternary_negative_spike_positive", "Ternary: the negative spike emitted as +a",
           _replaced(ternary, "fire", lambda h, p: np.abs(_ternary["fire"](h, p)))),
    Mutant("multithreshold_level_cap_off_by_one", "MultiThreshold fires up to D + 1 levels",
           _replaced(multithreshold, "fire", lambda h, p: _multithreshold["fire"](
               h, p._replace(levels=p.levels + 1)))),
    Mutant("mtsnn_emits_thresholds_not_amplitudes", "MTNeuron: each threshold emits (and a "
           "cascade subtracts) its threshold rho_i V instead of its amplitude c_i V",
           _replaced(mtsnn, "fire", lambda h, p: _mtsnn["fire"](h, p._replace(
               amplitudes=p.thresholds)))),
    # --- reset values
    *(Mutant(f"{model.__name__.lower()}_reset_value_ignored", f"{model.__name__}: the hard "
             "reset sets 0 instead of v_reset (the leak still pulls towards v_reset)",
             _kind_params(model, _reset_to_zero))
      for model in (IF, LIF, PLIF, Ternary, MultiThreshold, MTNeuron)),
    Mutant("leak_towards_zero", "the leak pulls towards 0 instead of v_reset",
           _charge_with(v_rest=0.0)),
    Mutant("ternary_amplitude_before_reset", "Ternary: the reset sees a S instead of S (the "
           "amplitude applied before the reset, not after)", _replaced(
               ternary, "reset", lambda h, o, p: _ternary["reset"](h, o * p.amplitude, p))),
    Mutant("mtsnn_a_min_is_largest_amplitude", "MTNeuron hard reset: f = min(O / a_max, 1)",
           _kind_params(MTNeuron, lambda p: p._replace(a_min=p.amplitudes.max()))),
    # --- reset gradients
    Mutant("reset_gradient_always_detached", "BPTT ignores detach_reset=False",
           _detach(True)),
    Mutant("reset_gradient_never_detached", "BPTT ignores detach_reset=True", _detach(False)),
    Mutant("binary_hard_reset_dv_dh_is_1", "IF/LIF/PLIF hard reset: dV/dH = 1 instead of "
           "1 - S", _replaced(binary, "reset_grad", lambda h, o, p: (
               np.ones_like(h), _binary["reset_grad"](h, o, p)[1]))),
    Mutant("soft_reset_threshold_gradient_missing", "IF/LIF/PLIF: dL/dv_th without the soft "
           "reset's -dL/dV S", _replaced(binary, "param_grads", lambda h, o, dodh, g_o, g_out,
                                         g_v, p, g0: _binary["param_grads"](
               h, o, dodh, g_o, g_out, g_v, p._replace(soft=False), g0))),
    # --- charge and time
    Mutant("initial_membrane_ignored", "the run starts from 0, not v0",
           _replaced(reference, "forward", lambda x, v0, *rest: _forward(
               x, np.zeros_like(v0), *rest))),
    Mutant("input_always_decayed", "the input is decayed (decay_input=True) when it should "
           "not be", _charge_with(decay_input=True)),
    Mutant("input_never_decayed", "the input is not decayed when it should be",
           _charge_with(decay_input=False)),
    Mutant("input_one_step_late", "step t charges with x[t - 1] (off by one time step)",
           _replaced(reference, "forward", lambda x, *rest: _forward(_delayed(x), *rest))),
    Mutant("upstream_membrane_gradient_one_step_late", "BPTT adds dL/dV[t - 1] at step t",
           _replaced(reference, "backward", lambda trace, gs, gv, *rest: _backward(
               trace, gs, _delayed(gv), *rest))),
    Mutant("plif_leak_gradient_sign", "PLIF: dL/dw with the wrong sign", _replaced(
        PLIF, "leak_rate_gradient", lambda self, grad_k: {"w": -grad_k * self.leak_rate()
                                                          * (1.0 - self.leak_rate())})),
    # --- precision
    Mutant("float32_parameters_widened", "float32 runs compare with and subtract the float64 "
           "threshold and reset (parameters not rounded to the input dtype)",
           _replaced(BinaryNeuron, "spike_fields", lambda self, dtype: _spike_fields(
               self, np.float64))),
    # --- surrogates
    Mutant("rectangular_window_closed", "the rectangular surrogate is alpha on its edges too "
           "(|x| <= 1/(2 alpha))", _replaced(Rectangular, "g0", staticmethod(
               lambda x, alpha: rectangular_g0(x, alpha) + alpha * (
                   np.abs(x) == 0.5 / alpha)))),
    Mutant("ramp_window_open", "MultiThreshold's ramp is 0 on its edges (an open window)",
           _replaced(multithreshold, "fire_grad", _ramp_window_open)),
    Mutant("triangular_negative_beyond_corners", "the triangular surrogate's max(0, .) "
           "dropped: negative beyond its corners |x| = 1/alpha", _replaced(
               Triangular, "g0", staticmethod(lambda x, alpha: alpha * (1 - alpha * np.abs(x))))),
    *(Mutant(f"{cls.name}_alpha_ignored", f"the {cls.name} surrogate always uses its default "
             f"alpha {cls.alpha:g}", _replaced(cls, "g0", _default_alpha(cls)))
      for cls in SURROGATES if cls is not StraightThrough),  # its alpha is unused
    *(Mutant(f"{kind.__name__.rsplit('.', 1)[1]}_surrogate_scale_ignored", f"the "
             f"{kind.__name__.rsplit('.', 1)[1]} spike kind ignores the surrogate's scale",
             _replaced(kind, "fire_grad", _scale_ignored(kind))) for kind in _KINDS),
)
"""Every planted bug (``name`` unique)."""


@dataclass(frozen=True)
class Verdict:
    """A mutant's result: the first case that killed it ('' if none) and where it failed, or
    the ``crash`` of a broken mutant (which kills nothing)."""

    mutant: Mutant
    case: str = ""
    where: str = ""
    crash: str = ""

    @property
    def killed(self) -> bool:
        return bool(self.case)


def ordered(entries: list[dict]) -> list[dict]:
    """The manifest entries in the order of FAMILIES, by name within a family."""
    def family(entry: dict) -> int:
        return next(i for i, prefix in enumerate(FAMILIES) if entry["name"].startswith(prefix))
    return sorted(entries, key=lambda entry: (family(entry), entry["name"]))


def first_kill(mutant: Mutant, golden: Path, results: Path, entries: list[dict],
               arrays: dict) -> Verdict:
    """Run the cases of ``entries`` (with their golden ``arrays``) under ``mutant`` until the
    verifier fails one, writing each result file into ``results``."""
    for entry in entries:
        try:
            where = _result(mutant, entry, arrays[entry["name"]], results / entry["file"])
        except Exception as error:  # a mutant that crashes is broken: it plants no bug
            return Verdict(mutant, crash=f"{entry['name']}: {type(error).__name__}: {error}")
        if where and _verifier_fails(results, golden, entry["name"]):
            return Verdict(mutant, entry["name"], where)
    return Verdict(mutant)


def _result(mutant: Mutant, entry: dict, expected: dict, path: Path) -> str:
    """Run one case under ``mutant`` and write its result file to ``path``; return where the
    verifier's comparison fails it ('' if it passes)."""
    with mutant.patch():
        got = run(from_spec(entry["model"]), {key: expected[key] for key in manifest.INPUTS},
                  "numpy")
    path.write_bytes(io.npz_bytes(got))
    row = verify.compare(entry, expected, got)
    return "" if row.passed else row.where


def _verifier_fails(results: Path, golden: Path, name: str) -> bool:
    """Whether ``refsnn golden verify RESULTS --golden GOLDEN --only NAME`` fails the case
    (exit status 1); its table is not printed."""
    with contextlib.redirect_stdout(text_io.StringIO()):
        return verify.verify(results, golden, only=[name]) == 1


def run_all(golden: Path, results: Path, mutants: tuple[Mutant, ...] = MUTANTS) -> list[Verdict]:
    """Every mutant's verdict, against the golden directory ``golden``."""
    document = manifest.load(golden)
    entries = ordered(document["cases"])
    arrays = {entry["name"]: manifest.load_case(golden, entry) for entry in entries}
    return [first_kill(mutant, golden, results, entries, arrays) for mutant in mutants]


def report(verdicts: list[Verdict]) -> str:
    """The table: per mutant, the first golden case that killed it; then the score."""
    width = max(len(v.mutant.name) for v in verdicts)
    lines = [f"{'mutant':<{width}}  {'killed by (first failing case)':<46}  where"]
    lines += [f"{v.mutant.name:<{width}}  {v.case or ('CRASHED' if v.crash else 'SURVIVED'):<46}"
              f"  {v.where or v.crash}" for v in verdicts]
    killed = sum(v.killed for v in verdicts)
    lines.append(f"mutation score: {killed}/{len(verdicts)} killed "
                 f"({100.0 * killed / len(verdicts):.0f} %)")
    return "\n".join(lines)


def mutation_test(golden: Path) -> int:
    """Print the report for the golden directory ``golden``; exit status 0 if every mutant is
    killed, 1 if one survives (``refsnn golden mutants``)."""
    with tempfile.TemporaryDirectory() as results:
        verdicts = run_all(golden, Path(results))
    print(report(verdicts))
    return 0 if all(verdict.killed for verdict in verdicts) else 1
