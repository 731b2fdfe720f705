"""The conversion itself: a trained ANN and its activation scales in, a spiking network out.

The ANN (:mod:`refsnn.convert.ann`) is read as an optional input quantizer, then blocks of
linear layers (Linear, Conv2d, BatchNorm, AvgPool2d, Flatten, Reshape) each ending in an
activation, then a last linear block (the output). With ``lambda_l`` the scale of activation ``l``
(:mod:`refsnn.convert.scales`) the spiking network is, in order:

1. BatchNorm folded into the preceding weights (``Sequential.fold_batchnorm``; the authors'
   ``fuse_bn_recursively``, src/transfer.py).
2. The input. A quantizer becomes a spike encoder: the quantizer's level index ``i`` (an
   integer) is the constant charge of an IF neuron with threshold ``T_q`` (the quantizer's
   ``steps``) and soft reset from 0, which fires exactly ``floor(T i / T_q)`` times in ``T``
   steps, ``i`` when ``T = T_q`` (the authors' ``SpikeDataset``: the quantized pixel repeated
   T times through their IF kernel; integer charges make the count exact in floating point,
   where their code lowers the threshold by 1e-4 instead). Without a quantizer the analog
   input is the first layer's input current at every step (direct encoding, Rueckauer et
   al. 2017).
3. Every block: its linear layers with the first weight multiplied by the incoming spikes'
   scale ``lambda_{l-1}`` (so that ``W lambda_{l-1} s[t]`` has the ANN's units; the bias is
   unscaled and added at every step, as in the authors' ``transfer_model``), then, with
   ``asg=True``, a :class:`TimeAverage` (the "ASG" neuron), then a spiking neuron with
   threshold ``lambda_l``: IF with soft reset (reset by subtraction, Rueckauer et al. 2017),
   ``V[-1] = 0``, firing at ``H >= v_th`` (the authors' IF kernel, spikeKernels.h), or a
   LIF with ``tau`` (no input decay) if ``tau`` is finite (not in the paper: to see what a
   leak costs; the input encoder stays IF).
4. The output block scaled the same way, not spiking: the logits are the mean of its
   output over the ``T`` steps (``sum_t (W s[t] + b) / T`` in the authors' code).

Dividing every layer's weights, bias and threshold by ``lambda_l`` gives the equivalent
weight-normalized form with threshold 1 (Diehl et al. 2015: ``W_l lambda_{l-1} /
lambda_l``, ``b_l / lambda_l``); refsnn keeps the threshold-balanced form of the authors'
code, which leaves the ANN's units in every membrane.

With quantized activations, ``asg=True`` and ``T`` equal to the quantizers' ``steps``,
every layer's spike count equals the ANN's level index and the logits equal the ANN's
(tests/test_convert.py proves it on exact arithmetic and checks it on random nets).
"""

from __future__ import annotations

import copy

import numpy as np

from refsnn import validation
from refsnn.convert.activation import ClampQuantize, InputExpansion
from refsnn.convert.scales import ACTIVATIONS
from refsnn.convert.time_average import TimeAverage
from refsnn.neurons import IF, LIF, Neuron
from refsnn.nn import Conv2d, Linear, NeuronLayer, Sequential, encoding, readout
from refsnn.nn.batchnorm import BatchNorm
from refsnn.nn.flatten import Flatten, Reshape
from refsnn.nn.layer import Layer
from refsnn.nn.pool import AvgPool2d

LINEAR_LAYERS = (Linear, Conv2d, BatchNorm, AvgPool2d, Flatten, Reshape)


def convert(ann: Sequential, scales: list[float], *, asg: bool = True,
            tau: float = float("inf"), backend: str = "numba") -> Sequential:
    """The spiking network of ``ann`` (see the module docstring). ``scales``: one per
    activation layer of ``ann``, as :func:`refsnn.convert.scales.activation_scales` returns.
    Run it with :func:`logits`."""
    if not isinstance(ann, Sequential):
        raise ValueError(f"ann: expected a refsnn.nn.Sequential, got {type(ann).__name__}")
    validation.flag("asg", asg)
    tau = validation.real_scalar("tau", tau, minimum=1.0, allow_inf=True)
    layers = ann.fold_batchnorm().layers
    blocks, quantizer = _blocks(layers)
    expected = len(blocks) - 1 + (quantizer is not None)
    if len(scales) != expected:
        raise ValueError(f"scales: expected {expected} values (one per activation layer), "
                         f"got {len(scales)}")
    for i, s in enumerate(scales):
        validation.real_scalar(f"scales[{i}]", s, minimum=0.0, inclusive=False)
    out: list[Layer] = []
    incoming = None  # the scale of one incoming spike; None: the analog input
    if quantizer is not None:
        encoder = IF(v_threshold=quantizer.steps, v_reset=None)  # an exact encoding: no leak
        out += [_index_of(quantizer), NeuronLayer(encoder, backend=backend)]
        incoming, scales = scales[0], scales[1:]
    for block, scale in zip(blocks, [*scales, None], strict=True):
        out += _scaled(block, incoming)
        if scale is not None:
            out += ([TimeAverage()] if asg else []) + \
                [NeuronLayer(_neuron(scale, tau), backend=backend)]
        incoming = scale
    return Sequential(*out)


def _blocks(layers: list[Layer]) -> tuple[list[list[Layer]], Layer | None]:
    """The linear blocks (each up to, not including, its activation) and the input quantizer."""
    quantizer = None
    if layers and isinstance(layers[0], ClampQuantize | InputExpansion):
        quantizer, layers = layers[0], layers[1:]
    blocks, current = [], []
    for i, layer in enumerate(layers, start=quantizer is not None):
        if isinstance(layer, ACTIVATIONS):
            if isinstance(layer, InputExpansion):
                raise ValueError(f"ann: layers[{i}]: InputExpansion is only allowed first")
            if not any(isinstance(a, Linear | Conv2d) for a in current):
                raise ValueError(f"ann: layers[{i}]: an activation without weights before it")
            blocks.append(current)
            current = []
        elif isinstance(layer, LINEAR_LAYERS):
            current.append(layer)
        else:
            raise ValueError(f"ann: layers[{i}]: cannot convert a {type(layer).__name__} (expected "
                             "Linear, Conv2d, BatchNorm, AvgPool2d, Flatten, Reshape, "
                             "ClampQuantize, InputExpansion or ReLU)")
    if not any(isinstance(a, Linear | Conv2d) for a in current):
        raise ValueError("ann: expected a Linear or Conv2d output layer after the last activation")
    return blocks + [current], quantizer


def _index_of(quantizer: Layer) -> Layer:
    """A copy of the input quantizer that returns the level index (``unit = 1``)."""
    index = copy.deepcopy(quantizer)
    index.unit = 1.0
    return index


def _scaled(block: list[Layer], incoming: float | None) -> list[Layer]:
    """Copies of ``block`` with its first weight multiplied by ``incoming`` (if not None)."""
    block = [copy.deepcopy(layer) for layer in block]
    if incoming is not None:
        first = next(layer for layer in block if isinstance(layer, Linear | Conv2d))
        first.weight.value *= first.dtype.type(incoming)
    return block


def _neuron(threshold: float, tau: float) -> Neuron:
    if tau == float("inf"):
        return IF(v_threshold=threshold, v_reset=None)
    return LIF(tau=tau, v_threshold=threshold, v_reset=None, decay_input=False)


def logits(snn: Sequential, x: np.ndarray, steps: int, *, batch: int = 256) -> np.ndarray:
    """The converted network's logits ``[N, classes]`` for ``x[N, ...]`` run for ``steps`` T:
    the input repeated at every step (the encoder, if any, is the network's first layers),
    the output averaged over the steps."""
    steps = validation.integer("steps", steps, minimum=1)
    return np.concatenate([readout.mean_over_time(snn.forward(encoding.direct(x[i:i + batch],
                                                                               steps)))
                           for i in range(0, len(x), batch)])


def neuron_layers(snn: Sequential) -> list[NeuronLayer]:
    """The spiking layers of a converted network, input encoder first."""
    return [layer for layer in snn.layers if isinstance(layer, NeuronLayer)]
