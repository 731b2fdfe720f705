"""Which of a peer's surrogates equals a canonical refsnn surrogate (refsnn.targets.surrogate_map).

Each adapter lists, per canonical surrogate name, the peer surrogates that can equal it and how
their parameters follow from the canonical ``alpha`` and ``scale``; :func:`match` keeps the
first candidate that ``refsnn.targets.surrogate_map.from_peer`` maps back onto exactly that
surrogate.
"""

from __future__ import annotations

from collections.abc import Callable

from refsnn.surrogates import Surrogate
from refsnn.targets.surrogate_map import from_peer

Candidate = Callable[[Surrogate], tuple[str, dict[str, float]]]
"""canonical surrogate -> (the peer's surrogate name, its parameters)"""


def match(framework: str, candidates: dict[str, tuple[Candidate, ...]],
          surrogate: Surrogate) -> tuple[str, dict[str, float]] | None:
    """The peer surrogate ``(name, params)`` equal to ``surrogate``, or None if none is."""
    for candidate in candidates.get(surrogate.name, ()):
        name, params = candidate(surrogate)
        if from_peer(framework, name, **params) == surrogate:
            return name, params
    return None


def unsupported(framework: str, surrogate: Surrogate) -> str:
    """The reason a surrogate is unsupported, for ``supports``."""
    return (f"{framework} has no surrogate equal to {surrogate} "
            "(docs/surrogates.md lists what it has)")
