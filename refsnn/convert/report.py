"""The conversion experiment's Markdown table, JSON file and accuracy-vs-T plot."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from refsnn.convert.experiment import ANN_NAMES, METHODS, Results
from refsnn.io import atomic_write


def _cell(values: list[float] | None) -> str:
    """``mean +- std`` in percent over the seeds (the sample std; the mean alone for one)."""
    if not values:
        return ""
    mean = 100 * np.mean(values)
    if len(values) == 1:
        return f"{mean:.1f}"
    return f"{mean:.1f} +- {100 * np.std(values, ddof=1):.1f}"


def table(results: Results) -> str:
    """Test accuracy (%) per method (rows) and T (columns), the ANNs first."""
    steps = results.config.steps
    lines = ["| | " + " | ".join(f"T = {t}" for t in steps) + " |",
             "|---|" + "---:|" * len(steps)]
    for name in sorted(results.ann, key=list(ANN_NAMES.values()).index):
        row = results.ann[name]
        cells = [_cell(row.get(0, row.get(t))) for t in steps]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name, row in results.snn.items():
        lines.append(f"| {name} | " + " | ".join(_cell(row.get(t)) for t in steps) + " |")
    return "\n".join(lines) + "\n"


def legend(results: Results) -> str:
    """One line per method: what it is."""
    return "".join(f"- {name}: {METHODS[name].description}\n" for name in results.snn)


def write_json(path: Path, results: Results, *, force: bool) -> Path:
    text = json.dumps(results.to_json(), indent=2) + "\n"
    atomic_write(path, lambda f: f.write(text.encode()), force=force)
    return path


def plot(path: Path, results: Results, *, force: bool) -> Path:
    """Accuracy vs T (log2 axis) per method, the ReLU ANN's accuracy as a horizontal line and
    the quantized ANNs' (trained per T) as dashed lines; written atomically."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = results.config.steps
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, row in results.snn.items():
        ax.plot(steps, [100 * np.mean(row[t]) for t in steps], marker="o", label=name)
    for name, row in results.ann.items():
        if 0 in row:
            ax.axhline(100 * np.mean(row[0]), color="black", linewidth=1, label=name)
        else:
            ax.plot(steps, [100 * np.mean(row[t]) for t in steps], color="black",
                    linestyle=":" if "ICE" in name else "--", zorder=3, label=name)
    config = results.config
    ax.set_xscale("log", base=2)
    ax.set(xlabel="time steps T", ylabel="test accuracy (%)",
           title=f"{config.data}, {config.model}: ANN-to-SNN conversion "
                 f"({len(config.seeds)} seed(s))")
    ax.set_xticks(steps, [str(t) for t in steps])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=120), force=force)
    plt.close(fig)
    return path
