"""MT-SNN (Wang & Zhang, arXiv 2303.11127 v2): K thresholds, parallel or cascaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from refsnn import validation
from refsnn.neurons.kinds import mtsnn
from refsnn.neurons.wrapped import WrappedNeuron

MODES = ("parallel", "cascade")


@dataclass(frozen=True, kw_only=True)
class MTNeuron(WrappedNeuron):
    """A neuron with K thresholds, each emitting a binary spike scaled by a fixed amplitude; the
    emitted value is their sum: the charge of ``neuron`` and the MT-SNN spike
    (refsnn.neurons.kinds.mtsnn: equations, sources, choices). Parameters, besides ``neuron``
    (``WrappedNeuron``; its ``v_threshold`` is the base threshold V):

    - ``mode``: ``"parallel"`` (every threshold sees the charged membrane) or ``"cascade"``
      (each sees the residual of the previous one). Default ``"parallel"``.
    - ``thresholds``: K >= 1 ratios rho_i > 0, finite (strictly descending in cascade mode);
      the thresholds are ``rho_i V``. Default ``(0.5, 1.0)``.
    - ``amplitudes``: K ratios c_i > 0, finite, one per threshold; the amplitudes are
      ``c_i V``. Default ``(0.5, 0.5)``.
    - ``neuron``: a hard ``v_reset`` must lie below the lowest threshold.

    Backward returns ``params["v_threshold"]`` and the charge's (``tau`` or ``w``).
    """

    mode: str = "parallel"
    thresholds: tuple[float, ...] = (0.5, 1.0)
    amplitudes: tuple[float, ...] = (0.5, 0.5)

    kind = mtsnn

    def __post_init__(self) -> None:
        super().__post_init__()
        validation.choice("mode", self.mode, MODES)
        thresholds = _ratios("thresholds", self.thresholds)
        amplitudes = _ratios("amplitudes", self.amplitudes)
        if len(amplitudes) != len(thresholds):
            raise ValueError(f"amplitudes: expected K = {len(thresholds)} ratios (one per "
                             f"threshold), got {len(amplitudes)}")
        if self.mode == "cascade" and any(b >= a for a, b in pairwise(thresholds)):
            raise ValueError("thresholds: expected strictly descending ratios in cascade mode "
                             f"(visited from high to low), got {thresholds}")
        self._set("thresholds", thresholds)
        self._set("amplitudes", amplitudes)
        with np.errstate(over="ignore"):  # finite ratios times a finite V can overflow
            for name, ratios in (("thresholds", thresholds), ("amplitudes", amplitudes)):
                validation.representable(f"{name} * v_threshold",
                                         np.array(ratios) * self.neuron.v_threshold, np.inf)
        v_reset, lowest = self.neuron.v_reset, min(thresholds) * self.neuron.v_threshold
        if v_reset is not None and v_reset >= lowest:
            raise ValueError(f"neuron.v_reset: expected a value < the lowest threshold "
                             f"min(thresholds) * v_threshold = {lowest}, got {v_reset}")

    @classmethod
    def parallel(cls, neuron: object, levels: int) -> MTNeuron:
        """K = ``levels`` uniform thresholds ``rho_i = i/K`` with amplitudes ``c_i = 1/K``: O is
        (V/K) times the number of thresholds reached, ``O = (V/K) clip(floor(K H / V), 0, K)``
        with ">=", K+1 uniform levels in [0, V] (a thermometer code)."""
        k = validation.integer("levels", levels, minimum=1)
        return cls(neuron=neuron, mode="parallel", thresholds=tuple(i / k for i in range(1, k + 1)),
                   amplitudes=(1.0 / k,) * k)

    @classmethod
    def cascade(cls, neuron: object, levels: int) -> MTNeuron:
        """K = ``levels`` cascaded thresholds ``rho_i = c_i = 2^-(i-1)`` (V, V/2, ...,
        V/2^(K-1)), each emitting its own value: the greedy binary expansion of H, ``O =
        lambda min(floor(H / lambda), 2^K - 1)`` for H >= 0 with ">=" (0 below lambda),
        ``lambda = V / 2^(K-1)``, 2^K uniform levels in [0, (2 - lambda/V) V] from K binary
        spikes. As every ``c_i <= rho_i``, it never emits more than the membrane holds:
        0 <= O <= max(H, 0)."""
        k = validation.integer("levels", levels, minimum=1)
        ratios = tuple(2.0 ** -i for i in range(k))
        return cls(neuron=neuron, mode="cascade", thresholds=ratios, amplitudes=ratios)

    @property
    def levels(self) -> int:
        """K, the number of thresholds."""
        return len(self.thresholds)

    def kind_params(self, dtype: np.dtype) -> mtsnn.Params:
        dtype = np.dtype(dtype)
        v = self.neuron.v_threshold
        rho = np.array(self.thresholds, dtype=np.float64)
        c = np.array(self.amplitudes, dtype=np.float64)
        amplitudes = (c * v).astype(dtype)
        return mtsnn.Params(**self.neuron.spike_fields(dtype), thresholds=(rho * v).astype(dtype),
                         amplitudes=amplitudes, threshold_ratios=rho.astype(dtype),
                         amplitude_ratios=c.astype(dtype), a_min=amplitudes.min(),
                         cascade=self.mode == "cascade")


def _ratios(name: str, value: object) -> tuple[float, ...]:
    """A non-empty tuple of positive finite floats from a tuple, list or 1-D array."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(f"{name}: expected a 1-D sequence of ratios, got an array of shape "
                             f"{value.shape}")
        value = value.tolist()
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(f"{name}: expected a tuple of K >= 1 positive ratios, got "
                         f"{type(value).__name__} {value!r}")
    if len(value) == 0:
        raise ValueError(f"{name}: expected a tuple of K >= 1 positive ratios, got ()")
    return tuple(validation.real_scalar(f"{name}[{i}]", r, minimum=0.0, inclusive=False)
                 for i, r in enumerate(value))
