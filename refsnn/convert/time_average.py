"""TimeAverage: every step's input replaced by its mean over the run (the paper's "ASG" neuron
is this layer followed by an IF neuron)."""

from __future__ import annotations

import numpy as np

from refsnn.nn.layer import Layer, float_array, gradient


class TimeAverage(Layer):
    """``y[t] = (1/T) sum_s x[s]`` for every ``t`` of a run ``x[T, B, ...]``.

    Put before an IF neuron it makes the paper's "ASG" neuron (the authors' ``NewSpike``
    class, commented ``# ASG``, in github.com/zhangluyan9/Low-latency-SNNs): the layer first
    collects its whole input window, then integrates its mean for ``T`` steps. Under a
    constant input ``I`` an IF neuron with soft reset from 0 fires
    ``n = min(T, floor(T I / v_th))`` times (for ``I >= 0``), however unevenly the spikes
    that made ``I`` arrived: the order of the incoming spikes no longer matters, which is
    the conversion error it removes. The price is latency: a layer can only start when its
    input window has ended (``L T`` steps through ``L`` layers, a point the sources leave
    open).

    Backward: ``dL/dx[s] = (1/T) sum_t dL/dy[t]``.
    """

    temporal = True

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        float_array("x", x, None, rank=tuple(range(2, 33)), shape="[T, B, ...]")
        self._x = x
        return np.broadcast_to(x.mean(axis=0), x.shape).copy()

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self._cached()
        grad = gradient("grad", grad, x.shape, x.dtype)
        return np.broadcast_to(grad.mean(axis=0), x.shape).copy()

    def __repr__(self) -> str:
        return "TimeAverage()"
