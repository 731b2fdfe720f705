"""Targets: other implementations the spec suite and ``refsnn conformance`` run against.

A target is a module (or any object) exposing (docs/targets.md has the details):

    NAME: str                                    the target's name, for messages
    VERSION: str                                 the framework and version it drives
    supports(neuron) -> str | None               None if the target can express this refsnn
                                                 neuron exactly, else the reason it cannot
    forward(neuron, x, v0) -> (spikes, h, v)     float64 NumPy arrays [T, ...]; ``h`` (the
                                                 membrane before reset) is None where the
                                                 framework does not expose it
    backward(neuron, x, v0, grad_spikes, grad_v) -> (grad_x, grad_v0, params)
                                                 the gradients of L = sum(grad_spikes * spikes)
                                                 + sum(grad_v * v) by the framework's own
                                                 autograd; ``grad_v`` may be None; ``grad_v0``
                                                 is None where the initial membrane cannot carry
                                                 a gradient; ``params`` holds the learnable
                                                 scalars the framework exposes, under refsnn's
                                                 names ("v_threshold", "tau", "w")
    surrogate_derivative(surrogate, x) -> array  the target's dS/dx for this canonical
                                                 surrogate; NotImplementedError if it has none

``x`` is float64 ``[T, ...]`` and ``v0`` float64 of the neuron shape ``x.shape[1:]``. Targets
are only called with neurons they support. ``load`` finds one from anywhere (a built-in name,
an entry point, a module path or a file) and checks it before anyone runs it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

TARGETS = ("refsnn", "refsnn_numpy", "spikingjelly", "snntorch", "norse", "sinabs")
"""The built-in targets, by name: refsnn's own backends first, then the peers."""

ENTRY_POINT_GROUP = "refsnn.targets"
"""The entry-point group under which an installed package registers its targets by name."""


class TargetError(ValueError):
    """A target that cannot be used; the message is one line starting with ``target:``."""


def load(spec: str) -> ModuleType:
    """The target ``spec`` names, checked against the protocol (refsnn/targets/_protocol.py).

    ``spec`` is, in this order of precedence: a built-in name of ``TARGETS``; a name an
    installed package registers under the entry-point group ``refsnn.targets``; a path to a
    ``.py`` file; a dotted module path (``mypkg.refsnn_target``). TargetError (a ValueError) in
    one line if it names nothing, cannot be imported, lacks a protocol function or returns the
    wrong shape or dtype on a first call."""
    from refsnn.targets import _protocol

    target = _find(spec)
    _protocol.check(target, spec)
    return target


def _find(spec: str) -> object:
    """The target object ``spec`` names, imported but not yet checked."""
    if spec in TARGETS:
        return _builtin(spec)
    registered = {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}
    if spec in registered:
        point = registered[spec]
        return _imported(f"entry point {spec!r} ({point.value})", point.load)
    if spec.endswith(".py"):
        return _from_file(Path(spec))
    top = spec.split(".")[0]
    if not top.isidentifier() or importlib.util.find_spec(top) is None:
        builtin = ", ".join(TARGETS)
        installed = ", ".join(sorted(registered)) or "none installed"
        raise TargetError(f"target: expected a built-in name ({builtin}), an entry point of "
                          f"group {ENTRY_POINT_GROUP} ({installed}), a dotted module path or a "
                          f".py file, got {spec!r}")
    return _imported(repr(spec), lambda: importlib.import_module(spec))


def _builtin(name: str) -> ModuleType:
    try:
        return importlib.import_module(f"refsnn.targets.{name}")
    except ImportError as error:
        raise TargetError(f"target: {name!r} needs a framework that is not installed "
                          f"({error}); see the README for the install commands") from error


def _imported(what: str, importer) -> object:
    """``importer()``, with any exception it raises turned into a one-line TargetError."""
    try:
        return importer()
    except Exception as error:  # an adapter's import can fail in any way; report it all
        raise TargetError(f"target: {what} cannot be imported: {_one_line(error)}") from error


def _one_line(error: Exception) -> str:
    """``Type: first line of the message``: an error reported inside a one-line message."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def _from_file(path: Path) -> ModuleType:
    """The module in the file ``path``, imported under its file name's stem."""
    if not path.is_file():
        raise TargetError(f"target: expected an existing .py file, got {str(path)!r}")
    name = f"refsnn_target_{path.stem}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)

    def execute() -> ModuleType:
        sys.modules[name] = module  # so that dataclasses and pickling inside it work
        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module

    return _imported(repr(str(path)), execute)
