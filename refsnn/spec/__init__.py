"""The spec suite, installed with refsnn: run it against your own implementation.

    pip install "refsnn[spec]"
    python -m pytest --pyargs refsnn.spec --target mypkg.refsnn_target [--expectations FILE]

Every ``test_*.py`` here runs through the *target* the pytest plugin (``refsnn.spec.plugin``,
registered as a ``pytest11`` entry point) selects with ``--target`` or ``REFSNN_TARGET``: a
built-in name, a name registered under the entry-point group ``refsnn.targets``, a dotted
module path or a ``.py`` file (refsnn.targets.load). The plugin provides the ``target`` and
``target_expectations`` fixtures and marks the cases the expectations file lists as strict
xfails. ``expectations/<name>.txt`` are the built-in targets' known disagreements, used when
``--expectations`` is not given. docs/targets.md describes it all.
"""

from __future__ import annotations

from pathlib import Path

EXPECTATIONS_DIR = Path(__file__).parent / "expectations"
"""The built-in targets' expectation files, ``<name>.txt``."""


def builtin_expectations(spec: str) -> Path | None:
    """The shipped expectations file of the built-in target ``spec``, if there is one."""
    from refsnn.targets import TARGETS

    path = EXPECTATIONS_DIR / f"{spec}.txt"
    return path if spec in TARGETS and path.is_file() else None
