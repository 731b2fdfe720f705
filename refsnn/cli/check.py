"""``refsnn check``: every model x surrogate through both backends, compared."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from refsnn.cli import SUBCOMMANDS
from refsnn.neurons import NEURONS, with_defaults
from refsnn.surrogates import SURROGATES
from refsnn.tolerances import tolerance


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help=SUBCOMMANDS["check"])
    p.add_argument("--steps", type=int, default=64, help="time steps T (default 64)")
    p.add_argument("--neurons", type=int, default=10_000, help="neurons (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="input seed (default 0)")


def run(args: argparse.Namespace) -> int:
    """Run every model x surrogate on a seeded input with both backends and compare them.

    Forward must be bit-identical; backward within refsnn.tolerances' ``kernels_backward`` bound
    (``4 eps T max(max |grad|, max |upstream grad|)``, float64). Exit status 1 if anything
    disagrees.
    """
    if args.steps < 1 or args.neurons < 1:
        print("refsnn check: error: --steps and --neurons must be >= 1", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    x = rng.normal(0.6, 1.0, (args.steps, args.neurons))
    grad = rng.normal(size=x.shape)
    bound = tolerance("kernels_backward", x.dtype)
    failures = 0
    print(f"{'model':<15} {'surrogate':<22} {'sum(O)':>7} {'forward':>9} {'max |dx| diff':>14}")
    for name, model in NEURONS.items():
        for cls in SURROGATES:
            neuron = with_defaults(model, cls())
            ref = neuron.forward(x, backend="numpy")
            fast = neuron.forward(x, backend="numba")
            same = all(np.array_equal(getattr(ref, f), getattr(fast, f))
                       for f in ("spikes", "h", "v"))
            g_ref = neuron.backward(ref, grad, backend="numpy").x
            diff = np.abs(neuron.backward(ref, grad, backend="numba").x - g_ref).max()
            scale = args.steps * max(np.abs(g_ref).max(), np.abs(grad).max())
            ok = same and diff <= bound.atol * scale
            failures += not ok
            print(f"{name:<15} {cls.name:<22} {int(ref.spikes.sum()):>7} "
                  f"{'identical' if same else 'DIFFERS':>9} {diff:>14.2e}{'' if ok else '  FAIL'}")
    print(f"{len(NEURONS) * len(SURROGATES) - failures} passed, {failures} failed")
    return 1 if failures else 0


