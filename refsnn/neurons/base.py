"""What every single-threshold spiking neuron shares: parameters, the multi-step API, dispatch.

A neuron is an immutable, validated parameter record (a frozen dataclass). Its
:meth:`SpikingNeuron.forward` runs ``x[T, ...]`` through ``T`` steps of

    charge:  H[t] = charge(V[t-1], X[t])            (the subclass's equation)
    fire:    S[t] = Heaviside(H[t] - v_threshold)   (>= or >, the ``compare`` parameter)
    reset:   V[t] = H[t] - S[t] v_threshold          (soft, ``v_reset=None``)
             V[t] = S[t] v_reset + (1 - S[t]) H[t]   (hard, ``v_reset`` a number)

from ``V[-1] = v0``, in that order (SpikingJelly's ``neuronal_charge`` -> ``neuronal_fire`` ->
``neuronal_reset``, activation_based/neuron/base_node.py). :meth:`SpikingNeuron.backward` is
backpropagation through time of the same steps with ``dS/dH`` replaced by the surrogate.

Two interchangeable backends compute both: ``"numpy"``, the plain reference loop that is the
specification (:mod:`refsnn.neurons.reference`), and ``"numba"``, fused kernels that must agree
with it (:mod:`refsnn.neurons.kernels`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from refsnn import validation
from refsnn.surrogates import Sigmoid, Surrogate

BACKENDS = {"numpy": "refsnn.neurons.reference", "numba": "refsnn.neurons.kernels"}
"""Backend name -> module with ``forward(x, v0, dynamics, smooth)`` and ``backward(...)``."""


class Dynamics(NamedTuple):
    """The scalars one run needs, already cast to the input's dtype."""

    k: np.floating  # leak rate 1/tau (0 for IF)
    v_rest: np.floating  # v_reset (hard reset), or 0 (soft): the leak pulls towards it
    decay_input: bool
    v_threshold: np.floating
    soft: bool
    fire_at_zero: bool  # Heaviside(0) = 1, i.e. compare == ">="
    surrogate: Surrogate
    detach_reset: bool


@dataclass(frozen=True, eq=False)
class Trace:
    """The result of a forward pass; every array is ``[T, ...]`` like ``x`` except ``v0``."""

    x: np.ndarray  # the input (not copied)
    v0: np.ndarray  # the initial membrane, broadcast to the neuron shape x.shape[1:]
    spikes: np.ndarray  # S[t]
    h: np.ndarray  # membrane after charge, before reset
    v: np.ndarray  # membrane after reset


@dataclass(frozen=True, eq=False)
class Gradients:
    """dL/d(everything) from :meth:`SpikingNeuron.backward`."""

    x: np.ndarray  # [T, ...], x's dtype
    v0: np.ndarray  # neuron shape, one per neuron
    v_threshold: float
    params: dict[str, float]  # the model's own parameters: {"tau": ...}, {"w": ...} or {}


@dataclass(frozen=True, kw_only=True)
class SpikingNeuron:
    """Parameters shared by IF, LIF and PLIF (defaults: SpikingJelly 2.0.0's ``BaseNode``).

    v_threshold: firing threshold, > 0. Default 1.0.
    v_reset: hard reset to this value (must be < v_threshold); ``None`` selects the soft reset
        ``V = H - S v_threshold``. Default 0.0 (hard).
    detach_reset: if True the reset does not carry gradient (``S`` is a constant in it), as in
        snnTorch and Norse's recurrent cells; SpikingJelly's default is False.
    compare: ``">="`` fires when ``H - v_threshold >= 0`` (SpikingJelly), ``">"`` only above it
        (snnTorch, Norse, NIR). Default ``">="``.
    surrogate: the derivative used for ``dS/dH`` in backward. Default ``Sigmoid(alpha=4)``
        (SpikingJelly's default).
    """

    v_threshold: float = 1.0
    v_reset: float | None = 0.0
    detach_reset: bool = False
    compare: str = ">="
    surrogate: Surrogate = field(default_factory=lambda: Sigmoid(alpha=4.0))

    def __post_init__(self) -> None:
        v_threshold = validation.real_scalar("v_threshold", self.v_threshold, minimum=0.0,
                                             inclusive=False)
        self._set("v_threshold", v_threshold)
        if self.v_reset is not None:
            self._set("v_reset", validation.real_scalar("v_reset", self.v_reset))
            if self.v_reset >= v_threshold:
                raise ValueError(f"v_reset: expected a value < v_threshold = {v_threshold}, "
                                 f"got {self.v_reset}")
        self._set("detach_reset", validation.flag("detach_reset", self.detach_reset))
        validation.choice("compare", self.compare, (">=", ">"))
        if not isinstance(self.surrogate, Surrogate):
            raise ValueError("surrogate: expected a refsnn.surrogates.Surrogate, "
                             f"got {type(self.surrogate).__name__}")

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    # --- what a model defines ---------------------------------------------------------------

    # A model also has ``decay_input``: whether its charge scales the input by ``k``.

    def leak_rate(self) -> float:
        """``k = 1/tau`` in the charge equation; 0 means no leak."""
        raise NotImplementedError

    def leak_rate_gradient(self, grad_k: float) -> dict[str, float]:
        """Map dL/dk onto the model's own parameters (the chain rule through ``k``)."""
        raise NotImplementedError

    # --- the public API -----------------------------------------------------------------------

    @property
    def rest_potential(self) -> float:
        """The default initial membrane: ``v_reset``, or 0 with a soft reset (SpikingJelly)."""
        return 0.0 if self.v_reset is None else self.v_reset

    def dynamics(self, dtype: np.dtype) -> Dynamics:
        """The run's scalars, cast to ``dtype`` so float32 inputs are computed in float32."""
        cast = np.dtype(dtype).type
        soft = self.v_reset is None
        return Dynamics(k=cast(self.leak_rate()), v_rest=cast(self.rest_potential),
                        decay_input=self.decay_input, v_threshold=cast(self.v_threshold),
                        soft=soft,
                        fire_at_zero=self.compare == ">=", surrogate=self.surrogate,
                        detach_reset=self.detach_reset)

    def forward(self, x: np.ndarray, v0: object = None, *, backend: str = "numba",
                smooth: bool = False) -> Trace:
        """Run ``x[T, ...]`` (float32 or float64) for T steps from the membrane ``v0``.

        ``v0``: scalar or array broadcastable to ``x.shape[1:]``; ``None`` = ``rest_potential``.
        ``smooth=True`` (``backend="numpy"`` only) fires ``S = surrogate.primitive(H - v_th)``
        instead of the step, making the whole run differentiable; this test mode is how the
        BPTT gradients are checked against finite differences.
        """
        x = validation.time_series("x", x)
        v0 = validation.state("v0", self.rest_potential if v0 is None else v0, x.shape[1:],
                              x.dtype)
        module = _backend(backend)
        if validation.flag("smooth", smooth) and backend != "numpy":
            raise ValueError(f"smooth: expected False with backend={backend!r} (the smooth "
                             "test mode is implemented by the NumPy reference only), got True")
        spikes, h, v = module.forward(x, v0, self.dynamics(x.dtype), smooth)
        return Trace(x=x, v0=v0, spikes=spikes, h=h, v=v)

    def backward(self, trace: Trace, grad_spikes: np.ndarray, grad_v: np.ndarray | None = None,
                 *, backend: str = "numba") -> Gradients:
        """Backpropagate ``dL/dS[t]`` (and optionally ``dL/dV[t]``) through a forward ``trace``.

        Returns dL/dx, dL/dv0, dL/dv_threshold and dL/d(the model's parameters). With
        ``detach_reset`` the reset's ``S`` is a constant. The threshold enters both the
        fire step and (soft reset) the subtraction, and both paths are included.
        """
        if not isinstance(trace, Trace):
            raise ValueError(f"trace: expected the Trace returned by forward, got "
                             f"{type(trace).__name__}")
        grad_spikes = validation.like("grad_spikes", grad_spikes, trace.x)
        if grad_v is not None:
            grad_v = validation.like("grad_v", grad_v, trace.x)
        module = _backend(backend)
        dynamics = self.dynamics(trace.x.dtype)
        grad_x, grad_v0, grad_threshold, grad_k = module.backward(trace, grad_spikes, grad_v,
                                                                  dynamics)
        return Gradients(x=grad_x, v0=grad_v0, v_threshold=float(grad_threshold),
                         params=self.leak_rate_gradient(float(grad_k)))


def _backend(name: str):
    validation.choice("backend", name, tuple(BACKENDS))
    return importlib.import_module(BACKENDS[name])
