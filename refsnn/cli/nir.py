"""``refsnn nir run`` and ``refsnn nir export``: NIR graphs from the command line
(docs/nir.md). nir-peers adds ``refsnn nir compare`` beside them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from refsnn.cli import SUBCOMMANDS
from refsnn.cli import nir_compare as cli_nir_compare
from refsnn.nir import discretization as knobs


def run(args: argparse.Namespace) -> int:
    """Run a ``refsnn nir`` action; exit status 2 with a one-line error on bad input."""
    try:
        return ACTIONS[args.action](args)
    except (ValueError, ImportError, FileExistsError, FileNotFoundError, OSError) as error:
        print(f"refsnn nir {args.action}: error: {error}", file=sys.stderr)
        return 2


def run_graph(args: argparse.Namespace) -> int:
    """Run a NIR graph on an input and write every node's traces (npz and NIR HDF5)."""
    import refsnn.nir
    from refsnn.io import overwritable
    from refsnn.nir import files

    out = Path(args.out)
    paths = {"npz": out / "traces.npz", "hdf5": out / "traces.h5"}
    overwritable(list(paths.values()), force=args.force)
    x = np.load(args.input, allow_pickle=False)
    net = refsnn.nir.load(args.graph, dt=args.dt, preset=args.preset, **{
        name: getattr(args, name) for name in KNOBS})
    recording = net.forward(x, record=True)
    files.write_npz(paths["npz"], recording, force=args.force)
    files.write_hdf5(paths["hdf5"], recording, force=args.force)
    print(f"{args.graph}: {len(recording.nodes)} nodes, T = {x.shape[0]}, B = {x.shape[1]}, "
          f"discretization {json.dumps(net.discretization.as_dict())}")
    for name in net.outputs:
        print(f"  {name}: {recording.nodes[name]['output'].shape}, sum "
              f"{float(recording.nodes[name]['output'].sum()):g}")
    for path in paths.values():
        print(f"wrote {path}")
    return 0


def export_checkpoint(args: argparse.Namespace) -> int:
    """Export a ``refsnn train`` checkpoint as a NIR graph (.nir)."""
    from refsnn.io import overwritable
    from refsnn.nir import export, files
    from refsnn.training import load_checkpoint
    from refsnn.training.checkpoint import CHECKPOINT_FORMAT, load_state

    overwritable([Path(args.out)], force=args.force)
    net, _ = load_checkpoint(args.checkpoint)
    meta, _ = load_state(Path(args.checkpoint), CHECKPOINT_FORMAT)
    graph = export(net, dt=args.dt, input_shape=tuple(meta["input_shape"]))
    files.write_graph(args.out, graph, force=args.force)
    print(f"wrote {args.out} ({len(graph.nodes)} nodes; run it with refsnn.nir.load(path, "
          f"dt={args.dt}, initial={graph.metadata['initial']!r}))")
    return 0


ACTIONS = {"run": run_graph, "export": export_checkpoint, "compare": cli_nir_compare.run}
KNOBS = {"scheme": knobs.SCHEMES, "reset": knobs.RESETS, "compare": knobs.COMPARES,
         "current": knobs.CURRENTS, "initial": knobs.INITIALS, "r": knobs.R_READINGS}
"""The Discretization fields ``nir run`` takes as options (None: the preset's)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``nir run``, ``nir export`` and ``nir compare`` subcommands."""
    actions = sub.add_parser("nir", help=SUBCOMMANDS["nir"]).add_subparsers(dest="action",
                                                                           required=True)
    p = actions.add_parser("run", help=run_graph.__doc__.splitlines()[0])
    p.add_argument("graph", help="a .nir file")
    p.add_argument("--input", required=True, metavar="X.npy", help="the input, [T, B, ...]")
    p.add_argument("--dt", type=float, default=None,
                   help="time step (default: the preset's; required with the spec preset)")
    p.add_argument("--preset", choices=tuple(knobs.PRESETS), default=None,
                   help="a framework's discretization (default spec: the NIR spec's)")
    for name, options in KNOBS.items():
        p.add_argument(f"--{name}", choices=options, default=None,
                       help="(default: the preset's)")
    p.add_argument("--out", default="nir_run", metavar="DIR",
                   help="writes DIR/traces.npz and DIR/traces.h5 (default nir_run)")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p = actions.add_parser("export", help=export_checkpoint.__doc__.splitlines()[0])
    p.add_argument("checkpoint", help="a refsnn train checkpoint (DIR/checkpoint.npz)")
    p.add_argument("--dt", type=float, required=True,
                   help="the time one refsnn step stands for in the graph")
    p.add_argument("--out", required=True, metavar="FILE.nir", help="the graph to write")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    cli_nir_compare.add_parser(actions)
