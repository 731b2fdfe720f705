"""``refsnn nir run`` and ``refsnn nir export``: NIR graphs from the command line
(docs/nir.md)."""

from __future__ import annotations

import argparse
import sys

from refsnn import cli_nir_compare


def run(args: argparse.Namespace) -> int:
    """Run a NIR subcommand; exit status 2 with a one-line error on bad input."""
    try:
        return ACTIONS[args.action](args)
    except (ValueError, ImportError, FileExistsError, FileNotFoundError) as error:
        print(f"refsnn nir {args.action}: error: {error}", file=sys.stderr)
        return 2


def run_graph(args: argparse.Namespace) -> int:
    """Run a NIR graph on an input and write every node's traces."""
    raise NotImplementedError


def export_checkpoint(args: argparse.Namespace) -> int:
    """Export a ``refsnn train`` checkpoint as a NIR graph."""
    raise NotImplementedError


ACTIONS = {"run": run_graph, "export": export_checkpoint, "compare": cli_nir_compare.run}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``nir run`` and ``nir export`` subcommands (others add theirs beside them)."""
    actions = sub.add_parser("nir", help="run, export and check NIR graphs").add_subparsers(
        dest="action", required=True)
    p = actions.add_parser("run", help=run_graph.__doc__.splitlines()[0])
    p.add_argument("graph", help="a .nir file")
    p.add_argument("--input", required=True, help="X.npy, shape [T, B, ...]")
    p.add_argument("--dt", type=float, default=None, help="time step (the preset's by default)")
    p.add_argument("--preset", default=None, help="spec (default), snntorch, norse, "
                   "spikingjelly, sinabs or rockpool")
    p.add_argument("--out", default="nir_run", help="output directory (default nir_run)")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p = actions.add_parser("export", help=export_checkpoint.__doc__.splitlines()[0])
    p.add_argument("checkpoint", help="a refsnn train checkpoint (.npz)")
    p.add_argument("--dt", type=float, required=True, help="the time step of the NIR graph")
    p.add_argument("--out", required=True, help="the .nir file to write")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    cli_nir_compare.add_parser(actions)
