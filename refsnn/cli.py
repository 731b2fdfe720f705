"""The ``refsnn`` command: ``refsnn info`` and ``refsnn check`` (subcommands in a table)."""

from __future__ import annotations

import argparse
import dataclasses
import platform
import sys

import numpy as np

import refsnn
from refsnn.neurons import LIF, NEURONS, Neuron
from refsnn.surrogates import SURROGATES, Surrogate


def info(args: argparse.Namespace) -> int:
    """Print the version, backends, neuron models and surrogates."""
    import numba

    print(f"refsnn {refsnn.__version__} (Python {platform.python_version()}, "
          f"numpy {np.__version__})")
    print(f"backends: numpy (reference), numba {numba.__version__} "
          f"({numba.config.NUMBA_NUM_THREADS} threads)")
    print("neuron models:")
    for name, model in NEURONS.items():
        fields = ", ".join(f"{f.name}={_default(f)}" for f in dataclasses.fields(model))
        print(f"  {name}({fields})")
    print("surrogates (canonical name, aliases, default alpha):")
    for cls in SURROGATES:
        aliases = ", ".join(cls.aliases) or "-"
        print(f"  {cls.name:<22} {aliases:<28} alpha={cls.alpha}")
    return 0


def _default(field: dataclasses.Field) -> object:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return "<required>"


def _example(model: type, surrogate: Surrogate) -> Neuron:
    """A default instance of ``model``; a neuron built on a base neuron gets a default LIF."""
    if "neuron" in {f.name for f in dataclasses.fields(model)}:
        return model(neuron=LIF(surrogate=surrogate))
    return model(surrogate=surrogate)


def check(args: argparse.Namespace) -> int:
    """Run every model x surrogate on a seeded input with both backends and compare them.

    Forward must be bit-identical; backward within 1e-12 of the largest gradient (float64).
    Exit status 1 if anything disagrees.
    """
    rng = np.random.default_rng(args.seed)
    x = rng.normal(0.6, 1.0, (args.steps, args.neurons))
    grad = rng.normal(size=x.shape)
    failures = 0
    print(f"{'model':<15} {'surrogate':<22} {'sum(O)':>7} {'forward':>9} {'max |dx| diff':>14}")
    for name, model in NEURONS.items():
        for cls in SURROGATES:
            neuron = _example(model, cls())
            ref = neuron.forward(x, backend="numpy")
            fast = neuron.forward(x, backend="numba")
            same = all(np.array_equal(getattr(ref, f), getattr(fast, f))
                       for f in ("spikes", "h", "v"))
            g_ref = neuron.backward(ref, grad, backend="numpy").x
            diff = np.abs(neuron.backward(ref, grad, backend="numba").x - g_ref).max()
            ok = same and diff <= 1e-12 * np.abs(g_ref).max()
            failures += not ok
            print(f"{name:<15} {cls.name:<22} {int(ref.spikes.sum()):>7} "
                  f"{'identical' if same else 'DIFFERS':>9} {diff:>14.2e}{'' if ok else '  FAIL'}")
    print(f"{len(NEURONS) * len(SURROGATES) - failures} passed, {failures} failed")
    return 1 if failures else 0


COMMANDS = {"info": info, "check": check}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="refsnn", description=refsnn.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help=info.__doc__)
    p = sub.add_parser("check", help=check.__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=64, help="time steps T (default 64)")
    p.add_argument("--neurons", type=int, default=10_000, help="neurons (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="input seed (default 0)")
    args = parser.parse_args(argv)
    if args.command == "check" and (args.steps < 1 or args.neurons < 1):
        parser.error("--steps and --neurons must be >= 1")
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
