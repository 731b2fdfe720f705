"""One training epoch of the same spiking MLP in refsnn, snnTorch and SpikingJelly on this CPU.

    python tools/bench_train.py [--threads 1] [--dtype float32] [--only refsnn snnTorch]
                                [--repeat 3] [--clock wall]

Network (all three): 784-800-10, a LIF hidden layer (tau = 2, i.e. decay 0.5, threshold 1,
hard reset to 0, sigmoid surrogate alpha 4), a non-spiking output layer read out as the mean
over T = 4 steps (direct encoding), cross-entropy, Adam (lr 1e-3), batch 64, float32, on the
4,000 training images of the MNIST subset (refsnn.training.data.load_mnist: 63 minibatches). The
peers' neurons are their LIFs with these parameters (snnTorch ``Leaky(beta=0.5,
reset_mechanism="zero")`` computes ``beta U + X``, i.e. refsnn's ``decay_input=False``; the
benchmark measures speed, not agreement). Each framework first runs two warm-up minibatches
(Numba compilation, torch's allocator), then one full epoch from a fresh network is timed,
the fastest of ``--repeat`` (default 3). torch uses as many threads as refsnn (``--threads``,
default 1 for all: refsnn's Numba and BLAS pools, torch's intra-op pool, set just before each
framework runs by :func:`set_torch_threads`; refsnn.training.threads.limit_threads says why 1 is
refsnn's default on 2 cores). Prints seconds per epoch and each peer's time relative to refsnn's.

``--clock wall`` (default) times the epoch by the wall clock, the figure to report from an idle
machine. ``--clock thread`` times it by the calling thread's CPU time instead: time spent
waiting for a core that other processes hold is not counted (they still share the caches and
the cores' other resources), so the ratios stay far steadier on a busy machine. It needs
``--threads 1``, where every framework does all its work in that thread (torch runs a CPU
backward in the caller; Numba's one-thread parallel loops run in the caller too).
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from refsnn import LIF
from refsnn.nn import (
    Adam,
    Flatten,
    Linear,
    NeuronLayer,
    Sequential,
    encoding,
    losses,
    models,
    readout,
)
from refsnn.surrogates import Sigmoid
from refsnn.training import data, limit_threads

T, BATCH, HIDDEN, CHANNELS, LR = 4, 64, 800, (16, 32), 1e-3


def batches(x, y, seed=0):
    order = np.random.default_rng(seed).permutation(len(x))
    for start in range(0, len(x), BATCH):
        index = order[start:start + BATCH]
        yield x[index], y[index]


def refsnn_epoch(model, dtype, steps=T):
    rng = np.random.default_rng(0)
    neuron = LIF(tau=2.0, decay_input=False, surrogate=Sigmoid(alpha=4.0))
    if model == "cnn":  # refsnn train --model cnn builds this network
        net = models.cnn((1, 28, 28), 10, neuron, channels=CHANNELS, rng=rng, dtype=dtype)
    else:
        net = Sequential(Flatten(), Linear(784, HIDDEN, rng=rng, dtype=dtype),
                         NeuronLayer(neuron), Linear(HIDDEN, 10, rng=rng, dtype=dtype))
    opt = Adam(net.parameters(), LR)

    def step(xb, yb):
        scores = readout.mean_over_time(net.forward(encoding.direct(xb, steps), training=True))
        loss, grad = losses.cross_entropy(scores, yb)
        net.zero_grad()
        net.backward(readout.mean_over_time_backward(grad, steps), input_grad=False)
        opt.step()
        return loss
    return step


def snntorch_epoch(model, dtype, steps=T):
    import snntorch
    import torch
    from snntorch import surrogate

    torch.manual_seed(0)
    lif = [snntorch.Leaky(beta=0.5, threshold=1.0, reset_mechanism="zero",
                          spike_grad=surrogate.sigmoid(slope=4)) for _ in CHANNELS]
    if model == "cnn":
        stages = [torch.nn.Sequential(torch.nn.Conv2d(c_in, c_out, 3, padding=1),
                                      torch.nn.BatchNorm2d(c_out))
                  for c_in, c_out in zip((1, *CHANNELS[:-1]), CHANNELS, strict=True)]
        pool, fc = torch.nn.AvgPool2d(2), torch.nn.Linear(CHANNELS[-1] * 7 * 7, 10)
        modules = torch.nn.ModuleList([*stages, fc])
    else:
        fc1, fc = torch.nn.Linear(784, HIDDEN), torch.nn.Linear(HIDDEN, 10)
        modules = torch.nn.ModuleList([fc1, fc])
    modules.to(getattr(torch, np.dtype(dtype).name))
    opt = torch.optim.Adam(modules.parameters(), LR)

    def spiking(current, neuron):
        """snnTorch's loop over time (its tutorials): ``current[T B, ...]`` -> spikes."""
        mem, spikes = neuron.init_leaky(), []
        for current_t in current.reshape(steps, -1, *current.shape[1:]):
            spk, mem = neuron(current_t, mem)
            spikes.append(spk)
        return torch.cat(spikes)

    def forward(xb):
        if model == "mlp":  # direct encoding: the same input at every step (the tutorials)
            mem, out = lif[0].init_leaky(), []
            for _ in range(steps):
                spk, mem = lif[0](fc1(xb.reshape(len(xb), -1)), mem)
                out.append(fc(spk))
            return torch.cat(out)
        # the stateless layers on all steps at once (as refsnn and SpikingJelly's "m" mode,
        # so that BatchNorm's statistics are over T B as theirs), the neurons over time
        z = xb.repeat(steps, 1, 1, 1)
        for stage, neuron in zip(stages, lif, strict=True):
            z = pool(spiking(stage(z), neuron))
        return fc(z.flatten(1))

    def step(xb, yb):
        out = forward(torch.from_numpy(xb)).reshape(steps, len(xb), 10).mean(0)
        loss = torch.nn.functional.cross_entropy(out, torch.from_numpy(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def spikingjelly_epoch(model, dtype, steps=T):
    import torch
    from spikingjelly.activation_based import functional, layer, neuron, surrogate

    torch.manual_seed(0)

    def lif():
        return neuron.LIFNode(tau=2.0, decay_input=False, surrogate_function=surrogate.Sigmoid(4.0),
                              step_mode="m")
    if model == "cnn":
        blocks = [module for c_in, c_out in zip((1, *CHANNELS[:-1]), CHANNELS, strict=True)
                  for module in (layer.Conv2d(c_in, c_out, 3, padding=1, step_mode="m"),
                                 layer.BatchNorm2d(c_out, step_mode="m"), lif(),
                                 layer.AvgPool2d(2, step_mode="m"))]
        net = torch.nn.Sequential(*blocks, layer.Flatten(step_mode="m"),
                                  layer.Linear(CHANNELS[-1] * 7 * 7, 10, step_mode="m"))
    else:
        net = torch.nn.Sequential(layer.Flatten(step_mode="m"),
                                  layer.Linear(784, HIDDEN, step_mode="m"), lif(),
                                  layer.Linear(HIDDEN, 10, step_mode="m"))
    net.to(getattr(torch, np.dtype(dtype).name))
    opt = torch.optim.Adam(net.parameters(), LR)

    def step(xb, yb):
        xb = torch.from_numpy(xb).unsqueeze(0).repeat(steps, 1, 1, 1, 1)  # [T, B, 1, 28, 28]
        loss = torch.nn.functional.cross_entropy(net(xb).mean(0), torch.from_numpy(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()
        functional.reset_net(net)
        return loss.item()
    return step


FRAMEWORKS = {"refsnn": refsnn_epoch, "snnTorch": snntorch_epoch,
              "SpikingJelly": spikingjelly_epoch}


CLOCKS = {"wall": time.perf_counter, "thread": time.thread_time}


def set_torch_threads(threads: int) -> None:
    """Set torch's intra-op threads (if torch is installed), inside ``limit_threads`` just
    before each framework runs rather than once at start-up: starting Numba's OpenMP threading
    layer (refsnn's first parallel kernel, or ``limit_threads`` itself) resets the OpenMP
    thread count that torch reads to NUMBA_NUM_THREADS, and an earlier
    ``torch.set_num_threads(1)`` left the peers on 2 threads."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)


def time_epoch(make, x, y, model, dtype, clock=time.perf_counter):
    """One epoch on a fresh, seeded network after two warm-up minibatches on another, in
    seconds of ``clock``, and the epoch's mean loss."""
    step = make(model, dtype)
    for xb, yb in list(batches(x, y, seed=1))[:2]:
        step(xb, yb)
    step = make(model, dtype)
    start, total = clock(), 0.0
    for xb, yb in batches(x, y):
        total += step(xb, yb) * len(xb)
    return clock() - start, total / len(x)


def interleaved(runs: list[tuple[str, int]], x, y, model, dtype, repeat, clock) -> dict:
    """The fastest of ``repeat`` epochs of every ``(framework, threads)`` in ``runs``, timed in
    rounds (one epoch of each per round, so that every ratio compares the same minutes of a
    shared machine): ``{(name, threads): (seconds, mean loss)}``, without the frameworks that
    are not installed (reported as ``None``)."""
    best = {}
    for _ in range(repeat):
        for name, threads in runs:
            if best.get((name, threads), ()) is None:
                continue
            try:
                with limit_threads(threads):
                    set_torch_threads(threads)
                    result = time_epoch(FRAMEWORKS[name], x, y, model, dtype, clock)
            except ImportError as error:
                print(f"{name}: not installed ({error.name})")
                best[name, threads] = None
                continue
            best[name, threads] = min(best.get((name, threads), result), result)
    return best


def table(best: dict, threads: list[int]) -> str:
    """Seconds per epoch, each peer's time over refsnn's at the same thread count, and each
    framework's speed-up over its own first thread count."""
    lines = ["| framework | threads | seconds / epoch | mean loss | time / refsnn's "
             f"| speed-up over {threads[0]} thread(s) |", "|---|---:|---:|---:|---:|---:|"]
    for (name, n), result in best.items():
        if result is None:
            continue
        base, own = best.get(("refsnn", n)), best.get((name, threads[0]))
        ratio = f"{result[0] / base[0]:.2f}" if base else "-"
        speedup = f"{own[0] / result[0]:.2f}" if own else "-"
        lines.append(f"| {name} | {n} | {result[0]:.2f} | {result[1]:.4f} | {ratio} "
                     f"| {speedup} |")
    return "\n".join(lines)


def resident_mib(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (the peak since the last reset) of this process, MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise OSError(f"/proc/self/status has no {field}")


def step_memory(name: str, model: str, dtype: str, steps: int, x, y) -> float:
    """In this (fresh) process: the peak resident memory of one training step at ``steps``
    time steps above the memory before it, in MiB. A warm-up step on 4 images first compiles
    and loads everything; then the kernel's peak counter is reset (``5`` written to
    /proc/self/clear_refs, Linux >= 4.0) and the step on one batch of 64 is measured."""
    with limit_threads(1):
        set_torch_threads(1)
        step = FRAMEWORKS[name](model, dtype, steps)
        step(x[:4], y[:4])
        xb, yb = next(batches(x, y))
        gc.collect()
        Path("/proc/self/clear_refs").write_text("5")
        before = resident_mib("VmRSS")
        step(xb, yb)
        return resident_mib("VmHWM") - before


def memory_table(names: list[str], model: str, dtype: str, steps_list: list[int]) -> str:
    """Each framework's :func:`step_memory` at each T, each in a subprocess of its own."""
    lines = ["| framework | T | peak MiB of a training step | / SpikingJelly's |",
             "|---|---:|---:|---:|"]
    for steps in steps_list:
        peaks = {}
        for name in names:
            run = subprocess.run([sys.executable, __file__, "--model", model, "--dtype", dtype,
                                  "--step-memory", name, str(steps)],
                                 capture_output=True, text=True)
            if run.returncode:
                print(f"{name}, T={steps}: failed: {run.stderr.strip().splitlines()[-1]}")
                continue
            peaks[name] = float(run.stdout.split()[-1])
        for name, peak in peaks.items():
            ratio = f"{peak / peaks['SpikingJelly']:.2f}" if "SpikingJelly" in peaks else "-"
            lines.append(f"| {name} | {steps} | {peak:.0f} | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--only", nargs="*", choices=tuple(FRAMEWORKS), default=None)
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="thread counts to time, each for every framework (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="report the fastest of N epochs")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                        help="wall-clock time, or the calling thread's CPU time (--threads 1)")
    parser.add_argument("--memory", type=int, nargs="+", metavar="T",
                        help="instead of timing: the peak memory of one training step at "
                        "these T, each framework in a fresh process (Linux)")
    parser.add_argument("--step-memory", nargs=2, metavar=("FRAMEWORK", "T"),
                        help=argparse.SUPPRESS)  # the child process of --memory
    args = parser.parse_args()
    if args.clock == "thread" and args.threads != [1]:
        parser.error("--clock thread needs --threads 1 (other threads' work is not counted)")
    mnist = data.load_mnist(seed=0)
    x, y = mnist.x_train.astype(args.dtype), mnist.y_train
    if args.step_memory:
        name, steps = args.step_memory
        print(step_memory(name, args.model, args.dtype, int(steps), x, y))
        return
    names = args.only or list(FRAMEWORKS)
    if args.memory:
        print(f"peak memory of one training step ({args.model}, batch {BATCH}, {args.dtype}, "
              "resident MiB above the memory before the step)\n")
        print(memory_table(names, args.model, args.dtype, args.memory))
        return
    network = (f"CNN c16-BN-LIF-pool-c32-BN-LIF-pool-{CHANNELS[-1] * 49}-10"
               if args.model == "cnn" else f"MLP 784-{HIDDEN}-10")
    print(f"one epoch: {network}, LIF, T={T}, batch {BATCH}, {len(x)} MNIST images, "
          f"{args.dtype}, threads {args.threads}, fastest of {args.repeat} interleaved rounds, "
          f"{args.clock} clock\n")
    runs = [(name, n) for n in args.threads for name in names]
    best = interleaved(runs, x, y, args.model, args.dtype, args.repeat, CLOCKS[args.clock])
    print(table(best, args.threads))


if __name__ == "__main__":
    main()
