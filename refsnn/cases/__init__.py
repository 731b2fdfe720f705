"""The case table: one ``Case`` type, one input module, one table, two outputs.

- ``case``: :class:`Case`, a neuron spec on named inputs of a dtype and shape, and the outputs
  it feeds: ``conformance`` (run live through a target and compared with the NumPy reference,
  ``refsnn conformance`` and ``pytest --pyargs refsnn.spec``) and ``golden`` (frozen to
  ``.npz`` files with per-case tolerances, ``refsnn golden generate``).
- ``inputs``: every input generator: the golden families' seeded :class:`Draw` and the
  conformance family's named :class:`Generator` (``drive``, ``grid``, ``strong``,
  ``v0-above``, ``zero``); both give :class:`Inputs` through ``Case.data()``.
- ``table``: every case (:func:`cases`), family by family: ``grid`` and ``edge``
  (``grid.py``), ``exact``, ``window``, ``options``, ``rounding`` (``families.py``) and
  ``conformance`` (``conformance.py``).

How closely an output must match is in the one tolerance module, refsnn.tolerances. The
network cases (whole stacks with weights) keep their own table for now:
refsnn.conformance.network_cases, stored as golden cases by refsnn.golden.networks.
"""

from refsnn.cases.case import CONFORMANCE, GOLDEN, OUTPUTS, Case
from refsnn.cases.inputs import Draw, Generator, Inputs
from refsnn.cases.table import cases

__all__ = ["CONFORMANCE", "GOLDEN", "OUTPUTS", "Case", "Draw", "Generator", "Inputs", "cases"]
