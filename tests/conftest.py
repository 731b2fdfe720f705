"""The product tests (refsnn's app and tools: training, conversion, nn, NIR, CLI, sweeps,
fuzzing, file handling) share the spec suite's hypothesis profiles (refsnn/spec/profiles.py)."""

from refsnn.spec import profiles

profiles.load()
