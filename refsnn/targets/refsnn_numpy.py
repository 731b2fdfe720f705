"""The refsnn_numpy target: the NumPy reference through the target protocol (see refsnn.py)."""

from __future__ import annotations

from functools import partial

import refsnn
from refsnn.targets import refsnn as _refsnn

NAME = "refsnn_numpy"
VERSION = f"refsnn {refsnn.__version__} (numpy backend, the reference)"

supports = _refsnn.supports
forward = partial(_refsnn.forward, backend="numpy")
backward = partial(_refsnn.backward, backend="numpy")
surrogate_derivative = _refsnn.surrogate_derivative
network_forward = partial(_refsnn.network_forward, backend="numpy")
network_backward = partial(_refsnn.network_backward, backend="numpy")
