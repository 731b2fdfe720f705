"""How a conformance case becomes a pytest outcome, shared by the installed suite's modules."""

from __future__ import annotations

import pytest

from refsnn.conformance.expectations import KnownDisagreement, verdict


def params(cases):
    """pytest parameters of ``cases``, each marked with its case id (the plugin marks the ids
    an expectations file lists as strict xfails)."""
    return [pytest.param(case, id=case.id, marks=pytest.mark.conformance(case.id))
            for case in cases]


def judge(outcome, entries):
    """Skip an unsupported case; raise KnownDisagreement for a listed disagreement; fail on an
    unlisted one or on a listed one that no longer occurs."""
    if outcome.status == "unsupported":
        pytest.skip(f"unsupported: {outcome.reason}")
    judged = verdict(outcome, entries)
    if judged.known:
        raise KnownDisagreement(f"{outcome.case_id}: {judged.message}")
    assert judged.ok, judged.message
