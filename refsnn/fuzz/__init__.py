"""Differential fuzzing of a target against the NumPy reference: ``refsnn fuzz`` (docs/fuzz.md).

``draw`` (what is drawn), ``family`` (a drawn example's conformance case id), ``search`` (the
comparison and shrinking loop), ``write`` (reproducers and golden-format cases), ``cli`` (the
subcommand). Everything but ``cli`` and ``family`` needs hypothesis (the ``fuzz`` extra).
"""
