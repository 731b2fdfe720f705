"""Layers, networks, encodings, losses and optimizers for training spiking networks with BPTT.

Every layer has ``forward(x, training=False)`` and ``backward(dL/dy) -> dL/dx`` in NumPy
(refsnn.nn.layer); :class:`Sequential` runs them over ``x[T, B, ...]`` with the stateless
layers applied to every step and the neurons (:class:`NeuronLayer`) over time.

    net = Sequential(Linear(64, 100, rng=0), NeuronLayer(LIF()), Linear(100, 10, rng=1))
    x = encoding.direct(images, steps=4)             # [T, B, 64]
    scores = readout.mean_over_time(net.forward(x, training=True))
    loss, grad = losses.cross_entropy(scores, labels)
    net.zero_grad()
    net.backward(readout.mean_over_time_backward(grad, steps=4))
    optimizer.step()                                 # SGD / Adam on net.parameters()
"""

from refsnn.nn import encoding, losses, readout, schedule
from refsnn.nn.batchnorm import BatchNorm, fold_batchnorm
from refsnn.nn.conv import Conv2d
from refsnn.nn.dropout import Dropout
from refsnn.nn.flatten import Flatten, Reshape
from refsnn.nn.layer import Layer
from refsnn.nn.linear import Linear
from refsnn.nn.neuron_layer import NeuronLayer
from refsnn.nn.optim import OPTIMIZERS, SGD, Adam, Optimizer
from refsnn.nn.parameter import Parameter
from refsnn.nn.pool import AvgPool2d, MaxPool2d
from refsnn.nn.sequential import Sequential

__all__ = ["OPTIMIZERS", "SGD", "Adam", "AvgPool2d", "BatchNorm", "Conv2d", "Dropout",
           "Flatten", "Layer", "Linear", "MaxPool2d", "NeuronLayer", "Optimizer", "Parameter",
           "Reshape", "Sequential", "encoding", "fold_batchnorm", "losses", "readout", "schedule"]
