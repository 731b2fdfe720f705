"""A target's known disagreements with the spec, and the verdict on an outcome.

An expectations file (``--expectations FILE``; the built-in targets' are
``refsnn/spec/expectations/<target>.txt``) has one entry per line (``#`` starts a comment):

    case-id prefix | quantities | max error | reason

``case-id prefix``: matches every case id (or invariant id) that starts with it (end it with
``/`` to match one neuron's cases only). ``quantities``: comma-separated names or patterns
(``spikes``, ``v``, ``grad_*``, ``derivative``; ``property`` for an invariant) the disagreement
may show in. ``max error``: the largest error (refsnn.conformance.compare) it may reach, or
``-`` for an invariant. ``reason``: why (a different convention, a bug, float32 arithmetic).

Semantics are those of a strict xfail: a case that differs must have every mismatch covered by
an entry matching its id (the quantity listed, the error within the bound); a case that an entry
matches must still differ; an entry that matches no case id is reported as a warning.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import Path
from typing import NamedTuple

from refsnn.conformance.compare import Mismatch, Outcome

FIELDS = "case-id prefix | quantities | max error | reason"


class Expectation(NamedTuple):
    """One entry of an expectations file."""

    prefix: str
    quantities: tuple[str, ...]
    max_error: float
    reason: str
    line: int  # 1-based line number in its file

    def matches(self, case_id: str) -> bool:
        return case_id.startswith(self.prefix)

    def covers(self, mismatch: Mismatch) -> bool:
        """Whether this entry allows ``mismatch`` (its quantity listed, its error in bounds)."""
        return (any(fnmatch(mismatch.quantity, q) for q in self.quantities)
                and mismatch.error <= self.max_error)


class KnownDisagreement(AssertionError):
    """Raised by the spec suite for a listed disagreement: the conftest marks listed cases
    ``xfail(strict=True, raises=KnownDisagreement)``, so any other failure still fails."""


class Verdict(NamedTuple):
    """``ok``: the outcome is what the expectations say; ``known``: it is a listed
    disagreement; ``message``: what is wrong, or the listed reasons."""

    ok: bool
    known: bool
    message: str


def parse(text: str, source: str = "expectations") -> tuple[Expectation, ...]:
    """The entries of an expectations file's text; ValueError naming ``source`` and the line."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [field.strip() for field in line.split("|", 3)]
        if len(fields) != 4 or not all(fields):
            raise ValueError(f"{source}: line {number}: expected '{FIELDS}', got {raw!r}")
        prefix, quantities, max_error, reason = fields
        entries.append(Expectation(prefix, tuple(q.strip() for q in quantities.split(",")),
                                   _max_error(max_error, source, number), reason, number))
    return tuple(entries)


def _max_error(field: str, source: str, number: int) -> float:
    if field == "-":
        return math.inf
    try:
        value = float(field)
    except ValueError:
        value = math.nan
    if not value >= 0:
        raise ValueError(f"{source}: line {number}: max error: expected a number >= 0 or '-', "
                         f"got {field!r}")
    return value


def load(path: Path) -> tuple[Expectation, ...]:
    """The entries of the file at ``path``; ValueError naming ``expectations`` if it is not
    a file."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"expectations: expected an existing file, got {str(path)!r}")
    return parse(path.read_text(), str(path))


def matching(entries: Iterable[Expectation], case_id: str) -> list[Expectation]:
    """The entries whose prefix matches ``case_id``."""
    return [entry for entry in entries if entry.matches(case_id)]


def unmatched(entries: Iterable[Expectation], case_ids: Iterable[str]) -> list[Expectation]:
    """The entries that match none of ``case_ids`` (stale or mistyped: worth a warning)."""
    ids = list(case_ids)
    return [entry for entry in entries if not any(entry.matches(i) for i in ids)]


def verdict(outcome: Outcome, entries: Iterable[Expectation]) -> Verdict:
    """Judge an outcome against the entries (strict-xfail semantics, module docstring)."""
    listed = matching(entries, outcome.case_id)
    if outcome.status == "unsupported" or (outcome.status == "pass" and not listed):
        return Verdict(True, False, "")
    if outcome.status == "pass":
        lines = ", ".join(str(entry.line) for entry in listed)
        return Verdict(False, False, f"{outcome.case_id}: listed disagreement (line {lines}) no "
                                     f"longer occurs: {listed[0].reason}")
    uncovered = [m for m in outcome.mismatches if not any(e.covers(m) for e in listed)]
    if uncovered:
        what = "; ".join(f"{m.quantity} error {m.error:.3g} at {m.where or '-'}"
                         for m in uncovered)
        return Verdict(False, False, f"{outcome.case_id}: unlisted disagreement: {what}")
    reasons = dict.fromkeys(entry.reason for entry in listed
                            if any(entry.covers(m) for m in outcome.mismatches))
    return Verdict(True, True, "; ".join(reasons))
