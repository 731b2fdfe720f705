"""Shared pytest configuration: hypothesis profiles (deterministic in CI) and the conformance
target.

``--target NAME`` (or the environment variable ``REFSNN_TARGET``; default ``refsnn``) selects the
implementation spec_tests/test_conformance.py checks (refsnn/targets/<NAME>.py), and
``spec_tests/expectations/<NAME>.txt`` its known disagreements. Every conformance case an entry
lists is marked ``xfail(strict=True, raises=KnownDisagreement)``: it must still disagree, and
within what is listed (refsnn/conformance/expectations.py); entries that match no case id warn.
"""

import os
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from refsnn import targets
from refsnn.conformance import expectations
from refsnn.conformance.cases import ALL_IDS

settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None,
                          max_examples=60, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=30,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("REFSNN_HYPOTHESIS_PROFILE",
                                     "ci" if os.environ.get("CI") else "dev"))

EXPECTATIONS_DIR = Path(__file__).parent / "expectations"
ENTRIES = pytest.StashKey[tuple]()


def pytest_addoption(parser):
    parser.addoption("--target", default=os.environ.get("REFSNN_TARGET", "refsnn"),
                     help=f"the implementation the conformance tests check: one of "
                          f"{', '.join(targets.TARGETS)} (default: $REFSNN_TARGET or refsnn)")


def expectations_path(config) -> Path:
    """spec_tests/expectations/<target>.txt."""
    return EXPECTATIONS_DIR / f"{config.getoption('--target')}.txt"


def pytest_configure(config):
    config.addinivalue_line("markers", "conformance(case_id): a conformance case, judged "
                                       "against the target's expectations")
    name = config.getoption("--target")
    if name not in targets.TARGETS:
        raise pytest.UsageError(f"--target: expected one of {targets.TARGETS}, got {name!r}")
    try:
        config.stash[ENTRIES] = expectations.load(expectations_path(config))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from error


def pytest_collection_modifyitems(config, items):
    """Mark the listed conformance cases strict xfails; warn about entries matching no id."""
    entries = config.stash[ENTRIES]
    for item in items:
        marker = item.get_closest_marker("conformance")
        listed = expectations.matching(entries, marker.args[0]) if marker else []
        if listed:
            reason = "; ".join(dict.fromkeys(entry.reason for entry in listed))
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason,
                                              raises=expectations.KnownDisagreement))
    for entry in expectations.unmatched(entries, ALL_IDS):
        warnings.warn(pytest.PytestWarning(f"{expectations_path(config)}:{entry.line}: "
                                           f"{entry.prefix!r} matches no conformance case"),
                      stacklevel=1)


@pytest.fixture(scope="session")
def target(pytestconfig):
    """The target module ``--target`` names (refsnn/targets)."""
    try:
        return targets.load(pytestconfig.getoption("--target"))
    except ValueError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def target_expectations(pytestconfig):
    """The target's known disagreements (spec_tests/expectations/<target>.txt)."""
    return pytestconfig.stash[ENTRIES]
