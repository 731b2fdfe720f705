"""Training a spiking network with BPTT on a shipped dataset: the loop and evaluation (the
engine of ``refsnn train``).

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

import time
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from refsnn.nn import OPTIMIZERS, Sequential, encoding, losses, readout, schedule
from refsnn.training import data as datasets
from refsnn.training.config import Config, build, streams
from refsnn.training.threads import limit_threads


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
    rng = np.random.default_rng(streams(config.seed)["evaluate"]) if rng is None else rng
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
    seeds = streams(config.seed)
    order_rng = np.random.default_rng(seeds["order"])
    encode_rng = np.random.default_rng(seeds["encode"])
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
