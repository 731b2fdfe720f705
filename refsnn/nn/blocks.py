"""Work on a batch of images split into blocks, the blocks run on a small thread pool.

On a 2-core machine, OpenBLAS's own threads and Numba's oversubscribe the cores: OpenBLAS's
workers keep spinning for a while after a product, so a Numba kernel that follows waits for a
core (refsnn.training.threads.limit_threads). Training therefore keeps BLAS on one thread, and a
convolution splits its batch into blocks of :data:`BLOCK` images and runs each block's
im2col, BLAS products and col2im (serial Numba kernels that release the GIL, and
``np.matmul``, which releases it too) as one task on a pool of ``numba.get_num_threads()``
Python threads, which sleep when idle instead of spinning (as Numba's OpenMP workers do when
limit_threads starts them: spinning, they held the cores these threads want). A block's work
is the same calls whichever thread runs it, and per-block results are combined in block order,
so the results do not depend on the number of threads.
"""

from __future__ import annotations

import concurrent.futures
import functools
from collections.abc import Callable

import numba

BLOCK = 32
"""Images per block: a block's windows (``C kh kw`` times its input) stay in the caches
between their im2col and their products, and a step never holds more than a few blocks of
them at once (one per thread)."""


@functools.cache
def _pool(threads: int) -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="refsnn-blocks")


def blocks(n: int) -> list[slice]:
    """The blocks of a batch of ``n`` images, in order."""
    return [slice(lo, min(n, lo + BLOCK)) for lo in range(0, n, BLOCK)]


def map_blocks(work: Callable[[slice], object], n: int) -> list:
    """``[work(block) for block in blocks(n)]``, the calls spread over
    ``numba.get_num_threads()`` threads (in this thread when that is 1)."""
    parts = blocks(n)
    threads = min(numba.get_num_threads(), len(parts))
    if threads == 1:
        return [work(part) for part in parts]
    return list(_pool(threads).map(work, parts))
