"""PNG figures of a training run (matplotlib, Agg backend): training curves, a spike raster and
membrane traces of the first spiking layer. Needs the ``plots`` extra."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from refsnn.io import atomic_write
from refsnn.nn import NeuronLayer
from refsnn.nn.neuron_layer import get_param
from refsnn.training import Run, encode


def _pyplot():
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError("--plot needs matplotlib: pip install 'refsnn[plots]'") from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _integer_ticks():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


FILES = ("curves.png", "raster.png", "membrane.png")
"""The files :func:`plot_run` writes."""


def plot_run(run: Run, out: str | Path, *, samples: int = 8, neurons: int = 64,
             traces: int = 4, force: bool = False) -> list[Path]:
    """Write ``curves.png`` (loss and accuracy per epoch, train and test), ``raster.png`` (the
    first spiking layer's output for ``samples`` test samples: neuron x time, the spike
    value as colour, so ternary and multi-level spikes show their sign and level) and
    ``membrane.png`` (``H`` after charge and ``V`` after reset of ``traces`` neurons of the
    first test sample, with the threshold). Each is written atomically; an existing one is an
    error unless ``force``. Returns the paths."""
    plt = _pyplot()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in FILES]

    epochs = [h["epoch"] for h in run.history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for split in ("train", "test"):
        ax_loss.plot(epochs, [h[f"{split}_loss"] for h in run.history], "o-", label=split)
        ax_acc.plot(epochs, [h[f"{split}_accuracy"] for h in run.history], "o-", label=split)
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(_integer_ticks())
        ax.legend()
        ax.grid(alpha=0.3)
    c = run.config
    fig.suptitle(f"{c.data} {c.model} {c.neuron} T={c.steps}")
    fig.tight_layout()
    _save(fig, paths[0], force)
    plt.close(fig)

    x = run.dataset.x_test[:samples].astype(np.dtype(c.dtype))
    run.net.forward(encode(c, x, np.random.default_rng(0)))
    layer = next(layer for layer in run.net.layers if isinstance(layer, NeuronLayer))
    spikes = layer.trace.spikes.reshape(c.steps, len(x), -1)[:, :, :neurons]
    # rows: neurons; columns: (sample, t), samples side by side
    image = spikes.transpose(2, 1, 0).reshape(spikes.shape[2], -1)
    limit = max(float(np.abs(image).max()), 1e-12)
    fig, ax = plt.subplots(figsize=(10, 5))
    shown = ax.imshow(image, aspect="auto", interpolation="nearest", cmap="bwr",
                      vmin=-limit, vmax=limit)
    for s in range(1, len(x)):
        ax.axvline(s * c.steps - 0.5, color="k", lw=0.5)
    ax.set(xlabel=f"time step, {len(x)} test samples side by side (T = {c.steps} each)",
           ylabel="neuron", title=f"spikes of the first spiking layer ({c.neuron})")
    fig.colorbar(shown, ax=ax, label="spike value")
    fig.tight_layout()
    _save(fig, paths[1], force)
    plt.close(fig)

    h = layer.trace.h.reshape(c.steps, len(x), -1)[:, 0, :traces]
    v = layer.trace.v.reshape(c.steps, len(x), -1)[:, 0, :traces]
    try:
        threshold = get_param(layer.neuron, "v_threshold")
    except ValueError:  # a neuron without one base threshold
        threshold = None
    fig, axes = plt.subplots(h.shape[1], 1, figsize=(8, 2 * h.shape[1]), sharex=True,
                             squeeze=False)
    t = np.arange(c.steps)
    for i, ax in enumerate(axes[:, 0]):
        ax.plot(t, h[:, i], "o-", label="H (after charge)")
        ax.plot(t, v[:, i], "s--", label="V (after reset)")
        if threshold is not None:
            ax.axhline(threshold, color="r", lw=0.8, label="v_threshold")
        ax.set_ylabel(f"neuron {i}")
    axes[0, 0].legend(fontsize=8, loc="upper right")
    axes[-1, 0].set_xlabel("time step")
    axes[-1, 0].set_xticks(t)
    fig.suptitle("membrane potential, first test sample")
    fig.tight_layout()
    _save(fig, paths[2], force)
    plt.close(fig)
    return paths


def _save(fig, path: Path, force: bool) -> None:
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=100), force=force)
