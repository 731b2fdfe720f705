"""Linear: a fully connected layer, ``y = x W^T + b``."""

from __future__ import annotations

import numpy as np

from refsnn import validation
from refsnn.nn.layer import Layer, float_array, float_dtype, generator, gradient
from refsnn.nn.parameter import Parameter


class Linear(Layer):
    """``y[n, o] = sum_i x[n, i] W[o, i] + b[o]`` for ``x[N, in_features]``.

    Backward: ``dL/dx = g W``, ``dL/dW = g^T x``, ``dL/db = sum_n g[n]`` (``g = dL/dy``), each
    one BLAS matrix product.

    The weight is ``[out_features, in_features]`` (torch's layout) and, like the bias, drawn
    from ``U(-1/sqrt(in_features), 1/sqrt(in_features))`` (torch.nn.Linear's default
    initialisation). Weight decay applies to ``weight`` only.

    rng: a ``numpy.random.Generator`` or an integer seed for the initial weights (required:
        pass one Generator to every layer of a network, or equal seeds give equal weights).
    dtype: float32 or float64 (the input must have it). Default float64.
    """

    def __init__(self, in_features: int, out_features: int, *, rng: np.random.Generator | int,
                 bias: bool = True, dtype: object = np.float64) -> None:
        self.in_features = validation.integer("in_features", in_features, minimum=1)
        self.out_features = validation.integer("out_features", out_features, minimum=1)
        self.weight, self.bias = Parameter.uniform_weights(
            generator("rng", rng), (self.out_features, self.in_features), self.in_features,
            validation.flag("bias", bias), float_dtype("dtype", dtype))
        self._x = None

    @property
    def dtype(self) -> np.dtype:
        return self.weight.value.dtype

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, self.dtype, rank=2, shape=f"[N, in_features={self.in_features}]")
        if x.shape[1] != self.in_features:
            raise ValueError(f"x: expected shape [N, in_features={self.in_features}], "
                             f"got shape {x.shape}")
        self._x = x
        y = x @ self.weight.value.T
        if self.bias is not None:
            y += self.bias.value
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return self._parameter_gradients(grad) @ self.weight.value

    def backward_parameters(self, grad: np.ndarray) -> None:
        self._parameter_gradients(grad)

    def _parameter_gradients(self, grad: np.ndarray) -> np.ndarray:
        """Add dL/dW and dL/db; return the checked ``grad``."""
        x = self._cached()
        grad = gradient("grad", grad, (x.shape[0], self.out_features), self.dtype)
        self.weight.grad += grad.T @ x
        if self.bias is not None:
            self.bias.grad += grad.sum(axis=0)
        return grad

    def parameters(self) -> dict[str, Parameter]:
        return {"weight": self.weight} | ({} if self.bias is None else {"bias": self.bias})

    def __repr__(self) -> str:
        return (f"Linear({self.in_features}, {self.out_features}, bias={self.bias is not None}, "
                f"dtype={self.dtype})")
