"""The ``refsnn`` command: a table of subcommands, each in its own module of this package
(``refsnn.cli.<name>``, with ``add_parser(sub)`` and ``run(args)``). Only the module of the
subcommand being run is imported, so ``refsnn info`` never loads training or conversion."""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = {
    "info": "print the version, backends, neuron models and surrogates",
    "check": "run every model x surrogate with both backends and compare them",
    "conformance": "run every conformance case against a target and write a Markdown report",
    "golden": "golden vectors (docs/golden.md): generate them, verify results against them, "
              "or run the mutants test",
    "train": "train a spiking network with BPTT on a shipped dataset",
    "convert": "train ANNs, convert them to rate-coded SNNs by every rule of Yan, Zhou & Wong "
               "(TNNLS), evaluate over T",
    "sweep": "run a grid of refsnn train/convert runs on dask.distributed, resumably, and "
             "aggregate them",
    "nir": "run, export and compare NIR graphs (docs/nir.md)",
    "fuzz": "differential fuzzing of a target against the reference (docs/fuzz.md; needs the "
            "'fuzz' extra: pip install 'refsnn[fuzz]')",
}
"""Subcommand -> its one-line help (``refsnn --help``)."""


def main(argv: list[str] | None = None) -> int:
    import refsnn

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="refsnn", description=refsnn.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_line in SUBCOMMANDS.items():
        if argv and argv[0] == name:
            _module(name).add_parser(sub)
        else:  # listed by --help; its arguments are added only when it runs
            sub.add_parser(name, help=help_line)
    args = parser.parse_args(argv)
    return _module(args.command).run(args)


def _module(name: str):
    return importlib.import_module(f"refsnn.cli.{name}")

