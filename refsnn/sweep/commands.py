"""The commands a sweep can run, each parsed by the real ``refsnn`` argument parser.

A run is the command line ``refsnn <command> --<option> <value> ...`` that the grid describes,
parsed by the same argparse parser as on the command line (so every option, its spelling, its
default and its validation are the CLI's), turned into the command's frozen ``Config``, then
executed in a worker. Each command also says how its result becomes *records*: one accuracy per
(row label, T), which the report aggregates over seeds.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

CONTROLLED = ("out", "force", "plot", "quiet", "threads", "reuse")
"""Options the sweep sets itself: a grid that names one is refused."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises ValueError instead of printing usage and exiting."""

    def error(self, message: str):
        raise ValueError(message)


@dataclass(frozen=True)
class Command:
    """One runnable subcommand: its name, its seed option, how to add its parser, how to build
    its Config from parsed arguments, how to run it, and how to flatten its result."""

    name: str
    seed_option: str
    add_parser: Callable[[argparse._SubParsersAction], None]
    config: Callable[[argparse.Namespace], object]
    execute: Callable[[object], dict]
    records: Callable[[dict], list[dict]]

    def parse(self, argv: list[str]) -> object:
        """The Config of ``refsnn <name> <argv>``; ValueError with argparse's message."""
        parser = _Parser(prog="refsnn")
        self.add_parser(parser.add_subparsers(dest="command", parser_class=_Parser))
        return self.config(parser.parse_args([self.name, *argv]))


def _fields(cls: type, args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name in cls.__dataclass_fields__ if hasattr(args, name)}


def _train_parser(sub):
    from refsnn.cli import train as cli_train

    cli_train.add_parser(sub)


def _train_config(args):
    from refsnn.training import Config

    return Config(**_fields(Config, args))


def _train_execute(config) -> dict:
    from refsnn import training

    return training.train(config, progress=False, threads=1).metrics()


def _train_records(result: dict) -> list[dict]:
    """One record: the final test accuracy (%) at the run's T."""
    final = result["final"]
    return [{"row": "", "T": result["config"]["steps"],
             "accuracy": 100.0 * final["test_accuracy"]}]


def _convert_parser(sub):
    from refsnn.cli import convert as cli_convert

    cli_convert.add_parser(sub)


def _convert_config(args):
    from refsnn.convert.experiment import Config

    config = Config(**_fields(Config, args))
    if len(config.seeds) != 1:
        raise ValueError(f"seeds: expected one seed per sweep run (make it an axis), got "
                         f"{list(config.seeds)}")
    return config


def _convert_execute(config) -> dict:
    from refsnn.convert import experiment
    from refsnn.training import limit_threads

    with limit_threads(1):
        return experiment.run(config, progress=False).to_json()


def _convert_records(result: dict) -> list[dict]:
    """One record per ANN row and method at every T; the ReLU ANN (T = 0) at every T."""
    steps = result["config"]["steps"]
    records = []
    for table in ("ann", "snn"):
        for name, row in result[table].items():
            for t in steps:
                accuracy = row.get(str(t), row.get("0"))
                records.append({"row": name, "T": t, "accuracy": 100.0 * accuracy[0]})
    return records


COMMANDS = {
    "train": Command("train", "seed", _train_parser, _train_config, _train_execute,
                     _train_records),
    "convert": Command("convert", "seeds", _convert_parser, _convert_config, _convert_execute,
                       _convert_records),
}
