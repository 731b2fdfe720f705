"""Training a spiking network with BPTT on a shipped dataset: configuration, loop, evaluation,
checkpoints and metrics (the engine of ``refsnn train``).

One epoch: the training set in a seeded random order, in minibatches; each minibatch is
encoded into a run ``[T, B, ...]`` (direct or rate), run through the network in training
mode, read out as the mean over time, scored by the loss, backpropagated through time and
stepped by the optimizer, whose rate follows the schedule per epoch. After every epoch the
test set is evaluated (eval mode). Every random draw (initial weights, order, rate encoding,
evaluation's rate encoding) comes from its own stream of ``numpy.random.SeedSequence(seed)``,
so the same configuration gives the same metrics, bit for bit, on the same machine and thread
count.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from refsnn import data as datasets
from refsnn import surrogates, validation
from refsnn.checkpoint import atomic_write, describing, load_state, save_state
from refsnn.neurons import LIF, NEURONS, MTNeuron, Neuron
from refsnn.nn import OPTIMIZERS, Sequential, encoding, losses, readout, schedule
from refsnn.nn.models import MODELS


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
    if "neuron" in {f.name for f in dataclasses.fields(model)}:
        return model(neuron=LIF(surrogate=sur))
    return model(surrogate=sur)


def build(config: Config, input_shape: tuple, classes: int) -> Sequential:
    """The configured network, its weights drawn from the ``seed``'s initialisation stream."""
    rng = np.random.default_rng(_streams(config.seed)["init"])
    neuron = make_neuron(config.neuron, config.surrogate, config.alpha, config.mode)
    size = {"hidden": config.hidden} if config.model == "mlp" else {"channels": config.channels}
    net = MODELS[config.model](tuple(input_shape), classes, neuron, readout=config.readout,
                               rng=rng, dtype=np.dtype(config.dtype), learn=config.learn,
                               backend=config.backend, **size)
    return net


def _streams(seed: int) -> dict[str, np.random.SeedSequence]:
    names = ("init", "order", "encode", "evaluate")
    return dict(zip(names, np.random.SeedSequence(seed).spawn(len(names)), strict=True))


def encode(config: Config, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``x[B, ...]`` encoded as the configured run ``[T, B, ...]``."""
    if config.encoding == "rate":
        return encoding.rate(x, config.steps, rng)
    return encoding.direct(x, config.steps)


def _loss(config: Config, scores: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    return losses.LOSSES[config.loss](scores, labels)


def evaluate(net: Sequential, config: Config, x: np.ndarray, y: np.ndarray, *,
             rng: np.random.Generator | None = None, batch: int = 256) -> dict[str, float]:
    """Mean loss and accuracy of ``net`` (eval mode) on ``x``, ``y``, in batches."""
    rng = np.random.default_rng(_streams(config.seed)["evaluate"]) if rng is None else rng
    total_loss, correct = 0.0, 0
    for start in range(0, len(x), batch):
        xb, yb = x[start:start + batch], y[start:start + batch]
        scores = readout.mean_over_time(net.forward(encode(config, xb, rng)))
        total_loss += _loss(config, scores, yb)[0] * len(xb)
        correct += int(np.sum(scores.argmax(axis=1) == yb))
    return {"loss": total_loss / len(x), "accuracy": correct / len(x)}


@dataclass(eq=False)
class Run:
    """A finished (or running) training: its network, dataset and per-epoch metrics."""

    config: Config
    net: Sequential
    dataset: datasets.Dataset
    history: list[dict] = field(default_factory=list)  # per epoch: lr, train/test loss, acc
    seconds: list[float] = field(default_factory=list)  # wall time per epoch (not a metric)

    def metrics(self) -> dict:
        """What metrics.json holds: the config, the dataset's sizes, the per-epoch history,
        the final test accuracy and the timing (kept apart: the rest is reproducible)."""
        return {"config": self.config.to_json(),
                "dataset": {"name": self.dataset.name, "train": len(self.dataset.x_train),
                            "test": len(self.dataset.x_test), "shape": self.dataset.shape,
                            "classes": self.dataset.classes},
                "epochs": self.history,
                "final": self.history[-1] if self.history else None,
                "timing": {"seconds_per_epoch": self.seconds,
                           "total_seconds": float(sum(self.seconds))}}


def auto_threads() -> int:
    """The thread count ``threads="auto"`` picks: the cores that are idle now, at least 1 (the
    CPUs Linux gives this process minus the one-minute load average, rounded to the nearest
    integer). On the shared 2-core machines here a second thread is a loss whenever another
    process holds a core (tools/bench_train.py measured a CNN epoch at 0.56x with 2 Numba
    threads under load), and a gain when both cores are free (1.42x on a quiet machine)."""
    import os

    if not hasattr(os, "getloadavg"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, (cores or 1) - math.floor(os.getloadavg()[0] + 0.5)))


@contextlib.contextmanager
def limit_threads(threads: int | str | None) -> Iterator[None]:
    """Run with ``threads`` Numba threads and one BLAS thread (``"auto"``: :func:`auto_threads`;
    ``None``: leave both libraries' settings).

    OpenBLAS's and Numba's thread pools oversubscribe a small machine: OpenBLAS's threads spin
    for a while after every matrix product, Numba's parallel kernels then wait for a core, and
    a training epoch ran up to 10x slower with 2 + 2 threads than with 1 + 1 on the 2-core
    machines here (and 0.2x with 1 Numba + 2 BLAS threads, tools/bench_train.py). So BLAS
    stays on one thread and the convolutions spread blocks of images over Numba's thread
    count themselves (refsnn/nn/blocks.py); a Linear layer's product stays one-threaded. The
    BLAS limit needs threadpoolctl (installed with scikit-learn, the ``data`` extra); without it
    BLAS keeps its own setting. Results do not depend on the thread count.
    """
    if threads is None:
        yield
        return
    import numba

    threads = auto_threads() if threads == "auto" else \
        validation.integer("threads", threads, minimum=1)
    before = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            blas = contextlib.nullcontext()
        else:
            blas = threadpool_limits(1, user_api="blas")
        with blas:
            yield
    finally:
        numba.set_num_threads(before)


def train(config: Config, *, progress: bool = True, dataset: datasets.Dataset | None = None,
          threads: int | str | None = "auto") -> Run:
    """Train the configured network; ``progress`` shows a tqdm bar per epoch with the running
    loss and accuracy. ``dataset`` overrides loading ``config.data`` (e.g. a subset).
    ``threads``: the Numba threads to use, BLAS on one (:func:`limit_threads`; default
    ``"auto"``, the idle cores; ``None`` leaves the libraries' defaults)."""
    with limit_threads(threads):
        return _train(config, progress, dataset)


def _train(config: Config, progress: bool, dataset: datasets.Dataset | None) -> Run:
    dataset = datasets.load(config.data, seed=config.seed) if dataset is None else dataset
    dtype = np.dtype(config.dtype)
    x_train, x_test = dataset.x_train.astype(dtype), dataset.x_test.astype(dtype)
    net = build(config, dataset.shape, dataset.classes)
    optimizer_kwargs = {"momentum": config.momentum} if config.optimizer == "sgd" else {}
    optimizer = OPTIMIZERS[config.optimizer](net.parameters(), config.lr,
                                             weight_decay=config.weight_decay,
                                             **optimizer_kwargs)
    streams = _streams(config.seed)
    order_rng = np.random.default_rng(streams["order"])
    encode_rng = np.random.default_rng(streams["encode"])
    run = Run(config, net, dataset)
    for epoch in range(config.epochs):
        start_time = time.perf_counter()
        optimizer.lr = schedule.SCHEDULES[config.schedule](config.lr, epoch, config.epochs)
        order = order_rng.permutation(len(x_train))
        total_loss, correct, seen = 0.0, 0, 0
        # disable=None: no bar when stderr is not a terminal (a CI log), only the epoch lines
        bar = tqdm(range(0, len(order), config.batch), desc=f"epoch {epoch + 1}/{config.epochs}",
                   disable=None if progress else True, leave=True, dynamic_ncols=True)
        for start in bar:
            index = order[start:start + config.batch]
            labels = dataset.y_train[index]
            out = net.forward(encode(config, x_train[index], encode_rng), training=True)
            scores = readout.mean_over_time(out)
            loss, grad = _loss(config, scores, labels)
            net.zero_grad()
            net.backward(readout.mean_over_time_backward(grad, config.steps), input_grad=False)
            optimizer.step()
            total_loss += loss * len(index)
            correct += int(np.sum(scores.argmax(axis=1) == labels))
            seen += len(index)
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}")
        test = evaluate(net, config, x_test, dataset.y_test)
        run.history.append({"epoch": epoch + 1, "lr": optimizer.lr,
                            "train_loss": total_loss / seen, "train_accuracy": correct / seen,
                            "test_loss": test["loss"], "test_accuracy": test["accuracy"]})
        run.seconds.append(time.perf_counter() - start_time)
        if progress:
            tqdm.write(f"epoch {epoch + 1}: train loss {total_loss / seen:.4f} acc "
                       f"{correct / seen:.3f} | test loss {test['loss']:.4f} acc "
                       f"{test['accuracy']:.3f}")
    return run


# --- checkpoints and metrics ----------------------------------------------------------------

CHECKPOINT_FORMAT = "refsnn-checkpoint-1"


def save_checkpoint(path: str | Path, run: Run, *, force: bool = False) -> Path:
    """Save the network's parameters and buffers, the config, the input shape and the number
    of classes to an ``.npz`` (no pickles), atomically; an existing file is an error unless
    ``force``."""
    meta = {"config": run.config.to_json(), "input_shape": list(run.dataset.shape),
            "classes": run.dataset.classes}
    return save_state(Path(path), CHECKPOINT_FORMAT, meta, run.net.state(), force=force)


def load_checkpoint(path: str | Path) -> tuple[Sequential, Config]:
    """The network (rebuilt from the config, then its saved state loaded) and the config."""
    meta, state = load_state(Path(path), CHECKPOINT_FORMAT, ("config", "input_shape", "classes"))
    config = meta["config"] if isinstance(meta["config"], dict) else {}
    with describing(Path(path), state, [config.get("hidden", []), config.get("channels", []),
                                        meta["classes"]]):
        config = Config.from_json(meta["config"])
        net = build(config, tuple(meta["input_shape"]), meta["classes"])
        net.load_state(state)
    return net, config


def save_metrics(path: str | Path, run: Run, *, force: bool = False) -> Path:
    """Write :meth:`Run.metrics` as JSON, atomically (same overwrite rule as checkpoints)."""
    text = json.dumps(run.metrics(), indent=2) + "\n"
    atomic_write(Path(path), lambda f: f.write(text.encode()), force=force)
    return Path(path)
