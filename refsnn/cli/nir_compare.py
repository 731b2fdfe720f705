"""``refsnn nir compare``: a framework's importer (or a recorded trace) beside refsnn's run of
a NIR graph, node by node, with the convention behind each difference (refsnn.nir.compare)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def run(args: argparse.Namespace) -> int:
    """Compare; print or write the report. Exit status 1 if a node differs from the NIR spec
    run and no knob flip explains it (2, from ``refsnn nir``, on bad input)."""
    from refsnn.io import atomic_write, overwritable
    from refsnn.nir import compare
    from refsnn.nir._require import nir

    if (args.framework is None) == (args.trace is None):
        raise ValueError("framework: expected exactly one of --framework or --trace, got "
                         f"{'both' if args.framework else 'neither'}")
    if args.out is not None:
        overwritable([Path(args.out)], force=args.force)
    graph = nir().read(args.graph)
    x = np.load(args.input, allow_pickle=False)
    reference = compare.read_trace(args.trace) if args.trace else None
    report = compare.compare(graph, x, framework=args.framework, reference=reference,
                             preset=args.preset, dt=args.dt)
    text = (compare.to_json(report) if args.format == "json"
            else compare.markdown(report, f"{args.graph} on {args.input}"))
    if args.out is None:
        sys.stdout.write(text)
    else:
        atomic_write(Path(args.out), lambda file: file.write(text.encode()), force=args.force)
    print(compare.verdict(report), file=sys.stderr)
    return 1 if report.unexplained else 0


def add_parser(actions: argparse._SubParsersAction) -> None:
    """``refsnn nir compare``'s arguments."""
    from refsnn.nir import frameworks

    p = actions.add_parser("compare", help=run.__doc__.splitlines()[0])
    p.add_argument("graph", help="a .nir file")
    p.add_argument("--input", required=True, help="X.npy, shape [T, B, ...]")
    p.add_argument("--framework", choices=frameworks.FRAMEWORKS,
                   help="run this framework's own NIR importer as the reference")
    p.add_argument("--trace", help="or compare with a recorded trace (nir.write_data HDF5: "
                   "each node's 'output' or 'spikes' [B, T, neurons])")
    p.add_argument("--preset", default=None, help="refsnn's preset (default: the framework's, "
                   "or spec for --trace)")
    p.add_argument("--dt", type=float, default=None, help="time step for refsnn and the "
                   "importer (default: the preset's)")
    p.add_argument("--format", choices=("md", "json"), default="md", help="report format")
    p.add_argument("--out", default=None, help="write the report here (atomically)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
