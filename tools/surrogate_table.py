"""Print docs/surrogates.md's peer table from refsnn.targets.surrogate_map (the single source).

    python tools/surrogate_table.py > docs/surrogates.md

spec_tests/test_surrogate_peers.py checks that the committed file matches this output.
"""

from __future__ import annotations

import inspect

from refsnn.targets.surrogate_map import PEER_SURROGATES

HEADER = """# Surrogate derivatives: the peers' names mapped onto refsnn's

The canonical surrogates are the classes of `refsnn/surrogates.py` (formulas: docs/models.md):
`g(x) = scale * g0(x; alpha)`, `x = H - v_threshold`. Below, every surrogate that SpikingJelly
2.0.0, snnTorch 1.0.0 and Norse 1.1.0 ship, with the canonical surrogate that is the same
function (`refsnn.targets.surrogate_map.from_peer` builds it). Each mapped row is checked against
the peer's own autograd, with parameters at and away from the defaults, in
`spec_tests/test_surrogate_peers.py`; Norse's `heavi_erfc` agrees to 3e-8 only, because it
evaluates sqrt(pi) in float32. The forward step is `x >= 0` in SpikingJelly and `x > 0` in
snnTorch and Norse (refsnn: the neuron's `compare`).

Same name, different function: SpikingJelly's `Sigmoid(alpha=4)` and snnTorch's
`sigmoid(slope=25)` are the same family at different sharpness; SpikingJelly's `SuperSpike`
scales the amplitude while snnTorch's `fast_sigmoid` and Norse's `super` (after its PR #403;
1.1.0 ignores `alpha`) scale the sharpness; Norse's `triangle` is a triangle, snnTorch's
`triangular` a sign-flipping constant.

Peer bugs found on the way (each pinned by a test, so a fix upstream is noticed):
snnTorch 1.0's `sigmoid` gives NaN gradients a few units below the threshold in float32
(`e^(-slope x)` overflows: x = -3.5 at the default slope 25) and rounds its slope to float32;
Norse 1.1.0's `super` ignores `alpha` and its `heavi_erfc` takes sqrt(pi) in float32.

This file is generated: `python tools/surrogate_table.py > docs/surrogates.md`.

| framework | peer surrogate (defaults) | peer dS/dx | refsnn canonical | source |
|---|---|---|---|---|
"""


def canonical_text(row) -> str:
    """The canonical expression as written in the row's lambda, e.g.
    ``FastSigmoid(alpha=alpha, scale=alpha / 2)`` (read from the source of surrogate_map.py)."""
    if row.canonical is None:
        return "none"
    source = inspect.getsource(row.canonical).strip()
    expression = source[source.index(":", source.index("lambda")) + 1:].split(", f\"")[0]
    return expression.strip().rstrip(",")


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell (``|x|`` would end the cell)."""
    return text.replace("|", "\\|")


def table() -> str:
    lines = []
    for row in PEER_SURROGATES:
        defaults = ", ".join(f"{k}={v:g}" for k, v in row.defaults.items())
        lines.append(f"| {row.framework} | `{row.name}({defaults})` | {cell(row.formula)} "
                     f"| `{canonical_text(row)}` | {cell(row.source)} |")
    return HEADER + "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(), end="")
