"""The search of ``refsnn fuzz``: draw examples, compare, shrink each new disagreement.

Each example (refsnn.fuzz.draw) runs through the target and the NumPy reference and is compared
under the conformance tolerances (refsnn.conformance.compare.mismatches). A disagreement is

- *listed* if the expectation entries cover it (refsnn.conformance.expectations.verdict, on
  its id from refsnn.fuzz.family): counted per entry, never shrunk, never a failure;
- *declared* (with ``unsupported``, where specs the target does not support are run too) if
  ``target.supports`` refuses the spec: counted per reason, never a failure (a spec the
  target's adapter cannot even run is skipped);
- otherwise a *finding*: hypothesis shrinks it to a minimal example with the same signature
  (:attr:`Judgement.signature`), in at most ``SHRINKS`` comparisons, and the search goes on
  for disagreements of other signatures.

The budget counts drawn examples (not shrinking steps). ``hypothesis.find`` is given a
``random.Random(seed)`` and no example database, so a run is a function of the seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import ModuleType
from typing import NamedTuple

import numpy as np
from hypothesis import HealthCheck, Verbosity, find, settings
from hypothesis.errors import FlakyFailure, NoSuchExample, Unsatisfiable

from refsnn.cases.inputs import Inputs
from refsnn.conformance.compare import Mismatch, Outcome, mismatches, reference
from refsnn.conformance.expectations import Expectation, matching, verdict
from refsnn.fuzz import draw, family
from refsnn.neurons import Neuron

KINDS = ("Ternary", "MultiThreshold", "MTNeuron")


class Judgement(NamedTuple):
    """One example's comparison: its id, its mismatches (none if it agrees) and, for a known
    disagreement, what covers it (an expectation entry, or the target's unsupported reason)."""

    case_id: str
    mismatches: tuple[Mismatch, ...]
    known: tuple[str, ...]

    @property
    def signature(self) -> tuple[str, ...]:
        """What tells two disagreements apart: the kind of neuron (binary, Ternary,
        MultiThreshold, MTNeuron), its reset (soft, hard), the first quantity that differs
        (spikes, h, v, grad) and its size (non-finite, above 1e-3, or below: rounding)."""
        neuron, first = self.case_id.split("/")[0], self.mismatches[0]
        kind = neuron.split("-")[0] if neuron.split("-")[0] in KINDS else "binary"
        error = first.error
        size = "nonfinite" if not np.isfinite(error) else ("large" if error > 1e-3 else "small")
        return (kind, "soft" if "-soft" in neuron else "hard",
                "grad" if first.quantity.startswith("grad_") else first.quantity, size)


class Finding(NamedTuple):
    """A disagreement no entry lists, shrunk; ``example``: the drawn example that first
    showed its signature (1-based)."""

    neuron: Neuron
    data: Inputs
    judgement: Judgement
    example: int


class Result(NamedTuple):
    """``examples`` drawn; the ``findings``; ``known``: per listed entry or declared reason,
    ``[first example, examples that showed it]``."""

    examples: int
    findings: list[Finding]
    known: dict[str, list[int]]


SHRINKS = 100
"""Comparisons spent shrinking one finding, at most."""

SKIPPED = "skipped: the reference is not finite (the example is past float64's range)"


def judge(target: ModuleType, entries: tuple[Expectation, ...], neuron: Neuron,
          data: Inputs) -> Judgement | None:
    """Compare one example; None if the target refuses a spec it does not support."""
    case_id = family.case_id(neuron, data)
    reason = target.supports(neuron)
    with np.errstate(all="ignore"):
        if not all(np.all(np.isfinite(v)) for v in reference(neuron, data).values()):
            return Judgement(case_id, (), (SKIPPED,))
        try:
            found = mismatches(target, neuron, data)
        except Exception as error:  # a crash of the target is a disagreement too
            if reason is not None:
                return None
            found = (Mismatch("exception", float("inf"), f"{type(error).__name__}: {error}"),)
    if not found:
        return Judgement(case_id, (), ())
    if reason is not None:
        return Judgement(case_id, found, (f"declared unsupported: {reason}",))
    return Judgement(case_id, found, _listed(entries, case_id, found))


def _listed(entries: tuple[Expectation, ...], case_id: str,
            found: tuple[Mismatch, ...]) -> tuple[str, ...]:
    """The entries that list this disagreement, matched on its id with its surrogate tag and
    without it (refsnn.fuzz.family); none unless they cover every mismatch."""
    neuron, rest = case_id.split("/", 1)
    for candidate in dict.fromkeys((case_id, f"{neuron.split('~')[0]}/{rest}")):
        if verdict(Outcome(candidate, "differs", found), entries).known:
            return tuple(f"line {e.line} ({e.prefix}): {e.reason}"
                         for e in matching(entries, candidate) if any(map(e.covers, found)))
    return ()


class _Enough(Exception):
    """Raised out of ``hypothesis.find`` when a finding's shrinking budget is spent."""


def _key(example: tuple[Neuron, Inputs]) -> tuple:
    """An example as a hashable value."""
    neuron, data = example
    return (repr(neuron), *((a.shape, a.tobytes()) for a in data))


class Search:
    """The state of one run (module docstring)."""

    def __init__(self, target: ModuleType, entries: tuple[Expectation, ...], budget: int,
                 unsupported: bool, tick: Callable[[int], None], shrinks: int = SHRINKS):
        self.target, self.entries, self.budget, self.tick = target, entries, budget, tick
        self.shrinks, self.shrunk = shrinks, 0
        self.strategy = draw.examples(target, draw.skeletons(target, unsupported), unsupported)
        self.drawn, self.shrinking = 0, None
        self.signatures: set[tuple[str, ...]] = set()
        self.known: dict[str, list[int]] = {}
        self.first = 0
        self.answers: dict[tuple, bool] = {}
        self.best: tuple[Neuron, Inputs] | None = None

    def condition(self, example: tuple[Neuron, Inputs]) -> bool:
        """True for an example showing a new signature (while shrinking: the same one)."""
        if self.shrinking is None:
            if self.drawn >= self.budget:
                return False
            self.drawn += 1
            self.tick(len(self.signatures))
        elif _key(example) in self.answers:  # hypothesis replays its result: same answer
            return self.answers[_key(example)]
        else:
            self.shrunk += 1
            if self.shrunk > self.shrinks:
                raise _Enough
        judgement = judge(self.target, self.entries, *example)
        if judgement is None:
            return False
        if judgement.known:
            if self.shrinking is None:
                for key in judgement.known:
                    self.known.setdefault(key, [self.drawn, 0])[1] += 1
            return False
        if not judgement.mismatches:
            return False
        if self.shrinking is not None:
            same = self.answers[_key(example)] = judgement.signature == self.shrinking
            self.best = example if same else self.best
            return same
        if judgement.signature in self.signatures:
            return False
        self.shrinking, self.first, self.shrunk = judgement.signature, self.drawn, 0
        self.answers, self.best = {_key(example): True}, example
        return True

    def next_finding(self, rng: random.Random) -> Finding | None:
        """Search on until a new signature shows (then shrink it), or the budget ends."""
        limits = settings(max_examples=max(self.budget - self.drawn, 1), database=None,
                          deadline=None, suppress_health_check=list(HealthCheck),
                          verbosity=Verbosity.quiet)
        self.best = None
        try:
            example = find(self.strategy, self.condition, settings=limits, random=rng)
        except (_Enough, FlakyFailure):  # the shrinking budget is spent (hypothesis may report
            example = self.best          # its replay as flaky): the last example accepted
        except (NoSuchExample, Unsatisfiable):
            example = None
        signature, self.shrinking = self.shrinking, None
        if example is None or signature is None:
            return None
        self.signatures.add(signature)
        return Finding(*example, judge(self.target, self.entries, *example), self.first)


def run(target: ModuleType, entries: tuple[Expectation, ...], budget: int, seed: int, *,
        unsupported: bool = False, max_findings: int = 20,
        tick: Callable[[int], None] = lambda found: None) -> Result:
    """Fuzz ``target`` with ``budget`` drawn examples; ``tick(findings so far)`` is called per
    drawn example (a progress bar)."""
    search, rng, findings = Search(target, entries, budget, unsupported, tick), \
        random.Random(seed), []
    while search.drawn < budget and len(findings) < max_findings:
        finding = search.next_finding(rng)
        if finding is None:
            break
        findings.append(finding)
    return Result(search.drawn, findings, search.known)
