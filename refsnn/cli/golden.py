"""``refsnn golden``: generate the golden vectors, verify results against them, mutants."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from refsnn.cli import SUBCOMMANDS


def run(args: argparse.Namespace) -> int:
    """Golden vectors (docs/golden.md): ``generate`` them, ``verify`` another
    implementation's results against them, or run the ``mutants`` test of the set.

    Exit status of ``verify``: 0 if every selected case passed, 1 if a case fails or its
    result file is missing, 2 on a bad argument (no results directory, no case selected, an
    unreadable --cases file), 3 if the golden directory cannot be trusted (the manifest is
    missing, not JSON, of another schema or breaks it; a golden file is missing, damaged or
    stale). ``generate``: 1 if a file would change without ``--force`` (nothing is written
    then), 2 if ``--out`` cannot be written or is not given outside the repository (or with
    ``--spec``), or the spec file or ``--format`` is bad (one line per problem).
    ``mutants``: 1 if a planted bug passes every golden case.
    """
    from refsnn.golden.generate import generate
    from refsnn.golden.manifest import GoldenError
    from refsnn.golden.verify import verify

    try:
        if args.action == "generate":
            if args.spec is not None and args.out is None:
                raise ValueError("out: expected --out DIR with --spec, got none")
            return generate(_out(args.out), force=args.force, spec=args.spec, fmt=args.format)
        if args.action == "mutants":
            from refsnn.golden.mutants import mutation_test
            return mutation_test(args.golden)
        return verify(args.results, args.golden, args.only, args.cases)
    except GoldenError as error:
        print(f"refsnn golden: error: {error}", file=sys.stderr)
        return 3
    except ValueError as error:  # bad --out, --spec, --format, --only or --cases
        for line in str(error).splitlines():  # a spec file: one line per problem
            print(f"refsnn golden: error: {line}", file=sys.stderr)
        return 2


def _out(out: Path | None) -> Path:
    """``generate``'s directory, checked before any work: ``--out``, or without it ./golden
    if it is a golden directory already (the repository's), so that a run elsewhere does not
    create one in the working directory."""
    from refsnn.golden.manifest import NAME
    from refsnn.io import writable_directory

    if out is None:
        if not (Path("golden") / NAME).is_file():
            raise ValueError("out: expected --out DIR (without it, ./golden is rewritten only "
                             "where it is a golden directory already: the repository root)")
        out = Path("golden")
    return writable_directory("out", out)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``golden generate``, ``verify`` and ``mutants`` subcommands."""
    actions = sub.add_parser("golden", help=SUBCOMMANDS["golden"]).add_subparsers(
        dest="action", required=True)
    p = actions.add_parser("generate", help="regenerate every golden case file and the "
                           "manifest, or write the cases of a spec file (--spec)")
    p.add_argument("--out", type=Path, default=None,
                   help="directory (default: ./golden if it holds a manifest already)")
    p.add_argument("--force", action="store_true", help="overwrite files whose content changed")
    p.add_argument("--spec", type=Path, default=None, metavar="FILE",
                   help="a case specification file, TOML or JSON (docs/golden.md, 'Your own "
                   "cases'); without it, refsnn's own set")
    p.add_argument("--format", choices=("npz", "hdf5", "csv"), default="npz",
                   help="file format of the cases (default npz; hdf5 needs h5py)")
    p = actions.add_parser("verify", help="compare a directory of results with the golden files")
    p.add_argument("results", type=Path,
                   help="directory of <case>.npz result files (or <case>/<key>.csv)")
    p.add_argument("--golden", type=Path, default=Path("golden"),
                   help="golden directory (default golden)")
    p.add_argument("--only", action="append", metavar="GLOB",
                   help="check only the cases whose names match GLOB (repeatable)")
    p.add_argument("--cases", type=Path, metavar="FILE",
                   help="check only the cases named in FILE (a name or GLOB per line)")
    p = actions.add_parser("mutants", help="plant bugs in the reference; print the first golden "
                           "case that fails each and the mutation score")
    p.add_argument("--golden", type=Path, default=Path("golden"),
                   help="golden directory (default golden)")
