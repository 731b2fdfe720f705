"""The one case table: every case refsnn checks itself and others by, in one list.

Each family is a function returning its cases; each case says which outputs it feeds
(``Case.outputs``): ``golden`` (frozen files, refsnn.golden) or ``conformance`` (live runs
against a target, refsnn.conformance), or both. Names are unique across the whole table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from refsnn.cases import conformance, families, grid
from refsnn.cases.case import OUTPUTS, Case

FAMILIES: dict[str, Callable[[], list[Case]]] = {
    "grid": grid.grid, "edge": grid.edges, "exact": families.exact,
    "window": families.windows, "options": families.options, "rounding": families.rounding,
    "conformance": conformance.conformance,
}
"""Family name -> its cases, in table order (the golden manifest sorts its entries by name;
conformance reports keep this order)."""


@cache
def _table() -> tuple[Case, ...]:
    found = tuple(case for family in FAMILIES.values() for case in family())
    names = [case.name for case in found]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"cases: expected unique names, got duplicates {duplicates}")
    return found


def cases(output: str | None = None) -> list[Case]:
    """Every case of the table in order, or those that feed ``output`` (one of OUTPUTS)."""
    if output is not None and output not in OUTPUTS:
        raise ValueError(f"output: expected one of {OUTPUTS}, got {output!r}")
    return [case for case in _table() if output is None or output in case.outputs]
