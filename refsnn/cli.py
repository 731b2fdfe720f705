"""The ``refsnn`` command: ``info``, ``check``, ``conformance``, ``golden`` and ``fuzz``
(subcommands in a table)."""

from __future__ import annotations

import argparse
import dataclasses
import platform
import shlex
import sys
from pathlib import Path

import numpy as np

import refsnn
from refsnn import cli_convert, cli_nir, cli_sweep, cli_train, targets
from refsnn.fuzz import cli as cli_fuzz
from refsnn.neurons import LIF, NEURONS, Neuron
from refsnn.surrogates import SURROGATES, Surrogate


def info(args: argparse.Namespace) -> int:
    """Print the version, backends, neuron models and surrogates."""
    import numba

    print(f"refsnn {refsnn.__version__} (Python {platform.python_version()}, "
          f"numpy {np.__version__})")
    print(f"backends: numpy (reference), numba {numba.__version__} "
          f"({numba.config.NUMBA_NUM_THREADS} threads)")
    print("neuron models:")
    for name, model in NEURONS.items():
        fields = ", ".join(f"{f.name}={_default(f)}" for f in dataclasses.fields(model))
        print(f"  {name}({fields})")
    print("surrogates (canonical name, aliases, default alpha):")
    for cls in SURROGATES:
        aliases = ", ".join(cls.aliases) or "-"
        print(f"  {cls.name:<22} {aliases:<28} alpha={cls.alpha}")
    return 0


def _default(field: dataclasses.Field) -> object:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return "<required>"


def _example(model: type, surrogate: Surrogate) -> Neuron:
    """A default instance of ``model``; a neuron built on a base neuron gets a default LIF."""
    if "neuron" in {f.name for f in dataclasses.fields(model)}:
        return model(neuron=LIF(surrogate=surrogate))
    return model(surrogate=surrogate)


def check(args: argparse.Namespace) -> int:
    """Run every model x surrogate on a seeded input with both backends and compare them.

    Forward must be bit-identical; backward within 1e-12 of the largest gradient (float64).
    Exit status 1 if anything disagrees.
    """
    rng = np.random.default_rng(args.seed)
    x = rng.normal(0.6, 1.0, (args.steps, args.neurons))
    grad = rng.normal(size=x.shape)
    failures = 0
    print(f"{'model':<15} {'surrogate':<22} {'sum(O)':>7} {'forward':>9} {'max |dx| diff':>14}")
    for name, model in NEURONS.items():
        for cls in SURROGATES:
            neuron = _example(model, cls())
            ref = neuron.forward(x, backend="numpy")
            fast = neuron.forward(x, backend="numba")
            same = all(np.array_equal(getattr(ref, f), getattr(fast, f))
                       for f in ("spikes", "h", "v"))
            g_ref = neuron.backward(ref, grad, backend="numpy").x
            diff = np.abs(neuron.backward(ref, grad, backend="numba").x - g_ref).max()
            ok = same and diff <= 1e-12 * np.abs(g_ref).max()
            failures += not ok
            print(f"{name:<15} {cls.name:<22} {int(ref.spikes.sum()):>7} "
                  f"{'identical' if same else 'DIFFERS':>9} {diff:>14.2e}{'' if ok else '  FAIL'}")
    print(f"{len(NEURONS) * len(SURROGATES) - failures} passed, {failures} failed")
    return 1 if failures else 0


def conformance(args: argparse.Namespace) -> int:
    """Run every conformance case against a target and write a Markdown report.

    Exit status 1 if a case differs without being listed in ``--expectations`` or a listed
    disagreement no longer occurs (refsnn.conformance.expectations), 2 on bad arguments.
    """
    from refsnn.conformance import compare, report

    try:
        target, entries = _conformance_setup(args)
    except ValueError as error:
        print(f"refsnn conformance: error: {error}", file=sys.stderr)
        return 2
    outcomes = compare.run_all(target)
    text = report.render(target, outcomes, entries, _conformance_command(args))
    if args.out is None:
        sys.stdout.write(text)
    else:
        report.write(args.out, text, force=args.force)
    return _conformance_status(outcomes, entries)


def _conformance_parser(sub: argparse._SubParsersAction) -> None:
    """The ``conformance`` subcommand's arguments."""
    p = sub.add_parser("conformance", help=conformance.__doc__.splitlines()[0])
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


def _conformance_setup(args: argparse.Namespace) -> tuple:
    """The target and its expectations; warns about entries that match no case id."""
    from refsnn.conformance import expectations
    from refsnn.conformance.cases import ALL_IDS
    from refsnn.spec import builtin_expectations

    target = targets.load(args.target)
    path = args.expectations or builtin_expectations(args.target)
    entries = expectations.load(path) if path else ()
    if args.out is not None and Path(args.out).exists() and not args.force:
        raise ValueError(f"out: {args.out} exists; pass --force to overwrite it")
    if args.out is not None and not Path(args.out).resolve().parent.is_dir():
        raise ValueError(f"out: the directory of {args.out} does not exist")
    for entry in expectations.unmatched(entries, ALL_IDS):
        print(f"warning: {path}:{entry.line}: {entry.prefix!r} matches no case",
              file=sys.stderr)
    return target, entries


def _conformance_command(args: argparse.Namespace) -> str:
    """The command line that regenerates the report (without --force)."""
    words = ["refsnn", "conformance", "--target", args.target]
    words += ["--expectations", args.expectations] if args.expectations else []
    words += ["--out", args.out] if args.out else []
    return shlex.join(words)


def _conformance_status(outcomes: tuple, entries: tuple) -> int:
    """Print the summary and every failed verdict to stderr; 1 if any failed, else 0."""
    from refsnn.conformance import expectations, report

    print(report.summary(outcomes, entries).strip("*"), file=sys.stderr)
    failures = [v.message for v in (expectations.verdict(o, entries) for o in outcomes)
                if not v.ok]
    for message in failures:
        print(f"FAIL {message}", file=sys.stderr)
    return 1 if failures else 0


def golden(args: argparse.Namespace) -> int:
    """Golden vectors (docs/golden.md): ``generate`` them, ``verify`` another
    implementation's results against them, or run the ``mutants`` test of the set.

    Exit status of ``verify``: 0 if every selected case passed, 1 if a case fails or its
    result file is missing, 2 on a bad argument (no results directory, no case selected, an
    unreadable --cases file), 3 if the golden directory cannot be trusted (the manifest is
    missing, not JSON, of another schema or breaks it; a golden file is missing, damaged or
    stale). ``generate``: 1 if a file would change without ``--force`` (nothing is written
    then), 2 if ``--out`` cannot be written or is not given outside the repository.
    ``mutants``: 1 if a planted bug passes every golden case.
    """
    from refsnn.golden.generate import generate
    from refsnn.golden.manifest import GoldenError
    from refsnn.golden.verify import verify

    try:
        if args.action == "generate":
            return generate(_golden_out(args.out), force=args.force)
        if args.action == "mutants":
            from refsnn.golden.mutants import mutation_test
            return mutation_test(args.golden)
        return verify(args.results, args.golden, args.only, args.cases)
    except GoldenError as error:
        print(f"refsnn golden: error: {error}", file=sys.stderr)
        return 3
    except ValueError as error:  # bad --out, --only or --cases
        print(f"refsnn golden: error: {error}", file=sys.stderr)
        return 2


def _golden_out(out: Path | None) -> Path:
    """``generate``'s directory, checked before any work: ``--out``, or without it ./golden
    if it is a golden directory already (the repository's), so that a run elsewhere does not
    create one in the working directory."""
    from refsnn.checkpoint import writable_directory
    from refsnn.golden.manifest import NAME

    if out is None:
        if not (Path("golden") / NAME).is_file():
            raise ValueError("out: expected --out DIR (without it, ./golden is rewritten only "
                             "where it is a golden directory already: the repository root)")
        out = Path("golden")
    return writable_directory("out", out)


def _golden_parser(sub: argparse._SubParsersAction) -> None:
    """The ``golden generate`` and ``golden verify`` subcommands."""
    actions = sub.add_parser("golden", help=golden.__doc__.splitlines()[0]).add_subparsers(
        dest="action", required=True)
    p = actions.add_parser("generate", help="regenerate every golden case file and the manifest")
    p.add_argument("--out", type=Path, default=None,
                   help="directory (default: ./golden if it holds a manifest already)")
    p.add_argument("--force", action="store_true", help="overwrite files whose content changed")
    p = actions.add_parser("verify", help="compare a directory of results with the golden files")
    p.add_argument("results", type=Path, help="directory of <case>.npz result files")
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


COMMANDS = {"info": info, "check": check, "conformance": conformance, "golden": golden,
            "train": cli_train.run, "convert": cli_convert.run, "sweep": cli_sweep.run,
            "nir": cli_nir.run, "fuzz": cli_fuzz.run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="refsnn", description=refsnn.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help=info.__doc__)
    p = sub.add_parser("check", help=check.__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=64, help="time steps T (default 64)")
    p.add_argument("--neurons", type=int, default=10_000, help="neurons (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="input seed (default 0)")
    _conformance_parser(sub)
    _golden_parser(sub)
    cli_train.add_parser(sub)
    cli_convert.add_parser(sub)
    cli_sweep.add_parser(sub)
    cli_nir.add_parser(sub)
    cli_fuzz.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "check" and (args.steps < 1 or args.neurons < 1):
        parser.error("--steps and --neurons must be >= 1")
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
