"""The one case type: a neuron spec on named inputs, and the outputs it feeds."""

from __future__ import annotations

from dataclasses import dataclass, field

from refsnn.cases.inputs import Draw, Generator, Inputs
from refsnn.neurons import Neuron

CONFORMANCE = "conformance"
"""Output: run live through a target and compared with the reference (refsnn.conformance)."""
GOLDEN = "golden"
"""Output: frozen to a file with its tolerances (refsnn.golden, ``refsnn golden generate``)."""
OUTPUTS = (CONFORMANCE, GOLDEN)


@dataclass(frozen=True)
class Case:
    """``neuron`` on an ``x`` of ``shape`` and ``dtype``, inputs from ``draw`` (a golden
    :class:`~refsnn.cases.inputs.Draw` or a named conformance
    :class:`~refsnn.cases.inputs.Generator`), fed to ``outputs``.

    ``name`` identifies the case (a golden file's stem, a conformance id) and seeds a Draw.
    The flags choose which of a golden case's draws is kept (refsnn.golden.expected):
    ``exact``: the inputs are dyadic and every step exact, and the case is kept only if some
    membrane lies exactly on a threshold (with ``every_threshold``: on each threshold; with
    ``edges``: on both edges of a surrogate window); ``rounded``: each step is one correctly
    rounded operation (IF in float32), kept likewise; otherwise the case is kept only if no
    spike changes within the membrane tolerance (and, with ``varied``, the spikes take two
    values or more). A conformance case takes its generator's data as it is.

    ``seed``: the string that seeds a Draw (empty: the name without its dtype); ``given``:
    input arrays (of ``x``, ``v0``, ``grad_spikes``, ``grad_v``, in ``dtype``) used instead of
    the drawn ones (a user's case, refsnn.golden.api); with a given ``x`` there is no
    clean-draw retry (refsnn.golden.expected).
    """

    name: str
    description: str
    neuron: Neuron
    dtype: str
    shape: tuple[int, ...]
    draw: Draw | Generator
    exact: bool = False
    varied: bool = False
    rounded: bool = False
    every_threshold: bool = False
    edges: bool = False
    outputs: tuple[str, ...] = (GOLDEN,)
    seed: str = ""
    given: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        unknown = [output for output in self.outputs if output not in OUTPUTS]
        if unknown or not self.outputs:
            raise ValueError(f"outputs: expected a non-empty subset of {OUTPUTS}, got "
                             f"{self.outputs!r}")

    @property
    def stem(self) -> str:
        """The name without its dtype: both dtypes of a golden case start from the same draw."""
        return self.name.removesuffix(f"_{self.dtype}")

    @property
    def id(self) -> str:
        """The name, as conformance reports and expectation files call it."""
        return self.name

    def data(self, attempt: int = 0) -> Inputs:
        """The case's ``attempt``-th inputs (a golden case moves on to the next attempt while a
        draw does not make a clean test)."""
        drawn = self.draw.data(self.neuron, self.shape, self.dtype, self.seed or self.stem,
                               attempt)
        return drawn._replace(**self.given)
