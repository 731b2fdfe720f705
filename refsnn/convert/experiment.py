"""The conversion experiment of ``refsnn convert``: train the ANNs, convert them by every
method, evaluate the SNNs over the time windows ``T``, over seeds.

Each method (:data:`METHODS`, one row of the table) names the ANN it converts and the rules it
applies. The quantized ANNs are trained once per ``T`` (their grid depends on it:
``q = ceil(T / ceiling)``, :func:`refsnn.convert.activation.levels_for`), the ReLU ANN once.
Every random draw comes from ``numpy.random.SeedSequence(seed)``: the same configuration gives
the same accuracies on the same machine and thread count.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from refsnn import validation
from refsnn.convert import ann as anns
from refsnn.convert.activation import levels_for
from refsnn.convert.scales import activation_scales
from refsnn.convert.snn import convert, logits
from refsnn.convert.tuning import tune_thresholds
from refsnn.nn import Sequential
from refsnn.training import data as datasets


@dataclass(frozen=True)
class Method:
    """One conversion: the ANN (``"relu"`` or ``"cq"``, with ``expand_input`` = ICE), the
    scale of ReLU layers (``normalization``), and the rules ``asg`` and ``ctt``."""

    activation: str
    description: str
    expand_input: bool = False
    normalization: str = "max"
    asg: bool = True
    ctt: bool = False

    @property
    def ann_kind(self) -> tuple[str, bool]:
        """The ANN it converts: ``(activation, whether the input is expanded)``."""
        return self.activation, self.activation == "cq" and self.expand_input


METHODS = {
    "max-norm": Method("relu", "ReLU ANN; lambda = max activation (Diehl et al. 2015); IF, soft "
                       "reset; analog input", normalization="max", asg=False),
    "percentile-norm": Method("relu", "as max-norm with lambda = 99.9th percentile (Rueckauer "
                              "et al. 2017)", normalization="percentile", asg=False),
    "paper": Method("cq", "VR (clamp-quantize ANN, lambda = T/q) + ICE input + ASG neurons",
                    expand_input=True),
    "paper -VR": Method("relu", "paper with a ReLU ANN (lambda = max activation), analog input",
                        normalization="max"),
    "paper -ICE": Method("cq", "paper with a one-grid quantized input"),
    "paper -ASG": Method("cq", "paper with plain IF neurons (no time averaging)",
                         expand_input=True, asg=False),
    "paper -ASG +CTT": Method("cq", "paper -ASG with channel-wise threshold tuning",
                              expand_input=True, asg=False, ctt=True),
}
"""The table's rows: two baselines, the paper's method, and the method with each rule off."""


@dataclass(frozen=True)
class Config:
    """Everything the experiment depends on (saved with its results)."""

    data: str = "digits"
    model: str = "mlp"
    hidden: tuple[int, ...] = (256, 256)
    channels: tuple[int, ...] = (16, 32)
    pool_every: int = 1
    steps: tuple[int, ...] = (1, 2, 4, 8, 16, 32)
    ceiling: float = 0.8
    methods: tuple[str, ...] = tuple(METHODS)
    seeds: tuple[int, ...] = (0,)
    epochs: int = 10
    batch: int = 64
    lr: float = 1e-2
    percentile: float = 99.9
    ctt_rate: float = 0.1
    ctt_epochs: int = 1
    tau: float = float("inf")
    dtype: str = "float64"

    def __post_init__(self) -> None:
        validation.choice("data", self.data, tuple(datasets.DATASETS))
        validation.choice("model", self.model, tuple(anns.MODELS))
        for name in ("hidden", "channels", "steps", "methods", "seeds"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
            if not getattr(self, name):
                raise ValueError(f"{name}: expected at least one value")
        for i, t in enumerate(self.steps):
            validation.integer(f"steps[{i}]", t, minimum=1)
        for i, s in enumerate(self.seeds):
            validation.integer(f"seeds[{i}]", s, minimum=0)
        for name in self.methods:
            validation.choice("methods", name, tuple(METHODS))
        validation.integer("pool_every", self.pool_every, minimum=1)
        validation.real_scalar("ceiling", self.ceiling, minimum=0.0, inclusive=False)
        anns.Training(self.epochs, self.batch, self.lr)  # validates them
        if not 50.0 <= validation.real_scalar("percentile", self.percentile) <= 100.0:
            raise ValueError(f"percentile: expected a value in [50, 100] (a lambda at or above "
                             f"the median activation), got {self.percentile}")
        validation.real_scalar("ctt_rate", self.ctt_rate, minimum=0.0)
        validation.integer("ctt_epochs", self.ctt_epochs, minimum=0)
        validation.real_scalar("tau", self.tau, minimum=1.0, allow_inf=True)
        validation.choice("dtype", self.dtype, ("float32", "float64"))

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in dataclasses.asdict(self).items()}


@dataclass
class Results:
    """Test accuracies: ``ann[name][T]`` for the ANNs, ``snn[method][T]``, each a list over
    the seeds; ``T = 0`` keys the ReLU ANN, which does not depend on T."""

    config: Config
    ann: dict[str, dict[int, list[float]]] = field(default_factory=dict)
    snn: dict[str, dict[int, list[float]]] = field(default_factory=dict)

    def add(self, table: str, name: str, steps: int, accuracy: float) -> None:
        getattr(self, table).setdefault(name, {}).setdefault(steps, []).append(accuracy)

    def to_json(self) -> dict:
        def plain(table):
            return {name: {str(t): v for t, v in row.items()} for name, row in table.items()}
        return {"config": self.config.to_json(), "ann": plain(self.ann), "snn": plain(self.snn)}


ANN_NAMES = {("relu", False): "ANN, ReLU", ("cq", True): "ANN, CQ + ICE", ("cq", False): "ANN, CQ"}


def run(config: Config, *, progress: bool = True, ann_dir: Path | None = None,
        reuse: bool = False, force: bool = False) -> Results:
    """Train, convert and evaluate as ``config`` says, for every seed.

    ``ann_dir``: save every trained ANN there (:func:`refsnn.convert.ann.save`; an existing
    file is an error unless ``force``), or, with ``reuse``, load the ones an earlier run saved
    instead of training them (their saved description must equal this configuration's)."""
    results = Results(config)
    store = _Store(ann_dir, reuse, force)
    for seed in config.seeds:
        _run_seed(config, seed, results, progress, store)
    return results


@dataclass(frozen=True)
class _Store:
    """Where trained ANNs are saved or loaded from (nowhere if ``directory`` is None)."""

    directory: Path | None
    reuse: bool
    force: bool

    def get(self, name: str, meta: dict, train) -> Sequential:
        """The ANN ``name``: loaded (``reuse`` and its file exists), else ``train()``ed and
        saved."""
        path = None if self.directory is None else self.directory / f"{name}.npz"
        if path is not None and self.reuse and path.exists():
            net, saved = anns.load(path)
            if saved != meta:
                raise ValueError(f"reuse: {path} was trained with other settings: "
                                 f"{saved} != {meta}")
            return net
        net = train()
        if path is not None:
            anns.save(path, net, meta, force=self.force)
        return net


def _run_seed(config: Config, seed: int, results: Results, progress: bool,
              store: _Store) -> None:
    dataset = datasets.load(config.data, seed=seed)
    dtype = np.dtype(config.dtype)
    x_train, x_test = dataset.x_train.astype(dtype), dataset.x_test.astype(dtype)
    streams = np.random.SeedSequence(seed).spawn(3)  # ANN init, ANN order, CTT order
    methods = [METHODS[name] for name in config.methods]
    kinds = {m.ann_kind for m in methods}
    cache: dict[tuple, Sequential] = {}

    def trained(kind: tuple, steps: int) -> Sequential:
        key = _ann_key(kind, steps)
        if key not in cache:
            activation = anns.Activation(kind[0], steps, levels_for(steps, config.ceiling),
                                         kind[1])
            cache[key] = _ann(config, dataset, activation, x_train, streams, key, seed, store,
                              progress)
            accuracy = _accuracy(anns.predict(cache[key], x_test), dataset.y_test)
            results.add("ann", ANN_NAMES[kind], 0 if kind[0] == "relu" else steps, accuracy)
        return cache[key]

    bar = tqdm(total=len(config.steps) * len(methods), desc=f"seed {seed}",
               disable=not progress, leave=False)
    for steps in config.steps:
        for kind in sorted(kinds):
            trained(kind, steps)
        for name, method in zip(config.methods, methods, strict=True):
            ann = trained(method.ann_kind, steps)
            snn = _convert(config, method, ann, x_train, steps, streams[2])
            results.add("snn", name, steps, _accuracy(logits(snn, x_test, steps),
                                                       dataset.y_test))
            bar.update()
    bar.close()


def _ann(config: Config, dataset: datasets.Dataset, activation: anns.Activation,
         x_train: np.ndarray, streams: list, key: tuple, seed: int, store: _Store,
         progress: bool) -> Sequential:
    """A trained ANN: initialised and shuffled from the seed's streams (the same draws for
    every ANN of a seed, so that they differ only in their activation), or loaded."""
    size = {"hidden": config.hidden} if config.model == "mlp" else \
        {"channels": config.channels, "pool_every": config.pool_every}
    training = anns.Training(config.epochs, config.batch, config.lr)
    meta = anns.describe(config.model, dataset.shape, dataset.classes, activation, size,
                         config.dtype, training, seed)
    meta["data"] = config.data
    name = _ann_name(config, key, seed)

    def fresh() -> Sequential:
        net = anns.MODELS[config.model](dataset.shape, dataset.classes, activation,
                                        rng=np.random.default_rng(streams[0]),
                                        dtype=np.dtype(config.dtype), **size)
        return anns.train(net, x_train, dataset.y_train, training,
                          rng=np.random.default_rng(streams[1]), progress=progress,
                          desc=f"training {name}")
    return store.get(name, meta, fresh)


def _ann_key(kind: tuple, steps: int) -> tuple:
    """Which ANN a method of ``kind`` uses at ``steps``: the ReLU one is shared by every T."""
    return kind if kind[0] == "relu" else (*kind, steps)


def _ann_name(config: Config, key: tuple, seed: int) -> str:
    """The name (and file stem) of the ANN of ``key``: ``("relu", False)`` or ``(kind, ice,
    steps)``."""
    variant = "relu" if key[0] == "relu" else f"cq{'-ice' if key[1] else ''}-T{key[2]}"
    return f"{config.data}-{config.model}-{variant}-seed{seed}"


def ann_files(config: Config) -> list[str]:
    """The file names of every ANN :func:`run` trains (and saves in ``ann_dir``)."""
    kinds = {METHODS[name].ann_kind for name in config.methods}
    keys = {_ann_key(kind, steps) for kind in kinds for steps in config.steps}
    return sorted(f"{_ann_name(config, key, seed)}.npz" for key in keys for seed in config.seeds)


def _convert(config: Config, method: Method, ann: Sequential, x_train: np.ndarray,
             steps: int, ctt_stream: np.random.SeedSequence) -> Sequential:
    """The SNN of ``ann`` by ``method`` (tuned with CTT if the method says so)."""
    calibration = x_train[:2000]
    scales = activation_scales(ann, calibration, normalization=method.normalization,
                               percentile=config.percentile)
    snn = convert(ann, scales, asg=method.asg, tau=config.tau)
    if method.ctt:
        reference = convert(ann, scales, asg=True, tau=config.tau)
        tune_thresholds(snn, reference, x_train, steps, rate=config.ctt_rate,
                        epochs=config.ctt_epochs, rng=np.random.default_rng(ctt_stream))
    return snn


def _accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(scores.argmax(axis=1) == labels))

