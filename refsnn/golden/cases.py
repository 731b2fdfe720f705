"""The golden output's cases: those of the one case table (refsnn.cases) that feed ``golden``.

The families are defined in refsnn/cases/ (``grid.py``: the grid and edge cases; ``families.py``:
exact, window, options, rounding); a case is a refsnn.cases.Case.
"""

from __future__ import annotations

from refsnn.cases import GOLDEN, Case, table
from refsnn.cases.grid import DTYPES

__all__ = ["DTYPES", "Case", "cases"]


def cases() -> list[Case]:
    """Every golden case, in the manifest's order; names are unique."""
    return table.cases(GOLDEN)
