"""The files ``refsnn fuzz --out DIR`` writes per finding, named ``<NN>-<case id>``:

- ``.py``, a self-contained reproducer: the neuron spec (refsnn.golden.spec) and the arrays
  written out in full, the target imported by its module name, the comparison of
  refsnn.conformance.compare, one line per quantity; ``python <file>.py`` exits 1 while the
  target still differs;
- ``.npz``, the case in the golden format (docs/golden.md): inputs ``x``, ``v0``,
  ``grad_spikes``, ``grad_v`` and the reference's ``spikes``, ``h``, ``v``, ``grad_x``,
  ``grad_v0``, ``grad_param_<name>``, bytes as ``refsnn golden generate`` writes them.

Each file is written atomically; if any would overwrite a file, nothing is written unless
``force``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import refsnn
from refsnn.fuzz.search import Finding
from refsnn.golden import io
from refsnn.golden.expected import run
from refsnn.golden.spec import to_spec
from refsnn.io import atomic_write

TEMPLATE = '''"""{summary}

Written by `refsnn fuzz` (refsnn {version}): {target_version} differs from the refsnn NumPy
reference on `{case_id}` (example {example} of the run, shrunk). Rerun: python {name}.py
(exit status 1 while the target differs, 0 once it agrees).
"""

import importlib
import sys

import numpy as np

from refsnn.conformance import compare
from refsnn.cases.inputs import Inputs
from refsnn.golden.spec import from_spec

TARGET = {target!r}
NEURON = from_spec({spec!r})
DATA = Inputs(
    x=np.array({x!r}),
    v0=np.array({v0!r}),
    grad_spikes=np.array({grad_spikes!r}),
    grad_v=np.array({grad_v!r}),
)


def main() -> int:
    target = importlib.import_module(TARGET)
    want = compare.reference(NEURON, DATA)
    got = compare.measure(target, NEURON, DATA)
    differs = False
    for quantity, value in got.items():
        error, where = compare.error(value, want[quantity])
        bad = not error <= compare.tolerance(quantity)
        differs |= bad
        print(f"{{quantity:>18}}  error {{error:.3g}}" + (f"  DIFFERS at {{where}}" if bad else ""))
        if bad:
            print(f"{{'reference':>18}}  {{np.asarray(want[quantity]).tolist()}}")
            print(f"{{target.NAME:>18}}  {{np.asarray(value).tolist()}}")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
'''


def name(index: int, finding: Finding) -> str:
    """``<NN>-<case id>`` with every character but letters, digits, ``.``, ``-`` and ``_``
    replaced by ``_``."""
    case = finding.judgement.case_id.removesuffix("/fuzz")
    return f"{index:02d}-" + re.sub(r"[^A-Za-z0-9._-]", "_", case)


def summary(finding: Finding) -> str:
    """One line: where the target differs, and how much."""
    return "; ".join(f"{m.quantity} error {m.error:.3g}" + (f" at {m.where}" if m.where else "")
                     for m in finding.judgement.mismatches)


def reproducer(target, finding: Finding, stem: str) -> str:
    """The source of the reproducer."""
    data = finding.data
    return TEMPLATE.format(
        summary=summary(finding), version=refsnn.__version__, target_version=target.VERSION,
        case_id=finding.judgement.case_id, example=finding.example, name=stem,
        target=target.__name__, spec=to_spec(finding.neuron),
        x=data.x.tolist(), v0=data.v0.tolist(), grad_spikes=data.grad_spikes.tolist(),
        grad_v=data.grad_v.tolist())


def case_bytes(finding: Finding) -> bytes:
    """The golden-format ``.npz`` of the finding."""
    inputs = finding.data._asdict()
    with np.errstate(all="ignore"):
        outputs = run(finding.neuron, inputs, backend="numpy")
    return io.npz_bytes(inputs | outputs)


def write(out: Path, target, findings: list[Finding], force: bool = False) -> list[Path]:
    """Write every finding's two files into ``out``; FileExistsError naming the first that
    exists (before anything is written) unless ``force``."""
    files = {}
    for index, finding in enumerate(findings, start=1):
        stem = name(index, finding)
        files[out / f"{stem}.py"] = reproducer(target, finding, stem).encode()
        files[out / f"{stem}.npz"] = case_bytes(finding)
    existing = [path for path in files if path.exists()]
    if existing and not force:
        raise FileExistsError(f"out: {existing[0]} exists; pass --force to overwrite it")
    for path, data in files.items():
        atomic_write(path, lambda handle, data=data: handle.write(data), force=True)
    return list(files)
