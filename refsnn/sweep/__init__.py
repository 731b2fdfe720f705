"""``refsnn sweep``: a grid of ``refsnn train`` or ``refsnn convert`` runs as tasks on
dask.distributed (docs/sweep.md).

A grid file (:mod:`refsnn.sweep.grid`) names a command, its base options and the axes to vary;
every combination is one run, keyed by a stable hash of its full configuration. The runs are
submitted to a dask.distributed cluster (:mod:`refsnn.sweep.runner`: a ``LocalCluster`` of
worker processes on this machine, or a running scheduler's address), each finished run's result
is written atomically under ``DIR/runs/<key>/`` and skipped on a rerun, and
:mod:`refsnn.sweep.report` aggregates them (mean +- std and n per cell) into Markdown, JSON and
plots. dask[distributed] is the ``sweep`` extra: ``pip install 'refsnn[sweep]'``.
"""
