"""The network conformance cases: two architectures x neuron specs x two kinds of draw.

Architectures (:data:`ARCHITECTURES`), on a run ``x[T, B, ...]``:

    mlp   x[8, 4, 16] -> Linear(16, 12) -> neuron -> Linear(12, 6) -> neuron
    conv  x[6, 2, 2, 8, 8] -> Conv2d(2, 4, 3, padding=1) -> BatchNorm(4) (inference) -> neuron
          -> AvgPool2d(2) -> Flatten -> Linear(64, 5)

A case id reads ``net-<arch>-<neuron>-f64/<draw>/<seed>``, e.g.
``net-mlp-lif-decay-soft-ge-f64/dyadic/0``, the neuron part as in refsnn.cases.conformance
(model, charge form, reset, compare, ``-detached``, ``~surrogate``). Two kinds of draw decide how
a weight product that could move a membrane across a threshold by rounding is handled:

- ``dyadic``: inputs, weights, biases and BatchNorm's statistics are multiples of powers of two
  (``x`` of 1/4, weights of 1/16, ``var + eps`` in {1/4, 1, 4} with ``eps = 2^-8``) and the leak
  rates 0 or 1/2, so every product, sum, normalisation, pooling and membrane is exact in float64
  whatever the order of operations. The draw is kept only if some membrane lies *exactly* on a
  threshold: the compare convention is tested through the whole network, and spikes must agree
  exactly.
- ``random``: real-valued draws (weights ~ U(-2, 2)/sqrt(fan_in), BatchNorm's default ``eps``).
  A matrix product summed in another order (another BLAS, a convolution algorithm) moves a
  current by ~1e-15; the draw is kept only if no spike would change when every membrane moves
  by ``MARGIN`` (1e-9 relative) in either direction, so spikes must still agree exactly.

Every draw is also kept only if every spiking layer emits two spike values or more. The draws
use PCG64's raw stream (refsnn.cases.inputs), seeded by the case's stem and attempt, so a case
is the same on every NumPy. ``surrogate`` defaults to ``sigmoid(4)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from refsnn.cases.inputs import seed, uniform
from refsnn.conformance import networks
from refsnn.golden import tolerances
from refsnn.neurons import IF, LIF, PLIF, MultiThreshold, Neuron, Ternary
from refsnn.surrogates import Arctan

MARGIN = 1e-9
"""The smallest distance, relative to ``max(1, max |h|)``, from a membrane of a random draw to
any threshold (module docstring)."""
ATTEMPTS = 100
EPS_DYADIC = 2.0**-8  # BatchNorm's eps in the dyadic draws: var + eps is exact


class NetworkInputs(NamedTuple):
    """A case's network (weights included), its input run and the upstream gradient."""

    network: networks.Network
    x: np.ndarray
    grad_out: np.ndarray


class Drawer:
    """Values from one PCG64 stream: ``real`` uniform in [low, high), ``dyadic`` the same
    rounded down to multiples of ``1/quantum``."""

    def __init__(self, stem: str, attempt: int, dyadic: bool) -> None:
        self.bits, self.dyadic = np.random.PCG64(seed(stem, attempt)), dyadic

    def __call__(self, low: float, high: float, shape: tuple, quantum: float) -> np.ndarray:
        values = uniform(self.bits, low, high, shape)
        return np.floor(values * quantum) / quantum if self.dyadic else values


def _weights(draw: Drawer, shape: tuple, scale: float = 1.0) -> np.ndarray:
    bound = 2.0 / np.sqrt(np.prod(shape[1:]))
    return scale * draw(-bound, bound, shape, 16.0)


def _input_scale(neuron: Neuron) -> float:
    """``1 / (dH/dX)``: 1, or ``tau`` with ``decay_input`` (a power of two in the dyadic
    cases), so that every charge form sees a similar drive."""
    k, _, decay_input = neuron.charge_params()
    return 1.0 / float(k) if decay_input else 1.0


def _mlp(draw: Drawer, neuron: Neuron) -> tuple[networks.Network, tuple]:
    scale = _input_scale(neuron)
    layers = (networks.Linear(_weights(draw, (12, 16), scale),
                              scale * draw(0.0, 0.5, (12,), 16.0)),
              networks.Spiking(neuron),
              networks.Linear(_weights(draw, (6, 12), scale),
                              scale * draw(0.25, 0.75, (6,), 16.0)),
              networks.Spiking(neuron))
    return networks.Network(layers, (16,)), (8, 4, 16)


def _batchnorm(draw: Drawer, channels: int, scale: float) -> networks.BatchNorm:
    if draw.dyadic:  # var + eps exactly 1/4, 1 or 4
        eps = EPS_DYADIC
        var = 4.0 ** np.floor(uniform(draw.bits, -1.0, 2.0, (channels,))) - eps
    else:
        eps, var = 1e-5, draw(0.5, 2.0, (channels,), 1.0)
    return networks.BatchNorm(gamma=scale * draw(0.5, 1.5, (channels,), 4.0),
                              beta=scale * draw(0.0, 0.5, (channels,), 8.0),
                              running_mean=draw(-0.25, 0.25, (channels,), 8.0),
                              running_var=var, eps=eps)


def _conv(draw: Drawer, neuron: Neuron) -> tuple[networks.Network, tuple]:
    layers = (networks.Conv2d(_weights(draw, (4, 2, 3, 3)), draw(0.0, 0.25, (4,), 16.0),
                              padding=1),
              _batchnorm(draw, 4, _input_scale(neuron)), networks.Spiking(neuron),
              networks.AvgPool2d(2), networks.Flatten(),
              networks.Linear(_weights(draw, (5, 64)), draw(-0.25, 0.25, (5,), 16.0)))
    return networks.Network(layers, (2, 8, 8)), (6, 2, 2, 8, 8)


ARCHITECTURES: dict[str, Callable[[Drawer, Neuron], tuple]] = {"mlp": _mlp, "conv": _conv}


class NetworkCase(NamedTuple):
    """One network case: an architecture, a neuron spec for its spiking layers, a draw."""

    id: str
    architecture: str
    neuron: Neuron
    draw: str  # "dyadic" or "random"
    seed: int

    def data(self) -> NetworkInputs:
        return draw_inputs(self.id.split("/")[0], self.architecture, self.neuron,
                           self.draw, self.seed)


@functools.cache
def draw_inputs(stem: str, architecture: str, neuron: Neuron, kind: str,
                seed_: int) -> NetworkInputs:
    """The first accepted draw (module docstring) for this case."""
    for attempt in range(ATTEMPTS):
        draw = Drawer(f"{stem}/{kind}/{seed_}", attempt, kind == "dyadic")
        network, shape = ARCHITECTURES[architecture](draw, neuron)
        x = draw(-0.5, 1.5, shape, 4.0)
        grad_out = uniform(draw.bits, -1.0, 1.0, (*shape[:2], *_output_shape(network)))
        if accepted(network, x, grad_out, exact=kind == "dyadic"):
            x.flags.writeable = grad_out.flags.writeable = False  # cached: shared by every run
            return NetworkInputs(network, x, grad_out)
    raise RuntimeError(f"{stem}/{kind}/{seed_}: no accepted draw in {ATTEMPTS} attempts")


def _output_shape(network: networks.Network) -> tuple:
    """The output of both architectures: the last Linear's features (maybe spiking)."""
    last = next(layer for layer in reversed(network.layers)
                if isinstance(layer, networks.Linear))
    return (last.weight.shape[0],)


def accepted(network: networks.Network, x: np.ndarray, grad_out: np.ndarray, *,
             exact: bool) -> bool:
    """Every spiking layer varied; ``exact``: some membrane on a threshold; otherwise no
    membrane within MARGIN of one."""
    result = networks.run(network, x, grad_out)
    traces = [{"h": result.h[i], "spikes": result.outputs[f"spikes_{i}"]}
              for i in network.neurons()]
    if any(np.unique(trace["spikes"]).size < 2 for trace in traces):
        return False
    neurons = list(network.neurons().values())
    if exact:
        return any(tolerances.on_threshold(n, t) for n, t in zip(neurons, traces, strict=True))
    return all(tolerances.spikes_stable(n, t, MARGIN * max(1.0, float(np.abs(t["h"]).max())))
               for n, t in zip(neurons, traces, strict=True))


ARCTAN = Arctan(alpha=2.0)
NEURONS: dict[str, Neuron] = {
    "if-hard-ge": IF(),
    "if-hard-gt": IF(compare=">"),
    "if-soft-ge": IF(v_reset=None),
    "lif-decay-soft-ge": LIF(tau=2.0, v_reset=None),
    "lif-decay-hard-gt": LIF(tau=2.0, compare=">"),
    "lif-decay-hard-ge": LIF(tau=2.0),
    "lif-decay-hard-ge-detached": LIF(tau=2.0, detach_reset=True),
    "lif-decay-soft-gt": LIF(tau=2.0, v_reset=None, compare=">"),
    "lif-nodecay-soft-gt": LIF(tau=2.0, decay_input=False, v_reset=None, compare=">"),
    "lif-nodecay-soft-gt~arctan(2)": LIF(tau=2.0, decay_input=False, v_reset=None,
                                         compare=">", surrogate=ARCTAN),
    "lif-nodecay-hard-ge~arctan(2)": LIF(tau=2.0, decay_input=False, surrogate=ARCTAN),
    "lif-nodecay-hard-gt": LIF(tau=4.0, decay_input=False, compare=">"),
    "plif-decay-soft-ge": PLIF(w=0.3, v_reset=None),
    "plif-decay-hard-gt": PLIF(w=-0.4, compare=">"),
    "plif-nodecay-soft-gt": PLIF(w=0.2, decay_input=False, v_reset=None, compare=">"),
    "ternary-if-soft-ge": Ternary(neuron=IF(v_reset=None)),
    "multithreshold-lif-decay-hard-ge": MultiThreshold(neuron=LIF(tau=2.0), levels=3),
}
"""The neuron specs by id part: each peer expresses some (SpikingJelly ``ge``; snnTorch ``gt``
without ``decay``; Norse ``gt`` with ``decay`` or an IF with a hard reset); the multi-bit ones
are refsnn's (and SpikingJelly's ternary). Leak rates of the dyadic cases are 0 or 1/2."""

TABLE = (  # (architecture, neuron id, draw)
    ("mlp", "if-hard-ge", "dyadic"), ("mlp", "if-hard-gt", "dyadic"),
    ("mlp", "lif-decay-soft-ge", "dyadic"), ("mlp", "lif-decay-hard-gt", "dyadic"),
    ("mlp", "lif-nodecay-soft-gt", "dyadic"), ("mlp", "lif-nodecay-hard-ge~arctan(2)", "dyadic"),
    ("mlp", "ternary-if-soft-ge", "dyadic"), ("mlp", "multithreshold-lif-decay-hard-ge", "dyadic"),
    ("mlp", "lif-decay-soft-ge", "random"), ("mlp", "lif-decay-hard-ge-detached", "random"),
    ("mlp", "lif-nodecay-hard-gt", "random"), ("mlp", "lif-nodecay-soft-gt~arctan(2)", "random"),
    ("mlp", "plif-decay-soft-ge", "random"), ("mlp", "plif-decay-hard-gt", "random"),
    ("mlp", "plif-nodecay-soft-gt", "random"),
    ("conv", "if-soft-ge", "dyadic"), ("conv", "lif-nodecay-soft-gt", "dyadic"),
    ("conv", "lif-decay-hard-gt", "dyadic"), ("conv", "lif-decay-hard-ge", "random"),
    ("conv", "lif-nodecay-hard-gt", "random"), ("conv", "lif-decay-soft-gt", "random"),
)

NETWORK_CASES: tuple[NetworkCase, ...] = tuple(
    NetworkCase(f"net-{arch}-{name}-f64/{draw}/0", arch, NEURONS[name], draw, 0)
    for arch, name, draw in TABLE)
"""Every network case, in report order."""

NETWORK_IDS = tuple(case.id for case in NETWORK_CASES)
