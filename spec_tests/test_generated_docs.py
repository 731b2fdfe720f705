"""The generated documentation is up to date, and the rule it relies on holds.

Each equation is written once (refsnn/neurons/__init__.py): docs/models.md is generated from the
kinds' and classes' docstrings by tools/model_docs.py, and docs/semantics.md's agreement table
from refsnn/tolerances.py by tools/tolerance_table.py; a change to either source that is not
regenerated fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from refsnn.neurons import NEURONS
from tools import model_docs, tolerance_table

DOCS = Path(__file__).parents[1] / "docs"


def test_models_page_is_generated_from_the_docstrings():
    committed = (DOCS / "models.md").read_text()
    assert committed == model_docs.page(), "run: python tools/model_docs.py > docs/models.md"


def test_every_model_has_a_section():
    page = model_docs.page()
    for name in NEURONS:
        assert f"## {name}\n" in page, name


def test_semantics_agreement_table_is_generated_from_the_tolerances():
    committed = (DOCS / "semantics.md").read_text()
    assert tolerance_table.BEGIN in committed and tolerance_table.END in committed
    assert committed == tolerance_table.spliced(committed), \
        "run: python tools/tolerance_table.py --write"


def test_every_tolerance_is_described():
    assert set(tolerance_table.COMPARED) == set(tolerance_table.TABLE)


@pytest.mark.parametrize("name", NEURONS)
def test_model_classes_point_to_their_equations_instead_of_restating_them(name):
    """A class docstring keeps parameters and a pointer: the fire equation (its Heaviside) and
    the per-step recurrence (``H[t] =``) are in the kind and in refsnn.neurons.dynamics."""
    model = NEURONS[name]
    doc = model.__doc__
    assert "Heaviside" not in doc and "H[t] =" not in doc, name
    assert f"refsnn.neurons.kinds.{model.kind.__name__.rsplit('.', 1)[1]}" in doc \
        or "refsnn.neurons.dynamics" in doc, name
