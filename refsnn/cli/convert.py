"""``refsnn convert``: its arguments and what it runs (the experiment of
refsnn/convert/experiment.py; docs/conversion.md describes the rules)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from refsnn.cli import SUBCOMMANDS
from refsnn.cli.train import integer_list, thread_count
from refsnn.convert.experiment import METHODS, Config, ann_files
from refsnn.io import overwritable, writable_directory
from refsnn.training.data import DATASETS

DEFAULT = Config()


def _integers(text: str) -> tuple[int, ...]:
    return integer_list(text, minimum=0)  # 0 reaches Config, whose error names the option


def _methods(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    unknown = [name for name in names if name not in METHODS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown method(s) {unknown}; expected names from "
                                         f"{', '.join(METHODS)}")
    return names


def _joined(values: tuple) -> str:
    return ",".join(map(str, values))


def add_parser(sub: argparse._SubParsersAction) -> None:
    """The ``convert`` subcommand's arguments (defaults: :class:`Config`'s)."""
    d = DEFAULT
    p = sub.add_parser("convert", help=SUBCOMMANDS["convert"],
                       description="Train the ANNs (ReLU, and clamp-quantized per T), convert "
                       "them by each method (baselines, the paper's rules, the ablations), "
                       "print test accuracy per method and T. Seeded. Methods: "
                       + "; ".join(f"{k}: {m.description}" for k, m in METHODS.items()))
    p.add_argument("--data", choices=tuple(DATASETS), default=d.data,
                   help=f"dataset (default {d.data})")
    p.add_argument("--model", choices=("mlp", "cnn"), default=d.model,
                   help=f"ANN shape (default {d.model})")
    p.add_argument("--hidden", type=_integers, default=d.hidden,
                   help=f"mlp hidden widths (default {_joined(d.hidden)})")
    p.add_argument("--channels", type=_integers, default=d.channels,
                   help=f"cnn channels per stage (default {_joined(d.channels)})")
    p.add_argument("--pool-every", type=int, default=d.pool_every,
                   help=f"cnn: average-pool after every Nth stage only, for a deeper cnn "
                   f"(default {d.pool_every}: after each)")
    p.add_argument("--T", dest="steps", type=_integers, default=d.steps,
                   help=f"time windows to evaluate (default {_joined(d.steps)})")
    p.add_argument("--ceiling", type=float, default=d.ceiling,
                   help=f"clip ceiling T/q of the quantized ANNs: q = ceil(T / ceiling) "
                   f"(default {d.ceiling}, the authors' CIFAR value)")
    p.add_argument("--methods", type=_methods, default=d.methods,
                   help=f"comma-separated rows (default all: {_joined(d.methods)})")
    p.add_argument("--seeds", type=_integers, default=d.seeds,
                   help=f"comma-separated seeds; mean +- std over them (default "
                   f"{_joined(d.seeds)})")
    p.add_argument("--epochs", type=int, default=d.epochs,
                   help=f"ANN training epochs (default {d.epochs})")
    p.add_argument("--batch", type=int, default=d.batch, help=f"(default {d.batch})")
    p.add_argument("--lr", type=float, default=d.lr, help=f"Adam's rate (default {d.lr})")
    p.add_argument("--percentile", type=float, default=d.percentile,
                   help=f"for percentile-norm (default {d.percentile})")
    p.add_argument("--ctt-rate", type=float, default=d.ctt_rate,
                   help=f"CTT's eta (default {d.ctt_rate})")
    p.add_argument("--ctt-epochs", type=int, default=d.ctt_epochs,
                   help=f"CTT passes over the training set (default {d.ctt_epochs})")
    p.add_argument("--tau", type=float, default=d.tau,
                   help="LIF time constant of the converted neurons (default inf: IF)")
    p.add_argument("--dtype", choices=("float32", "float64"), default=d.dtype,
                   help=f"(default {d.dtype})")
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="write DIR/results.json, the trained ANNs as DIR/anns/*.npz and, with "
                   "--plot, DIR/accuracy.png")
    p.add_argument("--reuse", action="store_true",
                   help="load the ANNs an earlier run saved in DIR/anns instead of training "
                   "them (their settings must match)")
    p.add_argument("--plot", action="store_true",
                   help="plot accuracy vs T (needs --out and matplotlib)")
    p.add_argument("--force", action="store_true", help="overwrite an earlier run's files")
    p.add_argument("--threads", type=thread_count, default="auto",
                   help="Numba threads, BLAS on one (default auto: the cores idle now, from the "
                   "load average; 0 = the libraries' own defaults)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--export-nir", type=Path, default=None, metavar="FILE.nir",
                   help="write the converted network as a NIR graph: refused, as every "
                   "converted neuron resets by subtraction (docs/nir.md)")


def run(args: argparse.Namespace) -> int:
    """Run the experiment; print the table; write the JSON and plot. Exit status 2 on a bad
    argument, a missing package or an existing output without --force."""
    try:
        config = Config(**{name: getattr(args, name) for name in Config.__dataclass_fields__
                           if hasattr(args, name)})
        paths = _outputs(args, config)
        if args.export_nir is not None:
            _refuse_nir_export()
        from refsnn.convert import experiment, report
        from refsnn.training import limit_threads

        start = time.perf_counter()
        with limit_threads(args.threads or None):
            results = experiment.run(config, progress=not args.quiet, reuse=args.reuse,
                                     ann_dir=args.out / "anns" if args.out else None,
                                     force=args.force)
        seconds = time.perf_counter() - start
        written = [report.write_json(paths["json"], results, force=args.force)] if paths else []
        if args.plot:
            written.append(report.plot(paths["plot"], results, force=args.force))
    except (ValueError, ImportError, FileExistsError) as error:
        print(f"refsnn convert: error: {error}", file=sys.stderr)
        return 2
    print(f"{config.data}, {config.model}: test accuracy (%) of the ANNs and of their SNNs, "
          f"seeds {_joined(config.seeds)} ({seconds:.1f} s)\n")
    print(report.table(results))
    print(report.legend(results), end="")
    for path in written:
        print(f"wrote {path}")
    return 0


def _outputs(args: argparse.Namespace, config: Config) -> dict[str, Path]:
    """The files to write, checked before any work (the ANNs' too, unless --reuse loads
    them): none without --out."""
    if args.out is None:
        if args.plot or args.reuse:
            raise ValueError("out: --plot and --reuse need --out DIR")
        return {}
    paths = {"json": args.out / "results.json"}
    if args.plot:
        paths["plot"] = args.out / "accuracy.png"
    anns = [] if args.reuse else [args.out / "anns" / name for name in ann_files(config)]
    overwritable([*paths.values(), *anns], force=args.force)
    writable_directory("out", args.out / "anns")
    return paths


def _refuse_nir_export() -> None:
    """--export-nir: the converted networks' neurons (refsnn/convert/snn.py: IF or LIF with
    ``v_reset=None``, the rate-coding rule's reset by subtraction) have no NIR form."""
    from refsnn.neurons import IF
    from refsnn.nir.export import refusal

    raise ValueError("export_nir: the converted networks cannot be exported to NIR: their IF "
                     f"/ LIF neurons reset by subtraction, and {refusal(IF(v_reset=None))}")
