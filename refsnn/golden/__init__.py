"""Golden vectors: refsnn's expected outputs, stored so that other implementations can check
themselves without running refsnn (docs/golden.md).

``refsnn.golden.case(neuron, x, *, grad_spikes=None, v0=None, name=...)`` computes one case
and ``refsnn.golden.write(cases, out, format="npz")`` writes a set (refsnn.golden.api); both
are imported on first use, so importing a submodule stays light."""

_API = ("GoldenCase", "case", "write")


def __getattr__(name: str):
    if name in _API:
        from refsnn.golden import api

        return getattr(api, name)
    raise AttributeError(f"module 'refsnn.golden' has no attribute {name!r}")
