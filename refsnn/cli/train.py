"""``refsnn train``: its arguments and what it runs. Imported only when ``refsnn train`` (or
``refsnn convert`` and ``refsnn sweep``, which reuse its arguments) runs: the other subcommands
never import the training stack."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from refsnn.cli import SUBCOMMANDS
from refsnn.io import overwritable, writable_directory
from refsnn.neurons import NEURONS
from refsnn.nn.encoding import ENCODINGS
from refsnn.nn.losses import LOSSES
from refsnn.nn.models import MODELS
from refsnn.nn.optim import OPTIMIZERS
from refsnn.nn.readout import READOUTS
from refsnn.nn.schedule import SCHEDULES
from refsnn.training import MT_LEVELS, MT_MODES, Config
from refsnn.training.data import DATASETS
from refsnn.training.plots import FILES as PLOT_FILES

DEFAULT = Config()


def integer_list(text: str, minimum: int = 1) -> tuple[int, ...]:
    """An argparse type: comma-separated integers, each at least ``minimum``."""
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < minimum:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers >= {minimum}, "
                                         f"got {text!r}")
    return values


def thread_count(text: str) -> int | str:
    """An argparse type: ``auto`` or an integer >= 0 (0: the libraries' defaults)."""
    if text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 'auto' or an integer >= 0, got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``train`` subcommand's arguments (defaults: :class:`refsnn.training.Config`'s)."""
    p = sub.add_parser("train", help=SUBCOMMANDS["train"],
                       description="Train a spiking network with BPTT on a dataset that ships "
                       "inside a pip package (the 'data' extra); writes DIR/checkpoint.npz and "
                       "DIR/metrics.json, and with --plot DIR/*.png. Seeded: the same "
                       "arguments give the same metrics.")
    d = DEFAULT
    p.add_argument("--data", choices=tuple(DATASETS), default=d.data,
                   help=f"dataset (default {d.data})")
    p.add_argument("--model", choices=tuple(MODELS), default=d.model,
                   help=f"network (default {d.model})")
    p.add_argument("--neuron", choices=tuple(NEURONS), default=d.neuron,
                   help=f"neuron model, with its defaults (default {d.neuron})")
    p.add_argument("--mode", choices=tuple(MT_MODES), default=d.mode,
                   help=f"MTNeuron only: its parallel or cascade family with K = {MT_LEVELS} "
                   "thresholds (default: MTNeuron's defaults, = parallel)")
    p.add_argument("--T", dest="steps", type=int, default=d.steps,
                   help=f"time steps (default {d.steps})")
    p.add_argument("--surrogate", default=d.surrogate,
                   help=f"surrogate derivative, canonical name or alias (default {d.surrogate})")
    p.add_argument("--alpha", type=float, default=d.alpha,
                   help="surrogate sharpness (default: the surrogate's)")
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"(default {d.epochs})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"learning rate (default {d.lr})")
    p.add_argument("--batch", type=int, default=d.batch, help=f"batch size (default {d.batch})")
    p.add_argument("--seed", type=int, default=d.seed, help=f"(default {d.seed})")
    p.add_argument("--encoding", choices=tuple(ENCODINGS), default=d.encoding,
                   help=f"input encoding (default {d.encoding})")
    p.add_argument("--readout", choices=READOUTS, default=d.readout,
                   help=f"membrane: non-spiking output layer; count: spike counts "
                   f"(default {d.readout})")
    p.add_argument("--loss", choices=tuple(LOSSES), default=d.loss,
                   help=f"(default {d.loss})")
    p.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default=d.optimizer,
                   help=f"(default {d.optimizer}; sgd has momentum {d.momentum})")
    p.add_argument("--schedule", choices=tuple(SCHEDULES), default=d.schedule,
                   help=f"learning-rate schedule over the epochs (default {d.schedule})")
    p.add_argument("--weight-decay", type=float, default=d.weight_decay,
                   help=f"on Linear/Conv2d weights only (default {d.weight_decay})")
    p.add_argument("--hidden", type=integer_list, default=d.hidden,
                   help=f"mlp hidden widths, e.g. 256,128 (default "
                   f"{','.join(map(str, d.hidden))})")
    p.add_argument("--channels", type=integer_list, default=d.channels,
                   help=f"cnn channels per stage (default {','.join(map(str, d.channels))})")
    p.add_argument("--learn", choices=("default", "all"), default=d.learn,
                   help="neuron scalars to learn: default (PLIF w, ternary amplitude) or all "
                   "(also thresholds, LIF tau)")
    p.add_argument("--dtype", choices=("float32", "float64"), default=d.dtype,
                   help=f"(default {d.dtype})")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output directory (default runs/<data>-<model>-<neuron>-T<T>-seed<seed>)")
    p.add_argument("--force", action="store_true", help="overwrite an earlier run's files")
    p.add_argument("--plot", action="store_true",
                   help="also write curves.png, raster.png, membrane.png (needs matplotlib)")
    p.add_argument("--threads", type=thread_count, default="auto",
                   help="Numba threads, BLAS on one (default auto: the cores idle now, from the "
                   "load average; 0 = the libraries' own defaults)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--export-nir", type=Path, default=None, metavar="FILE.nir",
                   help="also write the trained network as a NIR graph (IF/LIF/PLIF with a "
                   "hard reset only; docs/nir.md)")
    p.add_argument("--nir-dt", type=float, default=1.0,
                   help="the time one step stands for in the NIR graph (default 1.0)")


def run(args: argparse.Namespace) -> int:
    """Train as the arguments say; write the checkpoint, metrics and plots. Exit status 2 on
    a bad argument, a missing package or an existing output without --force."""
    try:
        config = Config(**{name: getattr(args, name) for name in Config.__dataclass_fields__
                           if hasattr(args, name)})
        neuron = config.neuron + (f"-{config.mode}" if config.mode else "")
        out = args.out or Path("runs") / (f"{config.data}-{config.model}-{neuron}-"
                                          f"T{config.steps}-seed{config.seed}")
        paths = {"checkpoint": out / "checkpoint.npz", "metrics": out / "metrics.json"}
        if args.export_nir is not None:
            paths["nir"] = _check_nir_export(args, config)
        plots = [out / name for name in PLOT_FILES] if args.plot else []
        overwritable([*paths.values(), *plots], force=args.force)
        writable_directory("out", out)
        from refsnn import training

        start = time.perf_counter()
        result = training.train(config, progress=not args.quiet, threads=args.threads or None)
        seconds = time.perf_counter() - start
        training.save_checkpoint(paths["checkpoint"], result, force=args.force)
        training.save_metrics(paths["metrics"], result, force=args.force)
        if args.export_nir is not None:
            from refsnn.nir import export, files

            graph = export(result.net, dt=args.nir_dt, input_shape=result.dataset.shape)
            files.write_graph(paths["nir"], graph, force=args.force)
        written = list(paths.values())
        if args.plot:
            from refsnn.training.plots import plot_run

            written += plot_run(result, out, force=args.force)
    except (ValueError, ImportError, FileExistsError) as error:
        print(f"refsnn train: error: {error}", file=sys.stderr)
        return 2
    except MemoryError as error:  # e.g. --hidden 1000000000000
        print(f"refsnn train: error: out of memory ({error}): reduce --hidden, --channels or "
              "--batch", file=sys.stderr)
        return 2
    final = result.history[-1]
    print(f"{config.data} {config.model} {config.neuron} T={config.steps}: test accuracy "
          f"{final['test_accuracy']:.4f}, test loss {final['test_loss']:.4f} after "
          f"{config.epochs} epochs in {seconds:.1f} s")
    for path in written:
        print(f"wrote {path}")
    return 0


def _check_nir_export(args: argparse.Namespace, config: Config) -> Path:
    """--export-nir's path, after checking, before any training, that the neuron can be
    exported (refsnn.nir.export.refusal) and that nir is installed."""
    from refsnn.nir._require import nir
    from refsnn.nir.export import refusal
    from refsnn.training import make_neuron

    nir()
    reason = refusal(make_neuron(config.neuron, config.surrogate, config.alpha))
    if reason is not None:
        raise ValueError(f"export_nir: a network of {config.neuron} neurons cannot be exported "
                         f"to NIR: {reason}")
    return args.export_nir
