"""The pytest plugin of refsnn's spec suite: ``--target``, ``--expectations`` and the fixtures.

Registered as the ``pytest11`` entry point ``refsnn.spec.plugin``, so it is active in every
pytest run of an environment where refsnn is installed (the suite in ``refsnn/spec`` and the
project's own ``spec_tests`` alike). It therefore imports nothing heavy at start and does
nothing until a collected test uses the ``target`` or ``target_expectations`` fixture; then it
loads the target (refsnn.targets.load; one that cannot be used is a one-line usage error),
reads its expectations (``--expectations FILE``, else the built-in target's shipped file, else
none) and marks every conformance case an entry lists ``xfail(strict=True,
raises=KnownDisagreement)`` (refsnn/conformance/expectations.py: a listed case must still
disagree, and only as listed). Entries that match no case id warn.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import NamedTuple

import pytest

FIXTURES = frozenset({"target", "target_expectations"})
"""The fixtures that make a test part of the spec suite."""


class Selection(NamedTuple):
    """The target under test and its known disagreements (from ``source``, or none)."""

    spec: str
    target: object
    entries: tuple
    source: str


SELECTION = pytest.StashKey[Selection]()


def pytest_addoption(parser: pytest.Parser) -> None:
    from refsnn.targets import ENTRY_POINT_GROUP, TARGETS

    group = parser.getgroup("refsnn", "refsnn spec suite (python -m pytest --pyargs refsnn.spec)")
    group.addoption("--target", default=None, metavar="TARGET",
                    help=f"the implementation the suite checks: a built-in name "
                         f"({', '.join(TARGETS)}), a name registered under the entry-point group "
                         f"{ENTRY_POINT_GROUP}, a dotted module path or a .py file (default: "
                         f"$REFSNN_TARGET, else refsnn)")
    group.addoption("--expectations", default=None, metavar="FILE",
                    help="the target's known disagreements (default: a built-in target's own "
                         "file, refsnn/spec/expectations/<name>.txt; else none)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance(case_id): a conformance case, judged "
                                       "against the target's expectations")
    path = config.getoption("--expectations")
    if path is not None and not Path(path).is_file():
        raise pytest.UsageError(f"--expectations: expected an existing file, got {path!r}")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """An explicit ``--target`` is loaded at once, so that an unusable one is one line even
    before pytest-xdist starts its workers (otherwise it is loaded when a test needs it)."""
    if session.config.getoption("--target"):
        selection(session.config)


def target_spec(config: pytest.Config) -> str:
    """``--target``, else ``$REFSNN_TARGET``, else ``refsnn``."""
    return config.getoption("--target") or os.environ.get("REFSNN_TARGET") or "refsnn"


def selection(config: pytest.Config) -> Selection:
    """The target and its expectations, loaded once; UsageError (one line) if unusable."""
    if SELECTION not in config.stash:
        config.stash[SELECTION] = _select(config)
    return config.stash[SELECTION]


def _select(config: pytest.Config) -> Selection:
    from refsnn import targets
    from refsnn.conformance import expectations
    from refsnn.spec import builtin_expectations

    spec = target_spec(config)
    path = config.getoption("--expectations") or builtin_expectations(spec)
    try:
        target = targets.load(spec)
        entries = expectations.load(path) if path else ()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from error
    return Selection(spec, target, entries, str(path or ""))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the listed conformance cases strict xfails; warn about entries matching no id."""
    used = [item for item in items if FIXTURES & set(getattr(item, "fixturenames", ()))]
    if not used:
        return
    from refsnn.conformance.cases import ALL_IDS
    from refsnn.conformance.expectations import KnownDisagreement, matching, unmatched

    chosen = selection(config)
    for item in used:
        marker = item.get_closest_marker("conformance")
        listed = matching(chosen.entries, marker.args[0]) if marker else []
        if listed:
            reason = "; ".join(dict.fromkeys(entry.reason for entry in listed))
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason,
                                              raises=KnownDisagreement))
    for entry in unmatched(chosen.entries, ALL_IDS):
        warnings.warn(pytest.PytestWarning(f"{chosen.source}:{entry.line}: {entry.prefix!r} "
                                           f"matches no conformance case"), stacklevel=1)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """Say which target and expectations the suite ran with (if it ran)."""
    if SELECTION in config.stash:
        chosen = config.stash[SELECTION]
        terminalreporter.write_line(
            f"refsnn spec suite: target {chosen.spec} ({chosen.target.VERSION}); expectations: "
            f"{chosen.source or 'none'} ({len(chosen.entries)} entries)")


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> object:
    """The target ``--target`` names (refsnn.targets.load)."""
    return selection(pytestconfig).target


@pytest.fixture(scope="session")
def target_expectations(pytestconfig: pytest.Config) -> tuple:
    """The target's known disagreements (refsnn.conformance.expectations entries)."""
    return selection(pytestconfig).entries
