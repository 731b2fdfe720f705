"""Running a grid's runs as tasks on dask.distributed, resumably.

Each run is one task (:func:`execute`: parse, run with one Numba and one BLAS thread, return
the result). The client writes each finished run's ``DIR/runs/<key>/result.json`` atomically
as its task completes, so a result is on disk as soon as it exists and never half-written; a
rerun skips every run whose file is there. Workers need no shared filesystem: only the client
writes. A task whose worker dies is rescheduled by dask's scheduler on another worker (up to
``distributed.scheduler.allowed-failures`` times, 3 by default); a run that raises is reported
with its error (``DIR/errors/<key>.txt``) and the others go on; it is retried by the next rerun.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from refsnn.io import atomic_write
from refsnn.sweep.commands import COMMANDS
from refsnn.sweep.grid import Grid, Run

RESULT = "result.json"


def result_path(out: Path, run: Run) -> Path:
    return out / "runs" / run.key / RESULT


def execute(command: str, argv: tuple[str, ...]) -> dict:
    """Run ``refsnn <command> <argv>`` in this process and return its result: the command's
    metrics (train) or results (convert) and the wall time. What a worker runs."""
    spec = COMMANDS[command]
    config = spec.parse(list(argv))
    start = time.perf_counter()
    result = spec.execute(config)
    return {"result": result, "seconds": time.perf_counter() - start}


@dataclass
class Summary:
    """What one call of :func:`run_grid` did."""

    total: int
    skipped: int
    finished: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def run_grid(grid: Grid, out: Path, *, workers: int = 2, scheduler: str | None = None,
             progress: bool = True, on_finished=None) -> Summary:
    """Run every run of ``grid`` whose result is not yet in ``out``: on a new ``LocalCluster``
    of ``workers`` single-threaded worker processes, or on the running scheduler at
    ``scheduler`` (``tcp://HOST:PORT``). ``on_finished(key, client)`` is called after each
    result is written (tests use it to kill a worker mid-grid)."""
    runs = grid.runs()
    pending = [run for run in runs if not result_path(out, run).is_file()]
    summary = Summary(total=len(runs), skipped=len(runs) - len(pending))
    if not pending:
        return summary
    start = time.perf_counter()
    with _client(workers, scheduler) as client:
        _submit_all(client, pending, out, summary, progress, on_finished)
    summary.seconds = time.perf_counter() - start
    return summary


@contextlib.contextmanager
def _client(workers: int, scheduler: str | None) -> Iterator:
    """A dask.distributed Client: to ``scheduler``, or owning a fresh LocalCluster."""
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler, timeout="10s") as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


def _submit_all(client, pending: list[Run], out: Path, summary: Summary, progress: bool,
                on_finished) -> None:
    from dask.distributed import as_completed
    from tqdm import tqdm

    runs = {}
    for run in pending:
        future = client.submit(execute, run.command, run.argv, key=f"refsnn-sweep-{run.key}",
                               pure=False, retries=0)
        runs[future.key] = (future, run)
    bar = tqdm(total=len(pending), desc="runs", unit="run", disable=not progress,
               mininterval=1.0 if sys.stderr.isatty() else 30.0)
    for future in as_completed([f for f, _ in runs.values()]):
        run = runs[future.key][1]
        if future.status == "finished":
            _write_result(out, run, future.result())
            summary.finished.append(run.key)
            if on_finished is not None:
                on_finished(run.key, client)
        else:
            summary.failed[run.key] = _error_text(future)
            _write_error(out, run, summary.failed[run.key])
        bar.update()
        bar.set_postfix(failed=len(summary.failed))
    bar.close()


def _error_text(future) -> str:
    try:
        error = future.exception()
    except Exception as raised:  # e.g. the task was cancelled with its cluster
        error = raised
    return f"{type(error).__name__}: {error}"


def _write_result(out: Path, run: Run, value: dict) -> None:
    document = {"command": run.command, "key": run.key, "axes": run.axes,
                "argv": list(run.argv), "config": run.config} | value
    text = json.dumps(document, indent=1) + "\n"
    atomic_write(result_path(out, run), lambda f: f.write(text.encode()), force=True)
    error_file = out / "errors" / f"{run.key}.txt"
    error_file.unlink(missing_ok=True)


def _write_error(out: Path, run: Run, message: str) -> None:
    text = f"refsnn {run.command} {' '.join(run.argv)}\n{message}\n"
    atomic_write(out / "errors" / f"{run.key}.txt", lambda f: f.write(text.encode()),
                 force=True)
