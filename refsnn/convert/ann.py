"""The ANNs to convert, and their training with refsnn's layers and optimizers.

An ANN here is a :class:`refsnn.nn.Sequential` of stateless layers run with one time step
(``x[1, B, ...]``): blocks of weights (Linear or Conv2d, BatchNorm, optional AvgPool2d)
each followed by an activation (:class:`ClampQuantize` or :class:`ReLU`), then an output
Linear. With the quantized activation the input is quantized too (a ``ClampQuantize`` or an
``InputExpansion`` as the first layer), as the authors' code trains on quantized images
(``AddQuantization``). Pooling sits before the activation, so that every block ends in
exactly one activation (the code also re-quantizes after its pools, which this layout makes
unnecessary).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from refsnn import validation
from refsnn.convert.activation import ClampQuantize, InputExpansion, ReLU
from refsnn.nn import Adam, Flatten, Linear, Reshape, Sequential, losses, readout, schedule
from refsnn.nn.batchnorm import BatchNorm
from refsnn.nn.conv import Conv2d
from refsnn.nn.layer import Layer
from refsnn.nn.pool import AvgPool2d
from refsnn.training.checkpoint import describing, load_state, save_state


@dataclass(frozen=True)
class Activation:
    """Which activation the ANN is trained with: ``"relu"``, or ``"cq"`` (clamp and quantize
    for ``steps`` T and ``levels`` q) with ``expand_input`` (ICE) or a quantized input."""

    kind: str = "relu"
    steps: int = 1
    levels: int = 1
    expand_input: bool = False

    def __post_init__(self) -> None:
        validation.choice("kind", self.kind, ("relu", "cq"))
        validation.integer("steps", self.steps, minimum=1)
        validation.integer("levels", self.levels, minimum=2 if self.expand_input else 1)
        validation.flag("expand_input", self.expand_input)

    def layer(self) -> Layer:
        if self.kind == "relu":
            return ReLU()
        return ClampQuantize(self.steps, self.levels)

    def input_layers(self) -> list[Layer]:
        """The layers that prepare the input: none for ReLU, else its quantizer."""
        if self.kind == "relu":
            return []
        if self.expand_input:
            return [InputExpansion(self.steps, self.levels)]
        return [ClampQuantize(self.steps, self.levels)]

    @property
    def input_copies(self) -> int:
        return 3 if self.kind == "cq" and self.expand_input else 1


def mlp(input_shape: tuple, classes: int, activation: Activation, *,
        hidden: tuple[int, ...] = (256, 256), rng: np.random.Generator | int = 0,
        dtype: object = np.float64) -> Sequential:
    """``[input quantizer], Flatten, [Linear(h), BatchNorm(h), activation] per h, Linear``."""
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    layers = activation.input_layers() + [Flatten()]
    features = math.prod(input_shape) * activation.input_copies
    for i, width in enumerate(hidden):
        validation.integer(f"hidden[{i}]", width, minimum=1)
        layers += [Linear(features, width, rng=rng, dtype=dtype),
                   BatchNorm(width, dtype=dtype), activation.layer()]
        features = width
    return Sequential(*layers, Linear(features, classes, rng=rng, dtype=dtype))


def cnn(input_shape: tuple, classes: int, activation: Activation, *,
        channels: tuple[int, ...] = (16, 32), pool_every: int = 1,
        rng: np.random.Generator | int = 0, dtype: object = np.float64) -> Sequential:
    """``[input quantizer]``, then per entry ``c`` of ``channels`` (a stage): ``Conv2d(c, 3x3,
    padding 1), BatchNorm(c)``, ``AvgPool2d(2)`` if the stage's number is a multiple of
    ``pool_every``, and the activation; then ``Flatten, Linear``.

    ``input_shape``: ``[C, H, W]``, or ``[L]`` for a 1-D signal (MNIST-1D), which a
    ``Reshape`` right after the input quantizer turns into a one-row image ``[copies, 1, L]``
    convolved with ``1x3`` kernels (padding ``0, 1``) and pooled ``1x2``, as
    :func:`refsnn.nn.models.cnn` trains it. ``pool_every = 1`` pools after every stage (the
    small CNN); a deeper one pools less often, e.g. ``channels = (16, 16, 32, 32, 64)``,
    ``pool_every = 2``: five Conv-BN stages, pooled after the 2nd and 4th (28x28 -> 7x7, a
    40-sample signal -> 10). A pooling that would leave no pixel is an error."""
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    if len(input_shape) not in (1, 3):
        raise ValueError(f"input_shape: expected [C, H, W] or [L] for the cnn, got "
                         f"{input_shape}")
    pool_every = validation.integer("pool_every", pool_every, minimum=1)
    one_d = len(input_shape) == 1
    c, h, w = (1, 1, input_shape[0]) if one_d else input_shape
    c *= activation.input_copies
    kernel, pad, pool = ((1, 3), (0, 1), (1, 2)) if one_d else ((3, 3), (1, 1), (2, 2))
    layers = activation.input_layers() + ([Reshape((c, h, w))] if one_d else [])
    for i, width in enumerate(channels):
        validation.integer(f"channels[{i}]", width, minimum=1)
        layers += [Conv2d(c, width, kernel, padding=pad, rng=rng, dtype=dtype),
                   BatchNorm(width, dtype=dtype)]
        c = width
        if (i + 1) % pool_every == 0:
            if h < pool[0] or w < pool[1]:
                raise ValueError(f"channels: stage {i + 1} of {len(channels)} pools a {h}x{w} "
                                 f"map of the input {list(input_shape)} to nothing; expected "
                                 f"fewer stages or a larger pool_every (got {pool_every})")
            layers.append(AvgPool2d(pool))
            h, w = h // pool[0], w // pool[1]
        layers.append(activation.layer())
    return Sequential(*layers, Flatten(), Linear(c * h * w, classes, rng=rng, dtype=dtype))


MODELS = {"mlp": mlp, "cnn": cnn}


@dataclass(frozen=True)
class Training:
    """How an ANN is trained: Adam (torch's rule) with ``lr`` annealed by a cosine schedule
    over ``epochs``, cross-entropy, minibatches of ``batch`` in a seeded order."""

    epochs: int = 10
    batch: int = 64
    lr: float = 1e-2
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        validation.integer("epochs", self.epochs, minimum=1)
        validation.integer("batch", self.batch, minimum=1)
        validation.real_scalar("lr", self.lr, minimum=0.0, inclusive=False)
        validation.real_scalar("weight_decay", self.weight_decay, minimum=0.0)


def train(net: Sequential, x: np.ndarray, y: np.ndarray, training: Training, *,
          rng: np.random.Generator, progress: bool = False, desc: str = "ANN") -> Sequential:
    """Train ``net`` in place on ``x[N, ...]``, ``y[N]`` and return it."""
    optimizer = Adam(net.parameters(), training.lr, weight_decay=training.weight_decay)
    for epoch in tqdm(range(training.epochs), desc=desc, disable=not progress, leave=False):
        optimizer.lr = schedule.cosine(training.lr, epoch, training.epochs)
        order = rng.permutation(len(x))
        for start in range(0, len(order), training.batch):
            index = order[start:start + training.batch]
            if len(index) < 2:  # BatchNorm needs two samples per channel
                continue
            scores = net.forward(x[index][None], training=True)[0]
            _, grad = losses.cross_entropy(scores, y[index])
            net.zero_grad()
            net.backward(grad[None], input_grad=False)
            optimizer.step()
    return net


def predict(net: Sequential, x: np.ndarray, *, batch: int = 500) -> np.ndarray:
    """The ANN's logits ``[N, classes]`` in eval mode."""
    return np.concatenate([readout.mean_over_time(net.forward(x[i:i + batch][None]))
                           for i in range(0, len(x), batch)])


ANN_FORMAT = "refsnn-ann-1"


def save(path: Path, net: Sequential, meta: dict, *, force: bool = False) -> Path:
    """Write ``net``'s parameters and buffers and ``meta`` (what :func:`load` needs to rebuild
    it, see :func:`describe`) atomically; an existing file is an error unless ``force``."""
    return save_state(path, ANN_FORMAT, meta, net.state(), force=force)


def describe(model: str, input_shape: tuple, classes: int, activation: Activation,
             size: dict, dtype: object, training: Training, seed: int) -> dict:
    """Everything an ANN's weights depend on, as saved with it."""
    return {"model": model, "input_shape": list(input_shape), "classes": classes,
            "activation": dataclasses.asdict(activation),
            "size": {k: list(v) if isinstance(v, tuple) else v for k, v in size.items()},
            "dtype": np.dtype(dtype).name,
            "training": dataclasses.asdict(training), "seed": seed}


def load(path: Path) -> tuple[Sequential, dict]:
    """The ANN saved by :func:`save` (rebuilt from its meta, then its state loaded) and the
    meta."""
    keys = ("model", "input_shape", "classes", "activation", "size", "dtype")
    meta, state = load_state(path, ANN_FORMAT, keys)
    sizes = list(meta["size"].values()) if isinstance(meta["size"], dict) else []
    with describing(Path(path), state, [*sizes, meta["classes"]]):
        size = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["size"].items()}
        net = MODELS[meta["model"]](tuple(meta["input_shape"]), meta["classes"],
                                    Activation(**meta["activation"]), rng=0,
                                    dtype=meta["dtype"], **size)
        net.load_state(state)
    return net, meta
