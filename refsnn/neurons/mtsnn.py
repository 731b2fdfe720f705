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
    emitted value is their sum. Two modes differ in what each threshold compares.

    With the charge of ``neuron`` (IF, LIF or PLIF), the base threshold ``V = neuron.v_threshold``,
    the ratios ``rho_i = thresholds[i]`` and ``c_i = amplitudes[i]`` (i = 1..K), the absolute
    thresholds ``theta_i = rho_i V`` and amplitudes ``a_i = c_i V``, per step, in this order:

        H[t] = charge(V[t-1], X[t])                                      (V[-1] = v0)
        parallel:  s_i = step(H[t] - theta_i)                            (the same H for all)
        cascade:   r_1 = H[t];  s_i = step(r_i - theta_i);  r_(i+1) = r_i - a_i s_i
                   (i = 1..K in the given order, thresholds strictly descending: high to low)
        O[t] = sum_i a_i s_i                     (the emitted spike; cascade: = H[t] - r_(K+1))
        V[t] = H[t] - O[t]                                    (soft: neuron.v_reset is None)
        V[t] = f v_reset + (1 - f) H[t],  f = min(O[t] / a_min, 1),  a_min = min_i a_i   (hard)

    ``step(u)`` is 1 iff ``u >= 0`` (``neuron.compare == ">="``) or ``u > 0`` (``">"``). The soft
    reset subtracts what was emitted (in cascade mode the membrane keeps the final residual
    ``r_(K+1)``); the hard reset sets ``v_reset`` iff any threshold fired (``f`` is 0 or 1 in the
    forward pass, since a fired O is at least a_min). The thresholds and amplitudes are the
    float64 products ``rho_i V``, ``c_i V`` rounded once to the input dtype; O and the cascade's
    residuals are accumulated in float64 (see refsnn/neurons/kinds/mtsnn.py).

    The two standard families (classmethods):

    :meth:`parallel` (``levels=K``): ``rho_i = i/K``, ``c_i = 1/K``. O = (V/K) times the number
        of thresholds reached: ``O = (V/K) clip(floor(K H / V), 0, K)`` with ">=", K+1 uniform
        levels in [0, V] (a thermometer code).
    :meth:`cascade` (``levels=K``): ``rho_i = c_i = 2^-(i-1)`` (V, V/2, ..., V/2^(K-1)), visited
        high to low: the greedy binary expansion of H, ``O = lambda min(floor(H / lambda),
        2^K - 1)`` for H >= 0 with ">=" (0 below lambda), ``lambda = V / 2^(K-1)``: 2^K uniform
        levels in [0, (2 - lambda/V) V] from K binary spikes. When every ``c_i <= rho_i`` (as
        here) a cascade never emits more than the membrane holds: 0 <= O <= max(H, 0).

    With K = 1, ``thresholds=(1,)``, ``amplitudes=(1,)``, both modes are ``neuron`` itself with
    its spike scaled by V: ``O = V S``, and H and V are the same bit for bit.

    BPTT (refsnn.neurons.reference), with ``g(u) = neuron.surrogate(u)`` at every threshold;
    here V is the base threshold and V' = V[t] the membrane after the reset:

        parallel: dO/dH = sum_i a_i g(H - theta_i)
        cascade:  the residual chain, attached: D_1 = 1, ds_i/dH = g(r_i - theta_i) D_i,
                  D_(i+1) = D_i - a_i ds_i/dH, dO/dH = sum_i a_i ds_i/dH
        reset:    soft dV'/dH = 1, dV'/dO = -1; hard dV'/dH = 1 - f,
                  dV'/dO = (v_reset - H) 1[O <= a_min] / a_min   (slope 1 at the kink
                  O = a_min, so that K = 1 is the binary neuron's dV'/dS = v_reset - H at S = 1)
        dL/dV (``params["v_threshold"]``): every theta_i and a_i scales with V:
                  parallel dO/dV = sum_i [c_i s_i - a_i rho_i g(H - theta_i)];
                  cascade E_1 = 0, ds_i/dV = g(r_i - theta_i)(E_i - rho_i),
                  E_(i+1) = E_i - c_i s_i - a_i ds_i/dV, dO/dV = sum_i (c_i s_i + a_i ds_i/dV)
                  (sum_i c_i s_i = O/V). A hard reset also depends on V through a_min = c_min V:
                  dV'/dV = -(v_reset - H)(O/a_min)/V 1[O <= a_min] at fixed H and O, which
                  cancels dV'/dO times O/V exactly (f = sum_i c_i s_i / c_min does not depend
                  on V at fixed s_i), so the reset carries only the thresholds' part of dO/dV.

    The cascade's residuals are recomputed from H in backward with the forward pass's own
    comparisons (the hard steps). The smooth test mode (``forward(..., smooth=True)``) replaces
    every step by the surrogate's primitive phi, inside the cascade's chain too; in parallel
    mode (and for K = 1) BPTT is its exact derivative. For a cascade with K >= 2 it is not:
    the smooth run's derivative is the same chain at the smooth residuals, which a spike kind
    cannot recompute (it receives H and O, not phi); BPTT of the cascade is instead the exact
    derivative of the run linearised at the forward pass's decisions (each step(u) replaced by
    step(u0) + phi(u) - phi(u0) around the evaluated point), which is how it is tested.
    ``detach_reset`` makes the binary spikes s_i constants in the reset, which still sees V
    through the amplitudes, ``O = V sum_i c_i s_i``, as the binary neuron's soft reset
    ``H - S v_threshold`` still sees its threshold (soft: dV'/dV = -O/V; hard: f is then
    constant). Backward returns ``params["v_threshold"]`` and the charge's (``tau`` or ``w``);
    the ratios are fixed.

    Multiplication-free: the next layer computes ``W O = sum_i a_i (W s_i)``: K accumulations of
    binary events with pre-scaled weights ``a_i W`` (stored once), or, when the amplitudes are
    powers of two (:meth:`cascade`; :meth:`parallel` with K a power of two), of ``W`` shifted by
    ``log2(c_i)`` with V folded into W. No multiplication by a multi-bit activation is needed.

    Sources. Primary: X. Wang, Y. Zhang, "MT-SNN: Enhance Spiking Neural Network with Multiple
    Thresholds", arXiv 2303.11127 v2 (2023); only the abstract was reachable
    (arxiv.org/abs/2303.11127). From it: multiple thresholds per neuron, a PLIF-based
    headline model (use ``neuron=PLIF(...)``), two modes, parallel and cascade, that "differ in
    the membrane update rule", training on GPUs/TPUs, and that the multiplication-free property
    is kept. Nothing else is the paper's: the paper's equations were not reachable, and every
    equation above is refsnn's choice. Secondary descriptions of cascaded thresholds (not of
    MT-SNN) that the cascade follows: the H-MT "basal neuron" (AAAI 2026; thresholds
    ``theta/2^(i-1)``, residual ``m_(i+1) = m_i - lambda_i s_i``, output ``sum lambda_i s_i``)
    and Adaptive Fission (Jiang et al., Def. 4.5: descending thresholds whose residual
    propagates to the lower ones; powers of two give 2^k levels). H-MT also groups Wang & Zhang
    2023 with designs that split one threshold into n equal segments (n+1 output values), which
    :meth:`parallel` follows.

    Choices, and why:
    - Thresholds and amplitudes are ratios of ``neuron.v_threshold``, so V stays the one
      learnable threshold (as for the base neuron) and K = 1 with ratio 1 is the base neuron.
    - Parallel: every threshold sees the same H (the plain reading of "parallel"); cascade: each
      sees the residual left by the previous one (the secondary sources' cascade).
    - O = sum a_i s_i: a sum of binary spikes with fixed amplitudes, so the multiplication-free
      form above holds exactly.
    - Soft reset subtracts O (charge conservation: for IF from v0 = 0, sum X = V[T-1] + sum O);
      hard reset by ``f = min(O / a_min, 1)``: v_reset iff anything fired, and, being a
      function of O, differentiable through O like the binary neuron's ``S v_reset +
      (1 - S) H``, of which it is the K = 1 case.
    - The surrogate: the base neuron's, at every threshold (the paper's is unknown); the
      cascade's gradient flows through the residuals (attached; detaching it is not offered).
    - The initial membrane is the base neuron's (``v0`` default: its rest potential), not
      H-MT's ``lambda_min / 2``.
    - A hard ``v_reset`` must lie below the lowest threshold (the base neuron requires
      ``v_reset < v_threshold`` for the same reason: a reset membrane must not fire again
      without input).
    - Defaults: ``mode="parallel"``, ``thresholds=(0.5, 1.0)``, ``amplitudes=(0.5, 0.5)``, i.e.
      ``parallel(neuron, levels=2)``, the smallest multi-threshold case; the paper's K and values
      are unknown.

    neuron: an IF, LIF or PLIF (see WrappedNeuron): charge, ``v_threshold`` (V), ``v_reset``,
        ``compare``, ``surrogate``, ``detach_reset``.
    mode: ``"parallel"`` or ``"cascade"``.
    thresholds: K >= 1 ratios rho_i > 0, finite (strictly descending in cascade mode).
    amplitudes: K ratios c_i > 0, finite, one per threshold.
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
        """K = ``levels`` uniform thresholds ``i V / K`` with amplitude ``V / K`` each."""
        k = validation.integer("levels", levels, minimum=1)
        return cls(neuron=neuron, mode="parallel", thresholds=tuple(i / k for i in range(1, k + 1)),
                   amplitudes=(1.0 / k,) * k)

    @classmethod
    def cascade(cls, neuron: object, levels: int) -> MTNeuron:
        """K = ``levels`` cascaded thresholds ``V / 2^(i-1)``, each emitting its own value."""
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
