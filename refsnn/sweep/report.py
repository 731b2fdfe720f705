"""The aggregate of a sweep's results: mean +- std and n per cell, as Markdown, JSON and plots.

A cell is one value of every axis but the seed, one row label (a conversion method or ANN;
empty for training) and one T; its values are the accuracies (%) of the runs that differ only
in the seed. The standard deviation is the sample one (ddof 1; 0 for a single run), as in the
README's tables.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from refsnn.io import atomic_write
from refsnn.sweep.commands import COMMANDS
from refsnn.sweep.grid import bundle
from refsnn.sweep.runner import RESULT


def load_results(out: Path, order: Sequence[str] = ()) -> list[dict]:
    """Every finished run's result document under ``out/runs``: the runs whose keys are in
    ``order`` (a grid's run keys, :meth:`refsnn.sweep.grid.Grid.runs`) in that order, then
    the others in key order."""
    runs = out / "runs"
    if not runs.is_dir():
        raise ValueError(f"report: expected a sweep directory with runs/, got {out}")
    rank = {key: i for i, key in enumerate(order)}
    paths = sorted(runs.glob(f"*/{RESULT}"),
                   key=lambda path: (rank.get(path.parent.name, len(rank)), path.parent.name))
    results = []
    for path in paths:
        try:
            results.append(json.loads(path.read_text()))
        except (OSError, ValueError) as error:
            raise ValueError(f"report: {path}: not a readable result ({error})") from None
    return results


def cells(results: list[dict]) -> dict[tuple, list[float]]:
    """``{(label, T): accuracies}``; label joins the non-seed axes and the row label."""
    grouped = defaultdict(list)
    for result in results:
        command = COMMANDS[result["command"]]
        axes = {k: v for k, v in result["axes"].items()
                if k.replace("_", "-") not in (command.seed_option, "T")}
        for record in command.records(result["result"]):
            words = [f"{k}={_plain(v)}" for axis, value in axes.items()
                     for k, v in bundle(axis, value).items()] + [record["row"]]
            grouped[(" ".join(w for w in words if w), record["T"])].append(record["accuracy"])
    return dict(grouped)


def _plain(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def statistics(values: list[float]) -> dict:
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return {"mean": mean, "std": std, "n": n}


def table(grouped: dict[tuple, list[float]]) -> str:
    """Markdown: a row per label, a column per T, cells ``mean +- std (n)``."""
    labels = list(dict.fromkeys(label for label, _ in grouped))
    steps = sorted({t for _, t in grouped})
    lines = ["| run | " + " | ".join(f"T = {t}" for t in steps) + " |",
             "|---|" + "---:|" * len(steps)]
    for label in labels:
        row = []
        for t in steps:
            values = grouped.get((label, t))
            if values is None:
                row.append("")
                continue
            s = statistics(values)
            row.append(f"{s['mean']:.1f} +- {s['std']:.1f} ({s['n']})")
        lines.append(f"| {label or 'all'} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def write(out: Path, *, plot: bool = True, order: Sequence[str] = ()) -> list[Path]:
    """Write ``out/report.md``, ``out/report.json`` and, with matplotlib and ``plot``,
    ``out/accuracy.png``; returns the paths written (replacing earlier reports). The rows
    follow the runs' order (:func:`load_results`)."""
    grouped = cells(load_results(out, order))
    if not grouped:
        raise ValueError(f"report: no finished run under {out / 'runs'}")
    markdown = table(grouped)
    document = [{"label": label, "T": t, **statistics(v), "values": v}
                for (label, t), v in grouped.items()]
    paths = [out / "report.md", out / "report.json"]
    atomic_write(paths[0], lambda f: f.write(markdown.encode()), force=True)
    text = json.dumps(document, indent=1) + "\n"
    atomic_write(paths[1], lambda f: f.write(text.encode()), force=True)
    if plot:
        paths += _plot(out / "accuracy.png", grouped)
    return paths


def _plot(path: Path, grouped: dict[tuple, list[float]]) -> list[Path]:
    """Accuracy vs T, a line per label with the std as error bars; nothing without
    matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return []
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(dict.fromkeys(label for label, _ in grouped))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, (colour, marker) in zip(labels, styles(len(labels)), strict=True):
        steps = sorted(t for lab, t in grouped if lab == label)
        stats = [statistics(grouped[(label, t)]) for t in steps]
        ax.errorbar(steps, [s["mean"] for s in stats], yerr=[s["std"] for s in stats],
                    marker=marker, capsize=3, label=label or "all", color=colour)
    ax.set_xscale("log", base=2)
    steps = sorted({t for _, t in grouped})
    ax.set_xticks(steps, [str(t) for t in steps])
    ax.set_xlabel("T (time steps)")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside the axes
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=120, bbox_inches="tight"),
                 force=True)
    plt.close(fig)
    return [path]


def styles(n: int) -> list[tuple]:
    """A (colour, marker) per plotted row: matplotlib's tab10 colours up to 10 rows, tab20's up
    to 20 (so that no two rows share a colour), then repeating; markers cycle over 7."""
    from matplotlib import colormaps

    colours = colormaps["tab10" if n <= 10 else "tab20"].colors
    return [(colours[i % len(colours)], "osD^v<>"[i % 7]) for i in range(n)]
