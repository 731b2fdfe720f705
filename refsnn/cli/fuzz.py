"""``refsnn fuzz``: its arguments, the run with a progress bar, and the printed report.

Exit status: 0 if no unlisted disagreement was found, 1 if one was, 2 on bad arguments
(an unknown target, a missing expectations file, files in ``--out`` that would be overwritten,
hypothesis not installed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from refsnn import targets
from refsnn.cli import SUBCOMMANDS


def _positive(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``fuzz`` subcommand's arguments."""
    p = sub.add_parser("fuzz", help=SUBCOMMANDS["fuzz"])
    p.add_argument("--target", default="refsnn",
                   help=f"one of {', '.join(targets.TARGETS)} (default refsnn)")
    p.add_argument("--max-examples", type=_positive, default=200, metavar="N",
                   help="examples to draw (default 200; shrinking comes on top)")
    p.add_argument("--seed", type=int, default=0, help="the run is a function of it (default 0)")
    p.add_argument("--expectations", type=Path, default=None, metavar="FILE",
                   help="the target's known disagreements: skipped, counted (default: a "
                   "built-in target's shipped file, refsnn/spec/expectations/<name>.txt)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="write a reproducer .py and a golden-format .npz per finding here")
    p.add_argument("--force", action="store_true", help="overwrite files in --out")
    p.add_argument("--max-findings", type=_positive, default=10, metavar="N",
                   help="stop after N findings (default 10)")
    p.add_argument("--unsupported", action="store_true",
                   help="also run the specs the target declares unsupported (disagreements "
                   "there are counted under the target's reason, not failed)")


def run(args: argparse.Namespace) -> int:
    """Fuzz the target; print the known disagreements hit and the findings."""
    try:
        from refsnn.fuzz import search, write
    except ImportError as error:
        print(f"refsnn fuzz: error: hypothesis: expected it installed (pip install "
              f"'refsnn[fuzz]'), got {error}", file=sys.stderr)
        return 2
    try:
        target, entries = _setup(args)
    except ValueError as error:
        print(f"refsnn fuzz: error: {error}", file=sys.stderr)
        return 2
    with tqdm(total=args.max_examples, desc=f"fuzz {args.target}", unit="ex",
              file=sys.stderr, leave=False, disable=None) as bar:  # no bar in a log
        result = search.run(target, entries, args.max_examples, args.seed,
                            unsupported=args.unsupported, max_findings=args.max_findings,
                            tick=lambda found: (bar.update(), bar.set_postfix(findings=found)))
    paths = []
    if args.out is not None and result.findings:
        try:
            paths = write.write(args.out, target, result.findings, force=args.force)
        except FileExistsError as error:
            print(f"refsnn fuzz: error: {error}", file=sys.stderr)
            return 2
    print(report(args, result, paths, write))
    return 1 if result.findings else 0


def _setup(args: argparse.Namespace) -> tuple:
    """The target and its expectation entries; ValueError naming the bad argument."""
    from refsnn.conformance import expectations
    from refsnn.spec import builtin_expectations

    target = targets.load(args.target)
    path = args.expectations or builtin_expectations(args.target)
    if path is None:
        return target, ()
    if not path.is_file():
        raise ValueError(f"expectations: expected an existing file, got {args.expectations}")
    return target, expectations.load(path)


def report(args: argparse.Namespace, result, paths: list[Path], write) -> str:
    """The text report: the run, the known disagreements hit, then each finding."""
    lines = [f"refsnn fuzz --target {args.target} --max-examples {args.max_examples} --seed "
             f"{args.seed}: {result.examples} examples drawn, {len(result.findings)} unlisted "
             "disagreement(s)"]
    if result.known:
        lines.append("known (first example, examples):")
        lines += [f"  {first:>5} {count:>5}  {key}"
                  for key, (first, count) in sorted(result.known.items(), key=lambda i: i[1])]
    for index, finding in enumerate(result.findings, start=1):
        lines.append(f"finding {index} (example {finding.example}): "
                     f"{finding.judgement.case_id}: {write.summary(finding)}")
        lines.append(f"  {finding.neuron!r}; T = {finding.data.x.shape[0]}, "
                     f"{finding.data.x[0].size} neuron(s)")
    lines += [f"wrote {path}" for path in paths]
    return "\n".join(lines)
