"""Hypothesis profiles of the spec suites (refsnn/spec and the project's spec_tests).

``ci`` is deterministic (derandomized, no example database), ``dev`` random and quicker;
``REFSNN_HYPOTHESIS_PROFILE`` picks one, else ``ci`` where ``$CI`` is set, else ``dev``. Loaded
by the suites' conftest.py files, never by the plugin: a pytest plugin must not change the
hypothesis settings of other projects' tests.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def load() -> None:
    """Register both profiles and load the one the environment selects."""
    settings.register_profile("ci", derandomize=True, database=None, print_blob=True,
                              deadline=None, max_examples=60,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("dev", deadline=None, max_examples=30,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("REFSNN_HYPOTHESIS_PROFILE",
                                         "ci" if os.environ.get("CI") else "dev"))
