"""``refsnn info``: the version, backends, neuron models and surrogates."""

from __future__ import annotations

import argparse
import dataclasses
import platform

import numpy as np

import refsnn
from refsnn.cli import SUBCOMMANDS
from refsnn.neurons import NEURONS
from refsnn.surrogates import SURROGATES


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("info", help=SUBCOMMANDS["info"])


def run(args: argparse.Namespace) -> int:
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


