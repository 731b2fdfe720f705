"""A planted bug: a hard reset goes to 0 whatever ``v_reset`` (tests/planted)."""

from refsnn.fuzz.draw import with_base
from refsnn.targets.refsnn_numpy import supports, surrogate_derivative  # noqa: F401
from tests.planted import planted

NAME, VERSION = "drops_v_reset", "planted bug: v_reset dropped"


def _drop(neuron):
    base = getattr(neuron, "neuron", neuron)
    return neuron if base.v_reset is None else with_base(neuron, v_reset=0.0)


forward, backward = planted(_drop)
