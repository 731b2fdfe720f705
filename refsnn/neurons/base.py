"""What every neuron shares: the multi-step API, validation and backend dispatch.

A neuron is an immutable, validated parameter record (a frozen dataclass). Its
:meth:`Neuron.forward` runs ``x[T, ...]`` through ``T`` steps of

    charge:  H[t] = charge(V[t-1], X[t])   (refsnn.neurons.dynamics: IF, LIF or PLIF)
    fire:    O[t] = fire(H[t])             (the spike kind, refsnn.neurons.kinds)
    reset:   V[t] = reset(H[t], O[t])

from ``V[-1] = v0``, in that order (SpikingJelly's ``neuronal_charge`` -> ``neuronal_fire`` ->
``neuronal_reset``, activation_based/neuron/base_node.py). :meth:`Neuron.backward` is
backpropagation through time of the same steps, with the surrogate in place of the step's
derivative.

Two interchangeable backends compute both: ``"numpy"``, the plain reference loop that is the
specification (:mod:`refsnn.neurons.reference`), and ``"numba"``, fused kernels that must agree
with it (:mod:`refsnn.neurons.kernels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import NamedTuple

import numpy as np

from refsnn import validation
from refsnn.neurons.dynamics import charge_input_gain


def _numpy_backend() -> ModuleType:
    from refsnn.neurons import reference

    return reference


def _numba_backend() -> ModuleType:
    from refsnn.neurons import kernels  # imports Numba: only when a neuron first uses it

    return kernels


BACKENDS = {"numpy": _numpy_backend, "numba": _numba_backend}
"""Backend name -> the function importing its module, which has ``forward`` and ``backward``
(the same contract): :mod:`refsnn.neurons.reference` and :mod:`refsnn.neurons.kernels`."""


class Charge(NamedTuple):
    """The charge's scalars, cast to the input dtype (see refsnn.neurons.dynamics.charge)."""

    k: np.floating  # leak rate 1/tau (0 for IF)
    v_rest: np.floating  # v_reset (hard reset), or 0 (soft): the leak pulls towards it
    decay_input: bool
    gain: np.floating  # dH/dX: k, or 1 (refsnn.neurons.dynamics.charge_input_gain)
    decay: np.floating  # dH/dV = 1 - k, subtracted in the input dtype


@dataclass(frozen=True, eq=False)
class Trace:
    """The result of a forward pass; every array is ``[T, ...]`` like ``x`` except ``v0``."""

    x: np.ndarray  # the input (not copied)
    v0: np.ndarray  # the initial membrane, broadcast to the neuron shape x.shape[1:]
    spikes: np.ndarray  # O[t], the emitted spike values
    h: np.ndarray  # membrane after charge, before reset
    v: np.ndarray  # membrane after reset


@dataclass(frozen=True, eq=False)
class Gradients:
    """dL/d(everything) from :meth:`Neuron.backward`."""

    x: np.ndarray  # [T, ...], x's dtype
    v0: np.ndarray  # neuron shape, one per neuron
    params: dict[str, float]  # every learnable scalar: "v_threshold", "tau" or "w", ...


class Neuron:
    """The multi-step API shared by all neurons. A subclass (a frozen dataclass) provides:

    ``kind``: its spike-kind module; ``kind_params(dtype)``: that kind's ``Params``;
    ``charge_params()``: ``(k, v_rest, decay_input)``; ``rest_potential``;
    ``leak_rate_gradient(dL/dk)``: a dict of its charge parameters' gradients; and the
    ``surrogate`` and ``detach_reset`` attributes.
    """

    kind: ModuleType

    def _set(self, name: str, value: object) -> None:
        """Store a validated (normalised) field value on the frozen dataclass."""
        object.__setattr__(self, name, value)

    def forward(self, x: np.ndarray, v0: object = None, *, backend: str = "numba",
                smooth: bool = False, out: Trace | None = None) -> Trace:
        """Run ``x[T, ...]`` (float32 or float64) for T steps from the membrane ``v0``.

        ``v0``: scalar or array broadcastable to ``x.shape[1:]``; ``None`` = ``rest_potential``.
        ``smooth=True`` (``backend="numpy"`` only) replaces every Heaviside step by the
        surrogate's primitive, making the whole run differentiable; this test mode is how the
        BPTT gradients are checked against finite differences.
        ``out``: a previous ``Trace`` of the same shape and dtype whose ``spikes``, ``h`` and
        ``v`` arrays are overwritten instead of allocating new ones (as NumPy's ``out=``);
        they must not share memory with ``x`` or with each other.
        """
        x = validation.time_series("x", x)
        charge, params = self._scalars(x.dtype)
        v0 = validation.state("v0", self.rest_potential if v0 is None else v0, x.shape[1:],
                              x.dtype)
        module = _backend(backend)
        if validation.flag("smooth", smooth) and backend != "numpy":
            raise ValueError(f"smooth: expected False with backend={backend!r} (the smooth "
                             "test mode is implemented by the NumPy reference only), got True")
        spikes, h, v = _outputs(out, Trace, {"spikes": x, "h": x, "v": x}, {"x": x})
        phi = self.surrogate.primitive if smooth else None
        if not module.forward(x, v0, charge, self.kind, params, phi, spikes, h, v):
            validation.finite("x", x)
            validation.finite("h", h, f"a membrane that {x.dtype} can hold (finite x, v0 and "
                              "parameters overflowed it)")
        return Trace(x=x, v0=v0, spikes=spikes, h=h, v=v)

    def backward(self, trace: Trace, grad_spikes: np.ndarray, grad_v: np.ndarray | None = None,
                 *, backend: str = "numba", out: Gradients | None = None) -> Gradients:
        """Backpropagate ``dL/dO[t]`` (and optionally ``dL/dV[t]``) through a forward ``trace``.

        Returns dL/dx, dL/dv0 and dL/d(every learnable scalar). With ``detach_reset`` the
        reset's spike is a constant. ``out``: a previous ``Gradients`` whose ``x`` and ``v0``
        arrays are overwritten (they must not share memory with each other, the gradients or
        the trace). A hand-built ``trace`` is checked first: its arrays must have ``trace.x``'s
        dtype and the shapes ``forward`` gives them.
        """
        arrays = _checked_trace(trace)
        grad_spikes = validation.like("grad_spikes", grad_spikes, trace.x)
        if grad_v is not None:
            grad_v = validation.like("grad_v", grad_v, trace.x)
        module = _backend(backend)
        grad_x, grad_v0 = _outputs(out, Gradients, {"x": trace.x, "v0": trace.v0},
                                   arrays | {"grad_spikes": grad_spikes, "grad_v": grad_v})
        charge, params = self._scalars(trace.x.dtype)
        grad_k, grad_params, finite = module.backward(
            trace, grad_spikes, grad_v, charge, self.kind, params, type(self.surrogate).g0,
            self.detach_reset, grad_x, grad_v0)
        if not finite:
            validation.finite("grad_spikes", grad_spikes)
            validation.finite("grad_v", grad_v)  # grad_v is not None: grad_spikes was finite
        params = {name: float(g) for name, g in zip(self.kind.PARAMS, grad_params, strict=True)
                  if name}
        return Gradients(x=grad_x, v0=grad_v0,
                         params=params | self.leak_rate_gradient(float(grad_k)))

    def _scalars(self, dtype: np.dtype) -> tuple[Charge, tuple]:
        """The charge scalars and the kind's ``Params`` in ``dtype``, built once per dtype
        (the neuron is immutable) and kept with the instance."""
        cache = self.__dict__.setdefault("_scalars_by_dtype", {})
        if dtype not in cache:
            with np.errstate(over="ignore"):
                charge, params = self._charge(dtype), self.kind_params(dtype)
                wide = self._charge(np.float64)._asdict() | self.kind_params(np.float64)._asdict()
            for field, value in (charge._asdict() | params._asdict()).items():
                if isinstance(value, np.floating | np.ndarray) and value.dtype.kind == "f":
                    validation.representable(_PARAMETER_NAMES.get(field, field), value,
                                             wide[field])
            cache[dtype] = (charge, params)
        return cache[dtype]

    def _charge(self, dtype: np.dtype) -> Charge:
        cast = np.dtype(dtype).type
        k, v_rest, decay_input = self.charge_params()
        k = cast(k)
        return Charge(k, cast(v_rest), decay_input, cast(charge_input_gain(k, decay_input)),
                      cast(1) - k)


_PARAMETER_NAMES = {"k": "1/tau", "v_rest": "v_reset", "alpha": "surrogate.alpha",
                    "scale": "surrogate.scale", "thresholds": "thresholds * v_threshold",
                    "amplitudes": "amplitudes * v_threshold",
                    "mid": "(levels + 1) * v_threshold / 2", "a_min": "amplitudes * v_threshold"}
"""The user-facing name of a parameter that a charge or ``Params`` field is cast from."""


def _checked_trace(trace: object) -> dict[str, np.ndarray]:
    """A (possibly hand-built) ``Trace``'s arrays by name, after checking that they have
    ``trace.x``'s dtype and the shapes ``forward`` gives them."""
    if not isinstance(trace, Trace):
        raise ValueError(f"trace: expected the Trace returned by forward, got "
                         f"{type(trace).__name__}")
    x = validation.time_series("trace.x", trace.x)
    if x is not trace.x:
        raise ValueError("trace.x: expected a native-byte-order array, got a byte-swapped one")
    validation.array("trace.v0", trace.v0, x.dtype, x.shape[1:])
    for name in ("spikes", "h", "v"):
        validation.array(f"trace.{name}", getattr(trace, name), x.dtype, x.shape)
    return {f"trace.{name}": getattr(trace, name) for name in ("x", "v0", "spikes", "h", "v")}


def _outputs(out: object, kind: type, likes: dict[str, np.ndarray],
             inputs: dict[str, np.ndarray | None]) -> list:
    """Fresh arrays shaped like ``likes``' values, or ``out``'s (checked) arrays of those
    names; none may share memory with ``inputs`` or with another output."""
    if out is None:
        return [np.empty_like(like, order="C") for like in likes.values()]
    if not isinstance(out, kind):
        raise ValueError(f"out: expected a {kind.__name__} or None, got {type(out).__name__}")
    others = dict(inputs)
    for name, like in likes.items():
        validation.output(f"out.{name}", getattr(out, name), like, others)
        others[f"out.{name}"] = getattr(out, name)
    return [getattr(out, name) for name in likes]


def _backend(name: str) -> ModuleType:
    validation.choice("backend", name, tuple(BACKENDS))
    return BACKENDS[name]()
