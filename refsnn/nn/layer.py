"""What every layer shares: the forward/backward contract and its input checks."""

from __future__ import annotations

import numpy as np

from refsnn import validation
from refsnn.nn.parameter import Parameter

BACKENDS = ("numba", "numpy")
"""The convolutional layers' backends: Numba kernels (refsnn/nn/kernels.py), or their NumPy
code, the reference."""


class Layer:
    """A differentiable map with a cached forward pass.

    ``forward(x, training=False)`` computes the output and keeps what ``backward`` needs;
    ``backward(grad)`` takes dL/d(output of the last forward), adds dL/d(every parameter) to
    the parameters' ``grad`` and returns dL/dx.

    ``temporal = False`` (a stateless layer: Linear, Conv2d, pooling, BatchNorm, Flatten): the
    layer sees one time step at a time; :class:`refsnn.nn.Sequential` gives it the whole run
    as one batch, ``[T, B, ...] -> [T * B, ...]``. ``temporal = True`` (neurons, Dropout): the
    layer sees ``[T, B, ...]`` with time on axis 0.
    """

    temporal = False

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward_parameters(self, grad: np.ndarray) -> None:
        """``backward`` for the parameters' gradients only, when dL/dx is not needed (the
        network's first layer); a layer whose input gradient costs work of its own skips it."""
        self.backward(grad)

    def parameters(self) -> dict[str, Parameter]:
        """The learnable parameters by name (empty for a layer without any)."""
        return {}

    def buffers(self) -> dict[str, np.ndarray]:
        """Non-learned state saved with the parameters (BatchNorm's running statistics)."""
        return {}

    def _cached(self, name: str = "_x") -> object:
        """What forward stored for backward, or an error if forward has not run."""
        value = getattr(self, name, None)
        if value is None:
            raise ValueError(f"backward: {type(self).__name__}.forward must run first")
        return value


def float_array(name: str, x: object, dtype: np.dtype | None, *, rank: int | tuple[int, ...],
                shape: str) -> np.ndarray:
    """Check a layer input: an ndarray of the layer's float ``dtype`` (``None``: float32 or
    float64) and ``rank`` (one rank or a tuple of allowed ranks). ``shape`` describes the
    expected shape for the message."""
    ranks = (rank,) if isinstance(rank, int) else rank
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name}: expected a numpy.ndarray of shape {shape}, "
                         f"got {type(x).__name__}")
    if x.ndim not in ranks:
        raise ValueError(f"{name}: expected shape {shape} (rank {' or '.join(map(str, ranks))}), "
                         f"got shape {x.shape}")
    if dtype is None and x.dtype not in validation.FLOAT_DTYPES:
        raise ValueError(f"{name}: expected dtype float32 or float64, got {x.dtype}")
    if dtype is not None and x.dtype != dtype:
        raise ValueError(f"{name}: expected dtype {np.dtype(dtype)} (the layer's dtype), "
                         f"got {x.dtype}")
    return x


def gradient(name: str, grad: object, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Check an upstream gradient: a float array of the last output's ``shape``, returned in
    the layer's ``dtype``."""
    if not isinstance(grad, np.ndarray) or grad.dtype not in validation.FLOAT_DTYPES:
        raise ValueError(f"{name}: expected a float32 or float64 numpy.ndarray, "
                         f"got {type(grad).__name__}")
    if grad.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)} (the shape of the last "
                         f"forward's output), got shape {grad.shape}")
    return grad.astype(dtype, copy=False)


def float_dtype(name: str, dtype: object) -> np.dtype:
    """Check a layer's dtype argument: float32 or float64."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype not in validation.FLOAT_DTYPES:
        raise ValueError(f"{name}: expected float32 or float64, got {dtype!r}")
    return dtype


def generator(name: str, rng: object) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator or an integer seed."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
        raise ValueError(f"{name}: expected a numpy.random.Generator or an integer seed, "
                         f"got {type(rng).__name__}")
    return np.random.default_rng(int(rng))
