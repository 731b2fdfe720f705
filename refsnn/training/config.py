"""What a training run depends on: its configuration, the neuron and the network it builds."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from refsnn import surrogates, validation
from refsnn.neurons import LIF, NEURONS, MTNeuron, Neuron, with_defaults
from refsnn.nn import OPTIMIZERS, Sequential, encoding, losses, readout, schedule
from refsnn.nn.models import MODELS
from refsnn.training import data as datasets


@dataclass(frozen=True)
class Config:
    """Everything a training run depends on (saved in the checkpoint and metrics.json).

    data: ``digits``, ``mnist`` or ``mnist1d`` (refsnn.data). model: ``mlp`` or ``cnn``
    (refsnn.nn.models) with ``hidden`` widths or conv ``channels``. neuron: a name of
    refsnn.neurons.NEURONS with its defaults; a neuron built on another (Ternary,
    MultiThreshold) gets a default LIF; ``surrogate`` (canonical name or alias) with ``alpha``
    (None: the surrogate's default) replaces the default one. mode: MTNeuron only, ``parallel``
    or ``cascade`` (:data:`MT_MODES`; None: MTNeuron's defaults, the same neuron as
    ``parallel``). learn: the neuron scalars to learn (see NeuronLayer). steps: T. encoding:
    ``direct`` or ``rate``. readout: ``membrane`` (non-spiking output layer) or ``count``
    (spiking). loss: ``cross_entropy`` or ``mse_count``. optimizer: ``adam`` or ``sgd``
    (momentum 0.9). schedule: ``constant``, ``step`` or ``cosine``. weight_decay: on
    Linear/Conv2d weights only. dtype: ``float32`` or ``float64``. backend: the neurons'
    (``numba`` or ``numpy``).
    """

    data: str = "digits"
    model: str = "mlp"
    neuron: str = "LIF"
    mode: str | None = None
    surrogate: str = "sigmoid"
    alpha: float | None = None
    learn: str = "default"
    steps: int = 4
    encoding: str = "direct"
    readout: str = "membrane"
    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 1e-2
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "cosine"
    epochs: int = 20
    batch: int = 64
    seed: int = 0
    hidden: tuple[int, ...] = (128,)
    channels: tuple[int, ...] = (16, 32)
    dtype: str = "float32"
    backend: str = "numba"

    def __post_init__(self) -> None:
        validation.choice("data", self.data, tuple(datasets.DATASETS))
        validation.choice("model", self.model, tuple(MODELS))
        validation.choice("neuron", self.neuron, tuple(NEURONS))
        make_neuron(self.neuron, mode=self.mode)  # its errors name "mode"
        validation.choice("learn", self.learn, ("default", "all"))
        surrogates.get(self.surrogate)  # its error names "surrogate"
        if self.alpha is not None:
            validation.real_scalar("alpha", self.alpha, minimum=0.0, inclusive=False)
        for name in ("steps", "epochs", "batch"):
            validation.integer(name, getattr(self, name), minimum=1)
        validation.integer("seed", self.seed, minimum=0)
        validation.choice("encoding", self.encoding, tuple(encoding.ENCODINGS))
        validation.choice("readout", self.readout, readout.READOUTS)
        validation.choice("loss", self.loss, tuple(losses.LOSSES))
        validation.choice("optimizer", self.optimizer, tuple(OPTIMIZERS))
        validation.choice("schedule", self.schedule, tuple(schedule.SCHEDULES))
        validation.real_scalar("lr", self.lr, minimum=0.0, inclusive=False)
        validation.real_scalar("weight_decay", self.weight_decay, minimum=0.0)
        validation.choice("dtype", self.dtype, ("float32", "float64"))
        validation.choice("backend", self.backend, ("numba", "numpy"))
        object.__setattr__(self, "hidden", tuple(self.hidden))
        object.__setattr__(self, "channels", tuple(self.channels))

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, values: dict) -> Config:
        return cls(**values)


MT_LEVELS = 2
"""K, the thresholds of a ``mode``'s MTNeuron: MTNeuron's default K (its paper's is unknown)."""

MT_MODES = {"parallel": MTNeuron.parallel, "cascade": MTNeuron.cascade}
"""``mode`` -> the MTNeuron family (K = :data:`MT_LEVELS`): parallel, thresholds and amplitudes
V/2, V/2 on one membrane (levels 0, V/2, V: MTNeuron's defaults); cascade, thresholds V, V/2
visited high to low on the residual, amplitudes V, V/2 (levels 0, V/2, V, 3V/2)."""


def make_neuron(name: str, surrogate: str = "sigmoid", alpha: float | None = None,
                mode: str | None = None) -> Neuron:
    """The neuron ``name`` with its defaults and the given surrogate; a neuron built on another
    (a ``neuron`` field: Ternary, MultiThreshold, MTNeuron) wraps a default LIF carrying it.
    ``mode`` (MTNeuron only): the MTNeuron of that family in :data:`MT_MODES`."""
    validation.choice("neuron", name, tuple(NEURONS))
    sur = surrogates.get(surrogate) if alpha is None else surrogates.get(surrogate, alpha=alpha)
    model = NEURONS[name]
    if mode is not None:
        validation.choice("mode", mode, tuple(MT_MODES))
        if model is not MTNeuron:
            raise ValueError(f"mode: expected None for neuron {name!r} (a mode is MTNeuron's "
                             f"only), got {mode!r}")
        return MT_MODES[mode](LIF(surrogate=sur), levels=MT_LEVELS)
    return with_defaults(model, sur)


def build(config: Config, input_shape: tuple, classes: int) -> Sequential:
    """The configured network, its weights drawn from the ``seed``'s initialisation stream."""
    rng = np.random.default_rng(streams(config.seed)["init"])
    neuron = make_neuron(config.neuron, config.surrogate, config.alpha, config.mode)
    size = {"hidden": config.hidden} if config.model == "mlp" else {"channels": config.channels}
    net = MODELS[config.model](tuple(input_shape), classes, neuron, readout=config.readout,
                               rng=rng, dtype=np.dtype(config.dtype), learn=config.learn,
                               backend=config.backend, **size)
    return net


def streams(seed: int) -> dict[str, np.random.SeedSequence]:
    """The run's independent random streams, spawned from ``SeedSequence(seed)``: initial
    weights, minibatch order, rate encoding in training and in evaluation."""
    names = ("init", "order", "encode", "evaluate")
    return dict(zip(names, np.random.SeedSequence(seed).spawn(len(names)), strict=True))
