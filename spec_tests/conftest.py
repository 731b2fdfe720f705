"""Shared pytest configuration of the project's own suite: the hypothesis profiles
(refsnn/spec/profiles.py: deterministic in CI).

The options ``--target`` and ``--expectations`` and the fixtures ``target`` and
``target_expectations`` come from the installed suite's pytest plugin (refsnn/spec/plugin.py,
registered as a ``pytest11`` entry point and named in pyproject.toml's ``addopts``); the
conformance cases and invariants run through a target live in refsnn/spec.
"""

from refsnn.spec import profiles

profiles.load()
