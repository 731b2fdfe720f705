"""A planted bug: fires at ``H > v_th`` where the spec says ``>=`` (tests/planted)."""

from refsnn.fuzz.draw import with_base
from refsnn.targets.refsnn_numpy import supports, surrogate_derivative  # noqa: F401
from tests.planted import planted

NAME, VERSION = "compare_gt", "planted bug: '>' for '>='"
forward, backward = planted(lambda neuron: with_base(neuron, compare=">"))
