"""Batched matrix products split over threads, each part one-threaded BLAS.

On a 2-core machine, OpenBLAS's own threads and Numba's oversubscribe the cores: OpenBLAS's
workers keep spinning for a while after a product, so a Numba kernel that follows waits for a
core (refsnn.train.limit_threads). Training therefore runs BLAS on one thread and splits the
convolutions' per-image products over Numba's thread count itself: a product of a batch of
images is cut into as many contiguous parts, and each part is one ``np.matmul`` call (NumPy
releases the GIL in it) in a thread of a small pool, whose idle threads sleep instead of
spinning. Every image's product is the same BLAS call whatever the number of threads, so the
results do not depend on it.
"""

from __future__ import annotations

import concurrent.futures
import functools

import numba
import numpy as np


@functools.cache
def _pool(threads: int) -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="refsnn-matmul")


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.matmul(a, b, out=out)`` for a batch on axis 0 of ``b`` (``a`` one matrix or a batch
    of the same length), split over ``numba.get_num_threads()`` threads."""
    threads = min(numba.get_num_threads(), b.shape[0])
    if threads == 1:
        return np.matmul(a, b, out=out)
    if out is None:
        shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
        out = np.empty(shape, dtype=np.result_type(a, b))
    bounds = np.linspace(0, b.shape[0], threads + 1).astype(int)

    def part(lo: int, hi: int) -> None:
        np.matmul(a if a.ndim == 2 else a[lo:hi], b[lo:hi], out=out[lo:hi])

    parts = zip(bounds[:-1], bounds[1:], strict=True)
    for future in [_pool(threads).submit(part, lo, hi) for lo, hi in parts]:
        future.result()
    return out
