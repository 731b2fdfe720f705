"""The optional ``nir`` package, imported only when a NIR graph is read or written."""

from __future__ import annotations

import importlib
from types import ModuleType


def nir() -> ModuleType:
    """The ``nir`` module, or an ImportError that says how to install it."""
    try:
        return importlib.import_module("nir")
    except ImportError as error:
        raise ImportError("refsnn.nir: expected the optional package 'nir' (NIR 1.0.8) to be "
                          "installed, got none; install it with pip install 'refsnn[nir]'"
                          ) from error
