"""A sweep's grid file: a TOML document naming a command, its base options and the axes.

    command = "train"                    # or "convert"
    [base]                               # options every run shares
    data = "mnist1d"
    epochs = 20
    hidden = [256]                       # a list option is a TOML list
    [axes]                               # every combination is one run
    neuron = ["LIF", "Ternary"]
    T = [1, 2, 4]
    seed = [0, 1, 2, 3, 4]

Keys are the command's long options without the dashes, as ``refsnn <command> --help`` spells
them (``T``, ``weight-decay``; an underscore may stand for a dash). A value is a string, a number,
a boolean (a flag: true sets it) or a list (joined with commas, as the CLI takes it). An axis is a
non-empty list of such values; a list-valued option varies as a list of lists. A value may
also be a table of options set together (a *bundle*: ``neuron = ["LIF", {neuron = "MTNeuron",
mode = "cascade"}]``), for options that only make sense with one value of another. The options the
sweep controls (``out``, ``force``, ``plot``, ``quiet``, ``threads``, ``reuse``) are refused, and
every run's command line is parsed by the CLI's own parser before anything runs, so a bad grid
fails at once, naming the run and the option.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from refsnn.sweep.commands import COMMANDS, CONTROLLED, Command


@dataclass(frozen=True)
class Run:
    """One run of a grid: its command, its axis values, its CLI words and the key of its
    full configuration (the result directory's name)."""

    command: str
    axes: dict
    argv: tuple[str, ...]
    config: dict
    key: str


@dataclass(frozen=True)
class Grid:
    """A parsed grid file: the command, the base options and the axes (in file order)."""

    command: Command
    base: dict
    axes: dict

    def runs(self) -> list[Run]:
        """Every combination of the axes' values, each parsed and keyed; ValueError names the
        first run the CLI's parser refuses."""
        names = list(self.axes)
        found = []
        for values in itertools.product(*(self.axes[name] for name in names)):
            axes = dict(zip(names, values, strict=True))
            options = dict(self.base)
            for name, value in axes.items():
                options |= bundle(name, value)
            argv = tuple(words(options))
            try:
                config = self.command.parse(list(argv))
            except ValueError as error:
                raise ValueError(f"grid: the run {axes or 'with the base options'} is refused by "
                                 f"'refsnn {self.command.name}': {error}") from None
            plain = json.loads(json.dumps(config.to_json()))
            found.append(Run(self.command.name, axes, argv, plain, key(self.command.name, plain)))
        return found


def load(path: str | Path) -> Grid:
    """Read and check a grid file; ValueError naming ``grid`` and what is wrong."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: the sweep extra installs tomli
        import tomli as tomllib

    path = Path(path)
    try:
        document = tomllib.loads(path.read_text())
    except OSError as error:
        raise ValueError(f"grid: expected a readable TOML file, got {path} "
                         f"({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"grid: {path} is not valid TOML ({error})") from None
    return parse(document, str(path))


def parse(document: dict, where: str = "grid") -> Grid:
    """A :class:`Grid` from a parsed TOML document."""
    unknown = set(document) - {"command", "base", "axes"}
    if unknown:
        raise ValueError(f"grid: {where}: unknown top-level keys {sorted(unknown)}; expected "
                         f"command, [base], [axes]")
    name = document.get("command")
    if name not in COMMANDS:
        raise ValueError(f"grid: {where}: command: expected one of {tuple(COMMANDS)}, "
                         f"got {name!r}")
    base, axes = document.get("base", {}), document.get("axes", {})
    for table, value in (("base", base), ("axes", axes)):
        if not isinstance(value, dict):
            raise ValueError(f"grid: {where}: [{table}]: expected a table, got {value!r}")
    for option, values in axes.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"grid: {where}: axes.{option}: expected a non-empty list of "
                             f"values, got {values!r}")
    owners = {option.replace("_", "-"): "[base]" for option in base}
    for axis, values in axes.items():
        options = dict.fromkeys(option.replace("_", "-") for value in values
                                for option in bundle(axis, value))
        for option in options:
            if option in owners:
                raise ValueError(f"grid: {where}: {option!r} set by both {owners[option]} and "
                                 f"axes.{axis}")
            owners[option] = f"axes.{axis}"
    for option in owners:
        if option in CONTROLLED:
            raise ValueError(f"grid: {where}: {option}: set by the sweep itself; remove it")
    return Grid(COMMANDS[name], dict(base), dict(axes))


def bundle(axis: str, value) -> dict:
    """The options one axis value sets: a table's own options, else ``{axis: value}``."""
    return dict(value) if isinstance(value, dict) else {axis: value}


def words(options: dict) -> list[str]:
    """The CLI words of ``options``: ``--name value``, a flag for true, nothing for false."""
    argv = []
    for option, value in options.items():
        flag = "--" + option.replace("_", "-")
        if isinstance(value, bool):
            argv += [flag] if value else []
        elif isinstance(value, list):
            argv += [flag, ",".join(str(v) for v in value)]
        elif isinstance(value, int | float | str):
            argv += [flag, str(value)]
        else:
            raise ValueError(f"grid: {option}: expected a string, number, boolean or list, "
                             f"got {value!r}")
    return argv


def key(command: str, config: dict) -> str:
    """A stable name for a run: the first 16 hex digits of the SHA-256 of its command and full
    configuration as sorted JSON (the same configuration always gives the same key)."""
    text = json.dumps({"command": command, "config": config}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
