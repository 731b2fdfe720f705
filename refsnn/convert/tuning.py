"""Channel-wise threshold tuning (the paper's "CTT"): fit the plain-IF network's thresholds,
one per output channel, to the spike counts of the ASG network.

Without :class:`TimeAverage` a layer integrates its input spikes in the order they arrive, so
its count can differ from the ANN's level (it over-counts when early input is followed by
inhibition). CTT runs the two networks side by side on training batches, each on its own
spikes, and for every hidden spiking layer and channel ``c`` updates

    theta_c <- theta_c - eta lambda (N_ASG,c - N_IF,c) / M,     M = B H W T

with ``N`` the channel's spike count in the batch (over samples, positions and steps),
``lambda`` the layer's nominal threshold and ``eta`` the rate (the authors' code:
examples/CIFAR10/cifar10_vr_vggo_CTT_training.py, ``eta = 0.01``; 0.1 in
examples/CIFAR100/cifar100_threshold_train.py; no gradients). The starting thresholds are
not visible in that code; refsnn starts from ``lambda`` and takes ``eta = 0.1`` by default.
The input encoder is not tuned.

refsnn's neurons have one threshold per layer, so a channel threshold ``theta_c`` is applied
as the equivalent gain ``lambda / theta_c`` on the channel's incoming weights and bias: an IF
neuron with soft reset from 0 gives the same spikes for ``(I, theta_c)`` and
``(I lambda / theta_c, lambda)``, up to rounding.
"""

from __future__ import annotations

import numpy as np

from refsnn import validation
from refsnn.convert.snn import neuron_layers
from refsnn.nn import Conv2d, Linear, NeuronLayer, Sequential, encoding


def tune_thresholds(if_net: Sequential, asg_net: Sequential, x: np.ndarray, steps: int, *,
                    rate: float = 0.1, epochs: int = 1, batch: int = 64,
                    rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """Tune ``if_net`` (converted with ``asg=False``) in place against ``asg_net`` (the same
    ANN converted with ``asg=True``) on ``x[N, ...]`` for ``steps``; return the channel
    thresholds of every hidden spiking layer (input encoder excluded)."""
    steps = validation.integer("steps", steps, minimum=1)
    rate = validation.real_scalar("rate", rate, minimum=0.0)
    epochs = validation.integer("epochs", epochs, minimum=0)
    batch = validation.integer("batch", batch, minimum=1)
    rng = np.random.default_rng(0) if rng is None else rng
    tuned = _tuned_layers(if_net)
    reference = neuron_layers(asg_net)[len(neuron_layers(if_net)) - len(tuned):]
    if len(reference) != len(tuned):
        raise ValueError("asg_net: expected the same spiking layers as if_net")
    nominal = [layer.neuron.v_threshold for layer, _ in tuned]
    base = [(weight.weight.value.copy(), None if weight.bias is None else weight.bias.value.copy())
            for _, weight in tuned]
    thresholds = [np.full(_channels(weight), theta) for (_, weight), theta in
                  zip(tuned, nominal, strict=True)]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch):
            run = encoding.direct(x[order[start:start + batch]], steps)
            asg_net.forward(run)
            if_net.forward(run)
            for i, ((layer, weight), ref) in enumerate(zip(tuned, reference, strict=True)):
                spikes_if, spikes_asg = layer.trace.spikes, ref.trace.spikes
                per_channel = spikes_if.size // spikes_if.shape[2]
                error = _per_channel(spikes_asg) - _per_channel(spikes_if)
                thresholds[i] -= rate * nominal[i] * error / per_channel
                _set_gain(weight, *base[i], nominal[i] / thresholds[i])
    return thresholds


def _tuned_layers(net: Sequential) -> list[tuple[NeuronLayer, Linear | Conv2d]]:
    """Every spiking layer fed by a weight layer, with that (nearest preceding) layer."""
    pairs, weight = [], None
    for layer in net.layers:
        if isinstance(layer, Linear | Conv2d):
            weight = layer
        elif isinstance(layer, NeuronLayer) and weight is not None:
            pairs.append((layer, weight))
    return pairs


def _channels(weight: Linear | Conv2d) -> int:
    return weight.weight.value.shape[0]


def _per_channel(spikes: np.ndarray) -> np.ndarray:
    """Spike counts summed over every axis but the channel axis of ``[T, B, C, ...]``."""
    return spikes.sum(axis=(0, 1, *range(3, spikes.ndim)), dtype=np.float64)


def _set_gain(weight: Linear | Conv2d, w0: np.ndarray, b0: np.ndarray | None,
              gain: np.ndarray) -> None:
    gain = gain.astype(w0.dtype)
    weight.weight.value[...] = w0 * gain.reshape(-1, *(1,) * (w0.ndim - 1))
    if b0 is not None:
        weight.bias.value[...] = b0 * gain
