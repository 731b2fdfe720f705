"""``refsnn conformance``: every conformance case against a target, a Markdown report."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from refsnn import targets
from refsnn.cli import SUBCOMMANDS
from refsnn.io import overwritable


def run(args: argparse.Namespace) -> int:
    """Run every conformance case against a target and write a Markdown report.

    Exit status 1 if a case differs without being listed in ``--expectations`` or a listed
    disagreement no longer occurs (refsnn.conformance.expectations), 2 on bad arguments.
    """
    from refsnn.conformance import compare, report

    try:
        target, entries = _setup(args)
    except (ValueError, FileExistsError) as error:
        print(f"refsnn conformance: error: {error}", file=sys.stderr)
        return 2
    outcomes = compare.run_all(target)
    text = report.render(target, outcomes, entries, _command(args))
    if args.out is None:
        sys.stdout.write(text)
    else:
        report.write(args.out, text, force=args.force)
    return _status(outcomes, entries)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("conformance", help=SUBCOMMANDS["conformance"])
    p.add_argument("--target", default="refsnn",
                   help=f"a built-in name ({', '.join(targets.TARGETS)}), a name registered "
                   f"under the entry-point group {targets.ENTRY_POINT_GROUP}, a dotted module "
                   "path or a .py file (default refsnn)")
    p.add_argument("--expectations", default=None, metavar="FILE",
                   help="the target's known disagreements (default: a built-in target's own "
                   "file, refsnn/spec/expectations/<name>.txt; else none)")
    p.add_argument("--out", default=None, metavar="FILE.md",
                   help="write the report here (atomically) instead of to stdout")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")


def _setup(args: argparse.Namespace) -> tuple:
    """The target and its expectations; warns about entries that match no case id."""
    from refsnn.conformance import expectations
    from refsnn.conformance.cases import ALL_IDS
    from refsnn.spec import builtin_expectations

    target = targets.load(args.target)
    path = args.expectations or builtin_expectations(args.target)
    entries = expectations.load(path) if path else ()
    if args.out is not None:
        overwritable([Path(args.out)], force=args.force)
    if args.out is not None and not Path(args.out).resolve().parent.is_dir():
        raise ValueError(f"out: the directory of {args.out} does not exist")
    for entry in expectations.unmatched(entries, ALL_IDS):
        print(f"warning: {path}:{entry.line}: {entry.prefix!r} matches no case",
              file=sys.stderr)
    return target, entries


def _command(args: argparse.Namespace) -> str:
    """The command line that regenerates the report (without --force)."""
    words = ["refsnn", "conformance", "--target", args.target]
    words += ["--expectations", args.expectations] if args.expectations else []
    words += ["--out", args.out] if args.out else []
    return shlex.join(words)


def _status(outcomes: tuple, entries: tuple) -> int:
    """Print the summary and every failed verdict to stderr; 1 if any failed, else 0."""
    from refsnn.conformance import expectations, report

    print(report.summary(outcomes, entries).strip("*"), file=sys.stderr)
    failures = [v.message for v in (expectations.verdict(o, entries) for o in outcomes)
                if not v.ok]
    for message in failures:
        print(f"FAIL {message}", file=sys.stderr)
    return 1 if failures else 0
