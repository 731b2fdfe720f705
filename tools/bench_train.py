"""One training epoch of the same spiking MLP in refsnn, snnTorch and SpikingJelly on this CPU.

    python tools/bench_train.py [--threads 1] [--dtype float32] [--only refsnn snnTorch]
                                [--repeat 3] [--clock wall]

Network (all three): 784-800-10, a LIF hidden layer (tau = 2, i.e. decay 0.5, threshold 1,
hard reset to 0, sigmoid surrogate alpha 4), a non-spiking output layer read out as the mean
over T = 4 steps (direct encoding), cross-entropy, Adam (lr 1e-3), batch 64, float32, on the
4,000 training images of the MNIST subset (refsnn.data.load_mnist: 63 minibatches). The
peers' neurons are their LIFs with these parameters (snnTorch ``Leaky(beta=0.5,
reset_mechanism="zero")`` computes ``beta U + X``, i.e. refsnn's ``decay_input=False``; the
benchmark measures speed, not agreement). Each framework first runs two warm-up minibatches
(Numba compilation, torch's allocator), then one full epoch from a fresh network is timed,
the fastest of ``--repeat`` (default 3). torch uses as many threads as refsnn (``--threads``,
default 1 for all: refsnn's Numba and BLAS pools, torch's intra-op pool, set just before each
framework runs by :func:`set_torch_threads`; refsnn.train.limit_threads says why 1 is refsnn's
default on 2 cores). Prints seconds per epoch and each peer's time relative to refsnn's.

``--clock wall`` (default) times the epoch by the wall clock, the figure to report from an idle
machine. ``--clock thread`` times it by the calling thread's CPU time instead: time spent
waiting for a core that other processes hold is not counted (they still share the caches and
the cores' other resources), so the ratios stay far steadier on a busy machine. It needs
``--threads 1``, where every framework does all its work in that thread (torch runs a CPU
backward in the caller; Numba's one-thread parallel loops run in the caller too).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from refsnn import LIF, data
from refsnn.nn import Adam, Flatten, Linear, NeuronLayer, Sequential, encoding, losses, readout
from refsnn.surrogates import Sigmoid
from refsnn.train import limit_threads

T, BATCH, HIDDEN, LR = 4, 64, 800, 1e-3


def batches(x, y, seed=0):
    order = np.random.default_rng(seed).permutation(len(x))
    for start in range(0, len(x), BATCH):
        index = order[start:start + BATCH]
        yield x[index], y[index]


def refsnn_epoch(x, y, dtype):
    rng = np.random.default_rng(0)
    neuron = LIF(tau=2.0, decay_input=False, surrogate=Sigmoid(alpha=4.0))
    net = Sequential(Flatten(), Linear(784, HIDDEN, rng=rng, dtype=dtype), NeuronLayer(neuron),
                     Linear(HIDDEN, 10, rng=rng, dtype=dtype))
    opt = Adam(net.parameters(), LR)

    def step(xb, yb):
        scores = readout.mean_over_time(net.forward(encoding.direct(xb, T), training=True))
        loss, grad = losses.cross_entropy(scores, yb)
        net.zero_grad()
        net.backward(readout.mean_over_time_backward(grad, T), input_grad=False)
        opt.step()
        return loss
    return step


def snntorch_epoch(x, y, dtype):
    import snntorch
    import torch
    from snntorch import surrogate

    torch.manual_seed(0)
    fc1, fc2 = torch.nn.Linear(784, HIDDEN), torch.nn.Linear(HIDDEN, 10)
    lif = snntorch.Leaky(beta=0.5, threshold=1.0, reset_mechanism="zero",
                         spike_grad=surrogate.sigmoid(slope=4))
    params = list(fc1.parameters()) + list(fc2.parameters())
    opt = torch.optim.Adam(params, LR)
    torch_dtype = getattr(torch, np.dtype(dtype).name)
    fc1.to(torch_dtype), fc2.to(torch_dtype)

    def step(xb, yb):
        xb = torch.from_numpy(xb.reshape(len(xb), -1))
        mem, out = lif.init_leaky(), 0.0
        for _ in range(T):  # direct encoding: the same input at every step (snnTorch tutorials)
            spk, mem = lif(fc1(xb), mem)
            out = out + fc2(spk)
        loss = torch.nn.functional.cross_entropy(out / T, torch.from_numpy(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def spikingjelly_epoch(x, y, dtype):
    import torch
    from spikingjelly.activation_based import functional, layer, neuron, surrogate

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        layer.Flatten(step_mode="m"), layer.Linear(784, HIDDEN, step_mode="m"),
        neuron.LIFNode(tau=2.0, decay_input=False, surrogate_function=surrogate.Sigmoid(4.0),
                       step_mode="m"),
        layer.Linear(HIDDEN, 10, step_mode="m"))
    net.to(getattr(torch, np.dtype(dtype).name))
    opt = torch.optim.Adam(net.parameters(), LR)

    def step(xb, yb):
        xb = torch.from_numpy(xb).unsqueeze(0).repeat(T, 1, 1, 1, 1)  # [T, B, 1, 28, 28]
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


def time_epoch(make, x, y, dtype, repeat, clock=time.perf_counter):
    """The fastest of ``repeat`` epochs (each on a fresh, identically seeded network, after two
    warm-up minibatches on another) in seconds of ``clock``, and the epoch's mean loss."""
    best = float("inf")
    for _ in range(repeat):
        step = make(x, y, dtype)
        for xb, yb in list(batches(x, y, seed=1))[:2]:
            step(xb, yb)
        step = make(x, y, dtype)
        start, total = clock(), 0.0
        for xb, yb in batches(x, y):
            total += step(xb, yb) * len(xb)
        best = min(best, clock() - start)
    return best, total / len(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--only", nargs="*", choices=tuple(FRAMEWORKS), default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="report the fastest of N epochs")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                        help="wall-clock time, or the calling thread's CPU time (--threads 1)")
    args = parser.parse_args()
    threads = args.threads
    if args.clock == "thread" and threads != 1:
        parser.error("--clock thread needs --threads 1 (other threads' work is not counted)")
    mnist = data.load_mnist(seed=0)
    x, y = mnist.x_train.astype(args.dtype), mnist.y_train
    print(f"one epoch: MLP 784-{HIDDEN}-10, LIF, T={T}, batch {BATCH}, {len(x)} MNIST images, "
          f"{args.dtype}, {threads} thread(s), fastest of {args.repeat}, {args.clock} clock\n")
    print("| framework | seconds / epoch | mean loss | time / refsnn's |")
    print("|---|---:|---:|---:|")
    base = None
    for name in args.only or FRAMEWORKS:
        try:
            with limit_threads(threads):
                set_torch_threads(threads)
                seconds, loss = time_epoch(FRAMEWORKS[name], x, y, args.dtype, args.repeat,
                                           CLOCKS[args.clock])
        except ImportError as error:
            print(f"| {name} | not installed ({error.name}) | | |")
            continue
        base = seconds if name == "refsnn" else base
        ratio = f"{seconds / base:.2f}" if base else "-"
        print(f"| {name} | {seconds:.2f} | {loss:.4f} | {ratio} |")


if __name__ == "__main__":
    main()
