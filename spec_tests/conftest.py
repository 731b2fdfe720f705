"""Shared pytest configuration: hypothesis profiles (deterministic in CI)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None,
                          max_examples=60, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=30,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("REFSNN_HYPOTHESIS_PROFILE",
                                     "ci" if os.environ.get("CI") else "dev"))
