"""Conformance: a table of named cases run through a target and compared with the reference.

``cases``: the case table (neuron spec x input generator x seed) and the surrogate cases;
``inputs``: the input generators the case ids name (``drive``, ``grid``, ``strong``, ...);
``compare``: run one case through a target and compare it with the NumPy reference;
``expectations``: a target's list of known disagreements and the verdict on an outcome;
``report``: the Markdown report of ``refsnn conformance``; ``networks``, ``network_cases``,
``network_compare``: layer-level conformance (whole networks with given weights).
docs/targets.md describes it all.
"""
