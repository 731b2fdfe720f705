"""The Markdown report of ``refsnn conformance``: a summary, then one row per case."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import refsnn
from refsnn.conformance.compare import Outcome
from refsnn.conformance.expectations import Expectation, verdict
from refsnn.io import atomic_write
from refsnn.tolerances import CONFORMANCE


def render(target: ModuleType, outcomes: Sequence[Outcome], entries: Sequence[Expectation],
           command: str) -> str:
    """The report of ``outcomes`` for ``target``, each judged against ``entries``."""
    lines = [f"# Conformance of {target.VERSION} to the refsnn {refsnn.__version__} spec", "",
             "Generated (do not edit) by", "", f"    {command}", "",
             "The cases are in `refsnn/cases/conformance.py`; the target protocol, the",
             "comparison and the expectations format in [docs/targets.md](../targets.md).",
             "Error = max |target - reference| / max(1, max |reference|), float64; tolerances:",
             f"{_tolerances()}.", "", summary(outcomes, entries), ""]
    differs = Counter(_reason(o, entries) for o in outcomes if o.status == "differs")
    lines += _by_reason("Disagreements, by reason", differs)
    unsupported = Counter(o.reason for o in outcomes if o.status == "unsupported")
    lines += _by_reason("Unsupported, by reason", unsupported)
    lines += ["## Every case", "",
              "| case | result | differs in | largest error | where | reason |",
              "|---|---|---|---:|---|---|"]
    lines += [_row(outcome, entries) for outcome in outcomes]
    return "\n".join(lines) + "\n"


def _by_reason(title: str, counts: Counter) -> list[str]:
    """A section counting cases per reason (nothing if there are none)."""
    if not counts:
        return []
    rows = [f"| {n} | {_cell(reason)} |" for reason, n in counts.most_common()]
    return [f"## {title}", "", "| cases | reason |", "|---:|---|", *rows, ""]


def _tolerances() -> str:
    return ", ".join(f"{name} {'exact' if tol == 0 else f'{tol:g}'}"
                     for name, tol in CONFORMANCE.items())


def summary(outcomes: Sequence[Outcome], entries: Sequence[Expectation]) -> str:
    """``N cases: P pass, D differ (L listed, U not listed), S unsupported.``"""
    status = Counter(o.status for o in outcomes)
    differs = [o for o in outcomes if o.status == "differs"]
    listed = sum(verdict(o, entries).known for o in differs)
    return (f"**{len(outcomes)} cases: {status['pass']} pass, {status['differs']} differ "
            f"({listed} listed in the expectations, {len(differs) - listed} not listed), "
            f"{status['unsupported']} unsupported.**")


def _reason(outcome: Outcome, entries: Sequence[Expectation]) -> str:
    """Why a case is what it is: the target's reason, the listed reasons, or the failure."""
    judged = verdict(outcome, entries)
    if not judged.ok:
        return f"**{judged.message}**"
    return outcome.reason or judged.message


def _row(outcome: Outcome, entries: Sequence[Expectation]) -> str:
    """One table row: the mismatched quantities, the largest one and the reason."""
    largest = outcome.largest
    quantities = ", ".join(m.quantity for m in outcome.mismatches)
    error = f"{largest.error:.2e} ({largest.quantity})" if largest else ""
    where = largest.where if largest else ""
    return (f"| `{outcome.case_id}` | {outcome.status} | {quantities} | {error} | {where} "
            f"| {_cell(_reason(outcome, entries))} |")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def write(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` atomically (:func:`refsnn.io.atomic_write`);
    FileExistsError if ``path`` exists and not ``force``."""
    atomic_write(Path(path), lambda handle: handle.write(text.encode()), force=force)
