"""How many threads a run uses: Numba's for the kernels, one for BLAS (refsnn train and
refsnn convert)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

from refsnn import validation


def auto_threads() -> int:
    """The thread count ``threads="auto"`` picks: the cores that are idle now, at least 1 (the
    CPUs Linux gives this process minus the one-minute load average, rounded to the nearest
    integer). On the shared 2-core machines here a second thread is a loss whenever another
    process holds a core (tools/bench_train.py measured a CNN epoch at 0.56x with 2 Numba
    threads under load), and a gain when both cores are free (1.42x on a quiet machine)."""
    import os

    if not hasattr(os, "getloadavg"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, (cores or 1) - math.floor(os.getloadavg()[0] + 0.5)))


@contextlib.contextmanager
def limit_threads(threads: int | str | None) -> Iterator[None]:
    """Run with ``threads`` Numba threads and one BLAS thread (``"auto"``: :func:`auto_threads`;
    ``None``: leave both libraries' settings).

    OpenBLAS's and Numba's thread pools oversubscribe a small machine: OpenBLAS's threads spin
    for a while after every matrix product, Numba's parallel kernels then wait for a core, and
    a training epoch ran up to 10x slower with 2 + 2 threads than with 1 + 1 on the 2-core
    machines here (and 0.2x with 1 Numba + 2 BLAS threads, tools/bench_train.py). So BLAS
    stays on one thread and the convolutions spread blocks of images over Numba's thread
    count themselves (refsnn/nn/blocks.py); a Linear layer's product stays one-threaded. The
    BLAS limit needs threadpoolctl (installed with scikit-learn, the ``data`` extra); without it
    BLAS keeps its own setting. Results do not depend on the thread count.

    If Numba's threading layer has not started yet, it starts here, and its OpenMP workers
    sleep when idle (:func:`_sleeping_openmp_workers`).
    """
    if threads is None:
        yield
        return
    import numba

    threads = auto_threads() if threads == "auto" else \
        validation.integer("threads", threads, minimum=1)
    with _sleeping_openmp_workers():
        before = numba.get_num_threads()  # the first call starts Numba's threading layer
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            blas = contextlib.nullcontext()
        else:
            blas = threadpool_limits(1, user_api="blas")
        with blas:
            yield
    finally:
        numba.set_num_threads(before)


@contextlib.contextmanager
def _sleeping_openmp_workers() -> Iterator[None]:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` for the duration (unless the environment sets a policy),
    so that an OpenMP runtime loaded meanwhile (Numba's ``omp`` threading layer, which loads
    libgomp when it starts) makes its idle workers sleep rather than spin; the variable is
    removed again afterwards, so libraries loaded later see the user's environment.

    Why: libgomp's idle workers spin for a while after every parallel region by default
    (``OMP_WAIT_POLICY``, ``GOMP_SPINCOUNT``: the GCC libgomp manual). After each of
    BatchNorm's, pooling's and the neurons' parallel kernels, the spinning worker then holds
    the core that a convolution's block thread (refsnn/nn/blocks.py) wants. A CNN training
    epoch on two threads ran 1.41-1.42x faster than on one with spinning workers and 1.59-1.64x
    with sleeping ones, the one-thread epoch unchanged (tools/bench_train.py --model cnn
    --threads 1 2, an idle 2-core machine). libgomp reads the variable once, when it loads:
    a layer already started keeps its policy, and so does a libgomp that another library loaded
    first (set ``OMP_WAIT_POLICY`` in the environment then). Numba's layer loads the system's
    libgomp; torch, imported after it started, shares that copy and so its policy (its
    two-thread CNN epoch was slower with sleeping workers in tools/bench_train.py), while
    imported before, it keeps its own.
    """
    import os

    if "OMP_WAIT_POLICY" in os.environ:
        yield
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        yield
    finally:
        del os.environ["OMP_WAIT_POLICY"]
