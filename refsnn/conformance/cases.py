"""The conformance output's cases: those of the one case table (refsnn.cases) that feed
``conformance``, plus the surrogate cases, and every id an expectation may match.

The neuron cases are defined in refsnn/cases/conformance.py (the id grammar is there); a case
is a refsnn.cases.Case whose inputs are a named generator of refsnn.cases.inputs. Surrogate
cases (``surrogate/<name>``) check ``surrogate_derivative`` alone.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from refsnn.cases import CONFORMANCE, Case, table
from refsnn.cases.conformance import SURROGATES, surrogate_id
from refsnn.conformance.network_cases import NETWORK_IDS
from refsnn.surrogates import Surrogate

__all__ = ["ALL_IDS", "CASES", "INVARIANTS", "SURROGATE_CASES", "SURROGATE_X", "Case",
           "SurrogateCase"]


class SurrogateCase(NamedTuple):
    """One surrogate, whose derivative a target must reproduce on ``SURROGATE_X``."""

    id: str
    surrogate: Surrogate


CASES: tuple[Case, ...] = tuple(table.cases(CONFORMANCE))
"""Every conformance case, in report order."""

INVARIANTS = ("invariant/spikes-binary", "invariant/hard-reset-value",
              "invariant/soft-reset-if-conserves-charge", "invariant/zero-input-stays-at-rest")
"""The ids of the invariant properties refsnn/spec/test_conformance.py checks through a target's
forward (hypothesis-driven, so pytest only; expectation files may list them too)."""

SURROGATE_CASES = tuple(SurrogateCase(f"surrogate/{surrogate_id(s)}", s) for s in SURROGATES)
SURROGATE_X = np.concatenate([np.linspace(-3.0, 3.0, 601), [1e-9, -1e-9]])
"""Where surrogate derivatives are compared: a grid through 0, and either side of it."""

ALL_IDS = tuple(case.id for case in CASES) + INVARIANTS + tuple(c.id for c in SURROGATE_CASES)
ALL_IDS += NETWORK_IDS
"""Every id an expectation may match (the network cases' too)."""
