"""Benchmark the LIF kernels against this machine's memory bandwidth and the NumPy reference.

    python tools/bench.py [--quick] [--rounds N] [--surrogate NAME] [--json PATH [--force]]
    python tools/bench.py --kinds [--rounds N] [--surrogate NAME]

``--kinds``: every neuron kind (:data:`KINDS`: IF, LIF, PLIF, Ternary, MultiThreshold, MTNeuron
parallel and cascade), its Numba forward and forward + backward at [32, 2^20] float32, each
kind timed in rounds interleaved with the triad as below, against the targets of
:data:`KIND_TARGETS` (ratios of the GB/s counted as in 3. to the triad's).

1. ``LIF(tau=2).forward`` and ``forward`` + ``backward`` are timed through the public API with
   both backends on float32 inputs ``[T, N]``, writing into the outputs of a first call
   (``out=``, as a training loop does; freshly allocated arrays of this size cost page faults
   that have nothing to do with the neuron), and so is a STREAM triad ``a = b + s * c``
   (float64, Numba ``prange``, arrays far larger than the last-level cache, 24 bytes per
   element as STREAM counts them), the attainable bandwidth.
2. After a warm-up (JIT compilation, OpenMP threads spinning up), N rounds (default ROUNDS)
   call each of the five (backend x pass, and the triad) in turn for ROUND_SECONDS (at least
   once), and keep each one's best call (``time.perf_counter``). On a shared machine the
   speed drifts over seconds (other tenants; the triad read 26 to 52 GB/s in one afternoon):
   interleaving lets both sides of every ratio (a speedup, forward / triad) see the same
   machine, and the best of many calls is the figure that repeats from run to run.
3. Effective bandwidth counts each array once: forward reads x and writes spikes, h, v
   (4 arrays); backward reads x, spikes, h, v, grad_spikes and writes grad_x (6 arrays).

Prints a Markdown table and whether the two targets are met: the Numba forward at
[32, 2**20] reaches >= 0.6x the triad bandwidth, and Numba forward+backward is >= 10x faster
than the NumPy reference at every shape.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import time
from pathlib import Path

import numba as nb
import numpy as np

from refsnn import IF, LIF, PLIF, MultiThreshold, Ternary, surrogates
from refsnn.io import atomic_write
from refsnn.neurons import MTNeuron

SHAPES = [(8, 32 * 1024), (8, 256 * 4096), (32, 2**20)]
QUICK_SHAPES = [(4, 8 * 1024), (8, 32 * 1024)]
BACKENDS = ("numba", "numpy")  # the speedups are numpy time / numba time
FORWARD_ARRAYS, BACKWARD_ARRAYS = 4, 6  # arrays of x's size each pass reads or writes once
ROUNDS = 6
WARMUP_SECONDS = 0.2  # keep calling during warm-up until this much time has passed
ROUND_SECONDS = 0.25  # each function is called for this long (at least once) in each round
FORWARD_TARGET, SPEEDUP_TARGET = 0.6, 10.0
L3_SYSFS = Path("/sys/devices/system/cpu/cpu0/cache/index3/size")


@nb.njit(parallel=True)
def _triad(a, b, c, scalar):
    for i in nb.prange(a.size):
        a[i] = b[i] + scalar * c[i]


def l3_bytes() -> int:
    """The L3 cache size that Linux reports (sysfs prints it in KiB), or 0 if unknown."""
    try:
        return int(L3_SYSFS.read_text().strip().rstrip("K")) * 1024
    except (OSError, ValueError):
        return 0


def best_times(functions: dict, rounds: int, round_seconds: float = ROUND_SECONDS) -> dict:
    """Warm up every function (at least one call, for WARMUP_SECONDS), then in each of
    ``rounds`` rounds call each in turn for ``round_seconds`` (at least once); return each
    one's best call in seconds, under the same keys."""
    for fn in functions.values():
        start = time.perf_counter()
        fn()
        while time.perf_counter() - start < WARMUP_SECONDS:
            fn()
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(rounds):
        for key, fn in functions.items():
            end = time.perf_counter() + round_seconds
            while True:
                t0 = time.perf_counter()
                fn()
                t1 = time.perf_counter()
                best[key] = min(best[key], t1 - t0)
                if t1 >= end:
                    break
    return best


def triad(elements: int):
    """A STREAM triad over float64 arrays of ``elements`` each: ``(call, bytes it moves)``."""
    a, b, c = np.zeros(elements), np.ones(elements), np.full(elements, 2.0)
    return functools.partial(_triad, a, b, c, 3.0), 3 * a.itemsize * elements


def time_shape(shape: tuple[int, int], rounds: int, surrogate: str, stream) -> list[dict]:
    """Best forward and forward+backward times (s) and bandwidths (GB/s) of LIF at ``shape``,
    a row per backend, timed interleaved with each other and with the triad ``stream`` (from
    :func:`triad`); the Numba row has the speedups."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 3.0, shape).astype(np.float32)
    grad_spikes = rng.standard_normal(shape, dtype=np.float32)
    neuron = LIF(tau=2.0, surrogate=surrogates.get(surrogate))
    stream_call, stream_bytes = stream
    functions = {"triad": stream_call}
    for backend in BACKENDS:
        # the arrays of a first call are reused (out=), as in training
        trace = neuron.forward(x, backend=backend)
        grads = neuron.backward(trace, grad_spikes, backend=backend)
        functions[backend, "forward"] = functools.partial(
            neuron.forward, x, backend=backend, out=trace)
        functions[backend, "fwd_bwd"] = functools.partial(
            _forward_backward, neuron, x, grad_spikes, backend, trace, grads)
    best = best_times(functions, rounds)
    triad_gbps = stream_bytes / best["triad"] / 1e9
    rows = []
    for backend in BACKENDS:
        forward, both = best[backend, "forward"], best[backend, "fwd_bwd"]
        forward_gbps = FORWARD_ARRAYS * x.nbytes / forward / 1e9
        rows.append({"shape": list(shape), "backend": backend, "rounds": rounds,
                     "triad_gbps": triad_gbps, "forward_s": forward,
                     "forward_gbps": forward_gbps, "forward_over_triad": forward_gbps / triad_gbps,
                     "fwd_bwd_s": both,
                     "fwd_bwd_gbps": (FORWARD_ARRAYS + BACKWARD_ARRAYS) * x.nbytes / both / 1e9})
    numba_row, numpy_row = rows
    numba_row["speedup_forward"] = numpy_row["forward_s"] / numba_row["forward_s"]
    numba_row["speedup_fwd_bwd"] = numpy_row["fwd_bwd_s"] / numba_row["fwd_bwd_s"]
    return rows


def _forward_backward(neuron, x, grad_spikes, backend, trace, grads):
    neuron.backward(neuron.forward(x, backend=backend, out=trace), grad_spikes,
                    backend=backend, out=grads)


KINDS = {  # every neuron kind on a LIF (tau = 2), with refsnn.training.make_neuron's defaults
    "IF": lambda sur: IF(surrogate=sur),
    "LIF": lambda sur: LIF(tau=2.0, surrogate=sur),
    "PLIF": lambda sur: PLIF(surrogate=sur),
    "Ternary": lambda sur: Ternary(neuron=LIF(tau=2.0, surrogate=sur)),
    "MultiThreshold": lambda sur: MultiThreshold(neuron=LIF(tau=2.0, surrogate=sur)),
    "MTNeuron parallel": lambda sur: MTNeuron.parallel(LIF(tau=2.0, surrogate=sur), 2),
    "MTNeuron cascade": lambda sur: MTNeuron.cascade(LIF(tau=2.0, surrogate=sur), 2),
}
KIND_SHAPE = (32, 2**20)
KIND_TARGETS = {"forward": 0.8, "fwd_bwd": 0.7}  # of the triad's GB/s, at KIND_SHAPE


def time_kind(name: str, rounds: int, surrogate: str, stream, shape=KIND_SHAPE) -> dict:
    """The Numba forward and forward+backward of the kind ``name`` (:data:`KINDS`) at
    ``shape``, timed interleaved with the triad ``stream``: best times, GB/s (16 and 40 bytes
    per element) and their ratios to the triad's GB/s."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 3.0, shape).astype(np.float32)
    grad_spikes = rng.standard_normal(shape, dtype=np.float32)
    neuron = KINDS[name](surrogates.get(surrogate))
    trace = neuron.forward(x, backend="numba")
    grads = neuron.backward(trace, grad_spikes, backend="numba")
    passes = {"forward": functools.partial(neuron.forward, x, backend="numba", out=trace),
              "fwd_bwd": functools.partial(_forward_backward, neuron, x, grad_spikes, "numba",
                                           trace, grads)}
    best = best_times({"triad": stream[0]} | passes, rounds)
    triad_gbps = stream[1] / best["triad"] / 1e9
    row = {"kind": name, "shape": list(shape), "rounds": rounds, "triad_gbps": triad_gbps}
    for key, call in passes.items():
        row[f"{key}_cpu_ns"] = one_thread_cpu_seconds(call) / x.size * 1e9
    for key, arrays in (("forward", FORWARD_ARRAYS), ("fwd_bwd", FORWARD_ARRAYS + BACKWARD_ARRAYS)):
        gbps = arrays * x.nbytes / best[key] / 1e9
        row |= {f"{key}_s": best[key], f"{key}_gbps": gbps, f"{key}_over_triad": gbps / triad_gbps}
    return row


def one_thread_cpu_seconds(call, repeat: int = 3) -> float:
    """The best of ``repeat`` calls on one Numba thread, in CPU time of this thread: what the
    work costs a core, whatever else the machine runs (the bandwidth ratios need a quiet
    machine; this does not)."""
    before = nb.get_num_threads()
    nb.set_num_threads(1)
    try:
        best = float("inf")
        for _ in range(repeat):
            start = time.thread_time()
            call()
            best = min(best, time.thread_time() - start)
        return best
    finally:
        nb.set_num_threads(before)


def kinds_table(rows: list[dict]) -> str:
    """Every kind's figures as a Markdown table, with the targets' verdicts."""
    lines = ["| kind | triad GB/s | fwd ms | fwd GB/s | fwd / triad | fwd+bwd ms "
             "| fwd+bwd GB/s | fwd+bwd / triad | 1-thread CPU ns / element: fwd | fwd+bwd |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        marks = {key: "" if row[f"{key}_over_triad"] >= target else " (below)"
                 for key, target in KIND_TARGETS.items()}
        lines.append(f"| {row['kind']} | {row['triad_gbps']:.1f} | {row['forward_s'] * 1e3:.1f} "
                     f"| {row['forward_gbps']:.1f} | {row['forward_over_triad']:.2f}"
                     f"{marks['forward']} | {row['fwd_bwd_s'] * 1e3:.1f} "
                     f"| {row['fwd_bwd_gbps']:.1f} | {row['fwd_bwd_over_triad']:.2f}"
                     f"{marks['fwd_bwd']} | {row['forward_cpu_ns']:.2f} "
                     f"| {row['fwd_bwd_cpu_ns']:.2f} |")
    return "\n".join(lines)


def run(shapes, rounds: int, surrogate: str, stream) -> list[dict]:
    """Time both backends at every shape."""
    return [row for shape in shapes for row in time_shape(shape, rounds, surrogate, stream)]


def targets(rows: list[dict]) -> list[dict]:
    """The two targets, evaluated at the largest shape (forward) and the worst shape (speedup)."""
    numba_rows = [row for row in rows if row["backend"] == "numba"]
    largest = numba_rows[-1]
    worst = min(numba_rows, key=lambda row: row["speedup_fwd_bwd"])
    return [{"name": f"numba LIF forward >= {FORWARD_TARGET}x triad bandwidth",
             "value": largest["forward_over_triad"], "at": largest["shape"],
             "met": largest["forward_over_triad"] >= FORWARD_TARGET},
            {"name": f"numba forward+backward >= {SPEEDUP_TARGET:g}x faster than NumPy "
                     "at every shape",
             "value": worst["speedup_fwd_bwd"], "at": worst["shape"],
             "met": worst["speedup_fwd_bwd"] >= SPEEDUP_TARGET}]


def table(rows: list[dict]) -> str:
    """The results as a Markdown table (speedups on the Numba rows)."""
    lines = ["| shape | backend | forward ms | fwd GB/s | fwd/triad | fwd+bwd ms "
             "| numba speedup fwd | numba speedup fwd+bwd |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        speedups = (f"{row['speedup_forward']:.3g}x | {row['speedup_fwd_bwd']:.3g}x"
                    if "speedup_forward" in row else "- | -")
        lines.append(f"| {row['shape']} | {row['backend']} | {row['forward_s'] * 1e3:.2f} "
                     f"| {row['forward_gbps']:.1f} | {row['forward_over_triad']:.2f} "
                     f"| {row['fwd_bwd_s'] * 1e3:.2f} | {speedups} |")
    return "\n".join(lines)


def write_json(path: str, data: dict, force: bool) -> None:
    """Write ``data`` to ``path`` as JSON, atomically (refsnn.io.atomic_write)."""
    text = json.dumps(data, indent=2) + "\n"
    atomic_write(Path(path), lambda f: f.write(text.encode()), force=force)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes: a smoke run")
    parser.add_argument("--rounds", type=int, default=ROUNDS, metavar="N",
                        help=f"rounds of interleaved timing per shape (default {ROUNDS}; "
                             f"each function runs {ROUND_SECONDS:g} s per round)")
    parser.add_argument("--surrogate", default="sigmoid",
                        help="the LIF's surrogate, a canonical name (default sigmoid, the LIF's "
                             "default; rectangular shows the cost without a transcendental)")
    parser.add_argument("--kinds", action="store_true",
                        help=f"instead: every neuron kind's Numba forward and forward+backward "
                        f"at {list(KIND_SHAPE)} against the triad (targets: "
                        f"{KIND_TARGETS['forward']}x and {KIND_TARGETS['fwd_bwd']}x)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--force", action="store_true", help="let --json overwrite PATH")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds: expected N >= 1")
    if args.json and os.path.exists(args.json) and not args.force:
        parser.error(f"--json: {args.json} exists (use --force to overwrite)")

    l3, load = l3_bytes(), os.getloadavg()[0]
    # Full run: three arrays together >= 4x L3 (and >= 256 MiB each); --quick: 32 MiB each.
    triad_elements = 2**22 if args.quick else max(2**25, 4 * l3 // 24)
    stream = triad(triad_elements)
    stream[0]()  # a first parallel call starts Numba's threads: the header names their layer
    print(f"# {'Neuron kinds' if args.kinds else 'LIF'} benchmark, {args.surrogate} surrogate"
          f"{' (--quick: small shapes, not meaningful)' if args.quick else ''}\n")
    print(f"{platform.machine()}, {os.cpu_count()} CPUs, "
          f"L3 {l3 / 2**20:.0f} MiB; numpy {np.__version__}, numba {nb.__version__} "
          f"({nb.threading_layer()}, {nb.get_num_threads()} threads); load average {load:.2f} "
          "before the run (other work on the cores skews every figure)")
    if args.kinds:
        shape = QUICK_SHAPES[-1] if args.quick else KIND_SHAPE
        rows = [time_kind(name, args.rounds, args.surrogate, stream, shape) for name in KINDS]
        print(f"Every kind at {list(shape)} float32, Numba, {args.surrogate} surrogate; GB/s "
              f"count {FORWARD_ARRAYS * 4} bytes per element for the forward, "
              f"{(FORWARD_ARRAYS + BACKWARD_ARRAYS) * 4} for forward+backward; the triad timed "
              f"in each kind's rounds; targets {KIND_TARGETS['forward']}x and "
              f"{KIND_TARGETS['fwd_bwd']}x the triad\n")
        print(kinds_table(rows))
        if args.json:
            write_json(args.json, {"quick": args.quick, "surrogate": args.surrogate,
                                   "load_average": load, "kinds": rows}, args.force)
        return 0
    rows = run(QUICK_SHAPES if args.quick else SHAPES, args.rounds, args.surrogate, stream)
    triads = [row["triad_gbps"] for row in rows if row["backend"] == BACKENDS[0]]  # per shape
    print(f"STREAM triad (3 x {triad_elements * 8 / 2**20:.0f} MiB float64), timed in the "
          f"rounds of each shape: {' / '.join(f'{gbps:.1f}' for gbps in triads)} GB/s\n")

    checks = targets(rows)
    print(table(rows))
    print(f"\nGB/s count {FORWARD_ARRAYS * 4} bytes per element for the forward, "
          f"{(FORWARD_ARRAYS + BACKWARD_ARRAYS) * 4} for forward+backward (float32, each array "
          "once); speedup = NumPy time / Numba time.\n\nTargets:")
    for check in checks:
        print(f"- {check['name']}: {check['value']:.2f}x at {check['at']} -> "
              f"{'met' if check['met'] else 'NOT met'}")
    if args.json:
        write_json(args.json, {"quick": args.quick, "surrogate": args.surrogate,
                               "triad_array_bytes": triad_elements * 8, "l3_bytes": l3,
                               "load_average": load,
                               "numba_threads": nb.get_num_threads(), "results": rows,
                               "targets": checks}, args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
