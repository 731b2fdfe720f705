"""refsnn's NIR interpreter against refsnn's own network on the same exported graph.

    python tools/bench_nir.py [--threads 1] [--repeat 5]

Network: 784-256-10, LIF (tau = 2, threshold 1, hard reset) after each Linear, float32,
T = 32, B = 64, exported with refsnn.nir.export (dt = 1e-3) and loaded back. Times, best of
``--repeat`` after one warm-up: refsnn's Sequential with the Numba and the NumPy neuron
backends, the interpreter (acyclic: node by node over the whole run), the interpreter while
recording every node, and the same graph with a 256x256 recurrent edge on the hidden layer
(run step by step). The outputs of the first three are checked equal. BLAS threads are set
by ``--threads`` before NumPy loads (default 1: per-step matrix products of 64 rows slow down
badly when a multithreaded BLAS competes for 2 busy cores).
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMBA_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    import nir
    import numpy as np

    import refsnn.nir as rn
    from refsnn.neurons import LIF
    from refsnn.nn import Linear, NeuronLayer, Sequential

    def network(backend: str) -> Sequential:
        return Sequential(Linear(784, 256, rng=0, dtype=np.float32),
                          NeuronLayer(LIF(), backend=backend),
                          Linear(256, 10, rng=1, dtype=np.float32),
                          NeuronLayer(LIF(), backend=backend))

    fast, reference = network("numba"), network("numpy")
    graph = rn.export(fast, dt=1e-3)
    interpreter = rn.load(graph, dt=1e-3)
    nodes = graph.nodes | {"rec": nir.Linear(np.random.default_rng(2).normal(0, 0.05,
                                                                             (256, 256)))}
    recurrent = rn.load(nir.NIRGraph(nodes=nodes, edges=[*graph.edges, ("1_neuronlayer", "rec"),
                                                         ("rec", "1_neuronlayer")]), dt=1e-3)
    x = (np.random.default_rng(0).random((32, 64, 784)) * 2).astype(np.float32)
    assert np.array_equal(fast.forward(x), interpreter.forward(x))
    assert np.array_equal(reference.forward(x), interpreter.forward(x))

    def best(run) -> float:
        run()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times) * 1e3

    rows = {"refsnn Sequential, numba neurons": lambda: fast.forward(x),
            "refsnn Sequential, numpy neurons": lambda: reference.forward(x),
            "NIR interpreter": lambda: interpreter.forward(x),
            "NIR interpreter, recording every node": lambda: interpreter.forward(x, record=True),
            "NIR interpreter, recurrent (step by step)": lambda: recurrent.forward(x)}
    base = None
    print(f"784-256-10 LIF, float32, T = 32, B = 64, {args.threads} thread(s)")
    for name, run in rows.items():
        ms = best(run)
        base = base or ms
        print(f"  {name:<44} {ms:8.1f} ms  {ms / base:5.2f}x")


if __name__ == "__main__":
    main()
