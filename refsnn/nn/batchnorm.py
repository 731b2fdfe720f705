"""Batch normalisation (training and eval modes, running statistics) and its folding into the
preceding Linear or Conv2d for inference."""

from __future__ import annotations

import copy

import numpy as np

from refsnn import validation
from refsnn.nn import kernels
from refsnn.nn.conv import Conv2d
from refsnn.nn.layer import BACKENDS, Layer, float_array, float_dtype, gradient
from refsnn.nn.linear import Linear
from refsnn.nn.parameter import Parameter


class BatchNorm(Layer):
    """Normalise every channel ``c`` (axis 1 of ``x[N, C]`` or ``x[N, C, H, W]``) over all other
    axes, then scale and shift:

        training:  y = gamma (x - mu) / sqrt(var + eps) + beta,   mu, var: this batch's mean
                   and biased variance over the n = N (H W) values of the channel; then
                   running_mean <- (1 - m) running_mean + m mu,
                   running_var  <- (1 - m) running_var + m var n / (n - 1)   (unbiased)
        eval:      the same with running_mean, running_var in place of mu, var.

    These are torch.nn.BatchNorm1d/2d's conventions (defaults ``eps=1e-5``, ``momentum=0.1``,
    ``gamma = 1``, ``beta = 0``, running statistics from 0 and 1). In a spiking network the
    layer sees the whole run as one batch (``[T B, ...]``, see refsnn.nn.Sequential), so the
    statistics are over time steps and samples together, as the Ternary Spike code's
    ``BatchNorm3d`` over ``T B H W`` (models/spike_layer.py).

    Backward (training), with ``xhat = (x - mu) / sqrt(var + eps)`` and ``g = dL/dy``:
    ``dL/dx = gamma / sqrt(var + eps) (g - mean(g) - xhat mean(g xhat))`` (means over the
    channel's n values), ``dL/dgamma = sum g xhat``, ``dL/dbeta = sum g``. In eval mode the map
    is affine: ``dL/dx = g gamma / sqrt(running_var + eps)``. No weight decay on gamma, beta.

    backend: ``"numba"`` (default) or ``"numpy"`` (the code below, the reference). Numba
    computes a channel's mean and variance in one pass with float64 sums
    (refsnn/nn/kernels.py; NumPy sums float32 data in float32), and recomputes ``xhat`` in the
    backward instead of keeping it (one array less in memory); the same formulas otherwise,
    so the backends agree to the rounding of the sums.
    """

    def __init__(self, num_features: int, *, eps: float = 1e-5, momentum: float = 0.1,
                 dtype: object = np.float64, backend: str = "numba") -> None:
        self.num_features = validation.integer("num_features", num_features, minimum=1)
        self.eps = validation.real_scalar("eps", eps, minimum=0.0, inclusive=False)
        self.momentum = validation.real_scalar("momentum", momentum, minimum=0.0)
        if self.momentum > 1.0:
            raise ValueError(f"momentum: expected a value in [0, 1], got {self.momentum}")
        dtype = float_dtype("dtype", dtype)
        self.gamma = Parameter(np.ones(self.num_features, dtype))
        self.beta = Parameter(np.zeros(self.num_features, dtype))
        self.running_mean = np.zeros(self.num_features, dtype)
        self.running_var = np.ones(self.num_features, dtype)
        self.backend = validation.choice("backend", backend, BACKENDS)
        self._x = None

    @property
    def dtype(self) -> np.dtype:
        return self.gamma.value.dtype

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, self.dtype, rank=(2, 4), shape=f"[N, C={self.num_features}] or "
                    f"[N, C={self.num_features}, H, W]")
        if x.shape[1] != self.num_features:
            raise ValueError(f"x: expected {self.num_features} channels on axis 1, "
                             f"got shape {x.shape}")
        axes = (0, *range(2, x.ndim))
        n = x.size // self.num_features
        numba = self.backend == "numba"
        x3 = np.ascontiguousarray(x).reshape(x.shape[0], self.num_features, -1) if numba else x
        if training:
            if n < 2:
                raise ValueError(f"x: expected more than one value per channel in training "
                                 f"mode, got shape {x.shape}")
            if numba:
                mean, var = (a.astype(self.dtype) for a in kernels.channel_moments(x3))
            else:
                mean, var = x.mean(axis=axes), x.var(axis=axes)
            m = self.dtype.type(self.momentum)
            self.running_mean[...] = (1 - m) * self.running_mean + m * mean
            self.running_var[...] = (1 - m) * self.running_var + m * var * (n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1.0 / np.sqrt(var + self.dtype.type(self.eps))
        self._x, self._x3, self._mean, self._inv_std = x, x3, mean, inv_std
        self._training = training
        if numba:
            return kernels.normalize(x3, mean, inv_std, self.gamma.value,
                                     self.beta.value).reshape(x.shape)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        self._xhat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
        return self._xhat * self.gamma.value.reshape(shape) + self.beta.value.reshape(shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self._cached()
        grad = gradient("grad", grad, x.shape, self.dtype)
        if self.backend == "numba":
            x3 = self._x3
            grad_x, grad_xhat_sum, grad_sum = kernels.normalize_backward(
                np.ascontiguousarray(grad).reshape(x3.shape), x3, self._mean, self._inv_std,
                self.gamma.value, self._training)
            self.gamma.grad += grad_xhat_sum.astype(self.dtype)
            self.beta.grad += grad_sum.astype(self.dtype)
            return grad_x.reshape(x.shape)
        xhat, axes = self._xhat, (0, *range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        grad_xhat_sum = (grad * xhat).sum(axis=axes)
        self.gamma.grad += grad_xhat_sum
        self.beta.grad += grad.sum(axis=axes)
        scale = (self.gamma.value * self._inv_std).reshape(shape)
        if not self._training:
            return grad * scale
        n = x.size // self.num_features
        mean_g = grad.mean(axis=axes).reshape(shape)
        return scale * (grad - mean_g - xhat * (grad_xhat_sum / n).reshape(shape))

    def parameters(self) -> dict[str, Parameter]:
        return {"gamma": self.gamma, "beta": self.beta}

    def buffers(self) -> dict[str, np.ndarray]:
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def __repr__(self) -> str:
        return f"BatchNorm({self.num_features}, eps={self.eps}, momentum={self.momentum})"


def fold_batchnorm(layer: Linear | Conv2d, bn: BatchNorm) -> Linear | Conv2d:
    """A copy of ``layer`` that computes ``bn(layer(x))`` in eval mode, for inference:

        s = gamma / sqrt(running_var + eps)        (per output channel o)
        W'[o] = s[o] W[o],   b'[o] = s[o] (b[o] - running_mean[o]) + beta[o]   (b = 0 if none)

    (the standard folding, e.g. the Ternary Spike code's models/fold_bn.py). Equal to the
    unfolded pair up to rounding; ``bn`` must follow ``layer`` directly.
    """
    if not isinstance(layer, Linear | Conv2d):
        raise ValueError(f"layer: expected a Linear or Conv2d, got {type(layer).__name__}")
    if not isinstance(bn, BatchNorm):
        raise ValueError(f"bn: expected a BatchNorm, got {type(bn).__name__}")
    channels = layer.weight.value.shape[0]
    if bn.num_features != channels:
        raise ValueError(f"bn: expected {channels} features (the layer's outputs), "
                         f"got {bn.num_features}")
    s = bn.gamma.value / np.sqrt(bn.running_var + bn.dtype.type(bn.eps))
    bias = layer.bias.value if layer.bias is not None else np.zeros(channels, layer.dtype)
    folded = copy.deepcopy(layer)
    per_output = s.reshape(-1, *(1,) * (layer.weight.value.ndim - 1))
    folded.weight = Parameter(layer.weight.value * per_output, decay=True)
    folded.bias = Parameter(s * (bias - bn.running_mean) + bn.beta.value)
    folded._x = None
    return folded
