"""``refsnn sweep``: run a grid of train or convert runs on dask.distributed, or report one
(refsnn/sweep; docs/sweep.md)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from refsnn.cli import SUBCOMMANDS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help=SUBCOMMANDS["sweep"],
                       description="Run every combination of a grid file's axes as one task "
                       "on a dask.distributed cluster (a LocalCluster of --workers processes, "
                       "or --scheduler ADDRESS); each finished run is written atomically under "
                       "DIR/runs/<key>/ and skipped on a rerun; then write DIR/report.md, "
                       "DIR/report.json and DIR/accuracy.png. Needs the 'sweep' extra.")
    p.add_argument("grid", type=Path, nargs="?", help="the grid file (TOML; docs/sweep.md)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="results directory (default sweeps/<grid file's stem>)")
    p.add_argument("--workers", type=int, default=2,
                   help="local worker processes, one thread each (default 2)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="submit to a running dask scheduler (tcp://HOST:PORT) instead")
    p.add_argument("--report", type=Path, default=None, metavar="DIR",
                   help="only aggregate the results already in DIR (with a grid file: its "
                   "runs' rows first, in the grid's order)")
    p.add_argument("--dry-run", action="store_true",
                   help="list the grid's runs (key, done or to do, command line) and count "
                   "them; run nothing")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Exit status 0 if every run finished, 1 if some failed, 2 on a bad grid or argument."""
    from refsnn.sweep import report

    try:
        if args.report is not None:
            return _report(report, args.report, args.grid)
        out = _check(args)
        if args.dry_run:
            return _dry_run(args.grid, out)
        summary = _run(args, out)
    except (ValueError, ImportError) as error:
        print(f"refsnn sweep: error: {error}", file=sys.stderr)
        return 2
    print(f"{summary.total} runs: {summary.skipped} already done, {len(summary.finished)} "
          f"finished, {len(summary.failed)} failed ({summary.seconds:.1f} s)")
    for key, message in summary.failed.items():
        print(f"FAILED {key}: {message} (see {out / 'errors' / key}.txt)", file=sys.stderr)
    if summary.skipped or summary.finished:
        _report(report, out, args.grid)
    return 1 if summary.failed else 0


def _check(args: argparse.Namespace) -> Path:
    if args.grid is None:
        raise ValueError("grid: expected a grid file (or --report DIR)")
    if args.workers < 1:
        raise ValueError(f"workers: expected an integer >= 1, got {args.workers}")
    out = args.out or Path("sweeps") / args.grid.stem
    if out.exists() and not out.is_dir():
        raise ValueError(f"out: expected a directory, got the file {out}")
    return out


def _run(args: argparse.Namespace, out: Path):
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        raise ImportError("sweep needs dask.distributed: pip install 'refsnn[sweep]'") from None
    from refsnn.sweep import grid, runner

    runs = grid.load(args.grid)
    out.mkdir(parents=True, exist_ok=True)
    return runner.run_grid(runs, out, workers=args.workers, scheduler=args.scheduler,
                           progress=not args.quiet)


def _dry_run(path: Path, out: Path) -> int:
    """Print every run of the grid at ``path``, whether ``out`` holds its result, and the
    counts; nothing runs (and dask is not needed)."""
    from refsnn.sweep import grid, runner

    runs = grid.load(path).runs()
    done = 0
    for run in runs:
        finished = runner.result_path(out, run).exists()
        done += finished
        print(f"{run.key} {'done ' if finished else 'to do'} "
              f"{shlex.join(['refsnn', run.command, *run.argv])}")
    print(f"{len(runs)} runs: {done} already done in {out}, {len(runs) - done} to run")
    return 0


def _report(report, out: Path, grid_path: Path | None) -> int:
    """Write and print the report of ``out``, its rows in the order of the grid at
    ``grid_path`` (if given; the others after them, in key order)."""
    from refsnn.sweep import grid

    order = [run.key for run in grid.load(grid_path).runs()] if grid_path else []
    paths = report.write(out, order=order)
    print(paths[0].read_text(), end="")
    for path in paths:
        print(f"wrote {path}")
    return 0
