"""The two network shapes ``refsnn train`` builds: an MLP and a small CNN, spiking hidden
layers, a membrane (non-spiking Linear) or spike-count (spiking) readout."""

from __future__ import annotations

import math

import numpy as np

from refsnn import validation
from refsnn.neurons import Neuron
from refsnn.nn.batchnorm import BatchNorm
from refsnn.nn.conv import Conv2d
from refsnn.nn.flatten import Flatten, Reshape
from refsnn.nn.layer import Layer
from refsnn.nn.linear import Linear
from refsnn.nn.neuron_layer import NeuronLayer
from refsnn.nn.pool import AvgPool2d
from refsnn.nn.readout import READOUTS
from refsnn.nn.sequential import Sequential


def _readout(layers: list[Layer], features: int, classes: int, readout: str,
             rng: np.random.Generator, dtype: np.dtype, spiking) -> Sequential:
    validation.choice("readout", readout, READOUTS)
    layers.append(Linear(features, classes, rng=rng, dtype=dtype))
    if readout == "count":
        layers.append(spiking())
    return Sequential(*layers)


def mlp(input_shape: tuple, classes: int, neuron: Neuron, *, hidden: tuple[int, ...] = (128,),
        readout: str = "membrane", rng: np.random.Generator | int = 0,
        dtype: object = np.float32, learn: object = "default", backend: str = "numba"
        ) -> Sequential:
    """``Flatten, [Linear(h), NeuronLayer(neuron)] for h in hidden, Linear(classes)`` and, with
    ``readout="count"``, a last NeuronLayer (spike-count readout). A sample of any shape is
    flattened. Every NeuronLayer gets a copy of ``neuron`` and its own learnable scalars
    (``learn``, see NeuronLayer) and runs on ``backend``; the weights are drawn from one
    generator ``rng``."""
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    spiking = lambda: NeuronLayer(neuron, learn=learn, backend=backend)  # noqa: E731
    layers: list[Layer] = [Flatten()]
    features = math.prod(input_shape)
    for i, width in enumerate(hidden):
        validation.integer(f"hidden[{i}]", width, minimum=1)
        layers += [Linear(features, width, rng=rng, dtype=dtype),
                   spiking()]
        features = width
    return _readout(layers, features, classes, readout, rng, np.dtype(dtype), spiking)


def cnn(input_shape: tuple, classes: int, neuron: Neuron, *, channels: tuple[int, ...] = (16, 32),
        readout: str = "membrane", rng: np.random.Generator | int = 0,
        dtype: object = np.float32, learn: object = "default", backend: str = "numba"
        ) -> Sequential:
    """Per entry ``c`` of ``channels``: ``Conv2d(c, 3x3, padding 1), BatchNorm(c),
    NeuronLayer(neuron), AvgPool2d(2)``; then ``Flatten, Linear(classes)`` (and a NeuronLayer
    with ``readout="count"``). The Conv-BN-neuron block is the Ternary Spike network's
    (models/spike_block.py); average pooling keeps the network linear between a neuron and
    the next weights, so a ternary amplitude folds through it.

    ``input_shape``: ``[C, H, W]``, or ``[L]`` for a 1-D signal (treated as a ``[1, 1, L]``
    image with ``1x3`` kernels and ``1x2`` pooling).
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    spiking = lambda: NeuronLayer(neuron, learn=learn, backend=backend)  # noqa: E731
    if len(input_shape) not in (1, 3):
        raise ValueError(f"input_shape: expected [C, H, W] or [L], got {input_shape}")
    one_d = len(input_shape) == 1
    c, h, w = (1, 1, input_shape[0]) if one_d else input_shape
    kernel, pad, pool = ((1, 3), (0, 1), (1, 2)) if one_d else (3, 1, 2)
    layers: list[Layer] = []
    if one_d:
        layers.append(Reshape((1, 1, w)))
    for i, width in enumerate(channels):
        validation.integer(f"channels[{i}]", width, minimum=1)
        layers += [Conv2d(c, width, kernel, padding=pad, rng=rng, dtype=dtype, backend=backend),
                   BatchNorm(width, dtype=dtype, backend=backend), spiking(),
                   AvgPool2d(pool, backend=backend)]
        c, h, w = width, h if one_d else h // 2, w // 2
        if min(h, w) < 1:
            raise ValueError(f"channels: {len(channels)} pooling stages shrink the input "
                             f"{input_shape} to nothing")
    layers.append(Flatten())
    return _readout(layers, c * h * w, classes, readout, rng, np.dtype(dtype), spiking)


MODELS = {"mlp": mlp, "cnn": cnn}
"""Model name -> builder ``f(input_shape, classes, neuron, readout=, rng=, dtype=)``."""
