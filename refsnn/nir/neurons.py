"""The NIR neuron nodes (I, LI, IF, LIF, CubaLI, CubaLIF) as discrete-time NumPy references.

Continuous time (NIR 1.0.8, nir/ir/neuron.py; ``S`` the node's input, ``I`` the synaptic
current of the Cuba nodes, or ``S`` itself for the others):

    CubaLI, CubaLIF:  tau_syn dI/dt = -I + w_in S
    LI, LIF, Cuba*:   tau dv/dt = (v_leak - v) + r I          (tau = tau_mem for Cuba*)
    I, IF:            dv/dt = r I
    IF, LIF, CubaLIF: z = 1 if v > v_threshold, then v <- v_reset

One step of length ``dt`` (a :class:`refsnn.nir.Discretization`), each state's equation solved
with its input held over the step:

    k     = dt / tau (euler) | 1 - exp(-dt / tau) (exact, the zero-order hold);  0 for I, IF
    k_syn = the same with tau_syn
    I'    = I + (w_in S - I) k_syn                    (Cuba*; the input of v is I' or I, per
                                                       ``current``: same | previous step)
    H     = v + (r I - (v - v_leak)) k                 (leaky, gain r k with r = 1 everywhere)
    H     = v - (v - v_leak) k + g I                   (otherwise; g = r k, or r dt for I, IF)
    z     = H > v_threshold  (or >=),  v' = v_reset (value) | H - v_threshold (subtract) if z

The two forms of ``H`` are equal in exact arithmetic; they are refsnn's two LIF charges
(refsnn.neurons.dynamics.charge with decay_input True / False), evaluated by that very
function, and the fire and reset are refsnn's binary spike (refsnn.neurons.kinds.binary), so
an IF or LIF that refsnn exports runs here bit for bit as in refsnn (docs/nir.md, "Export").
With ``exact``, ``H`` is the exact solution of the membrane equation over the step for an input
held constant; for Cuba* it is the exponential integrator of each equation in turn, not the
exact solution of the coupled pair (which adds a term in ``tau_syn / (tau_syn - tau_mem)``).
``r`` reads ``"one"`` (g = k or dt) and ``"unscaled"`` (g = r) replace ``g``
(Discretization.r). The output is ``z`` for the spiking nodes and ``H`` (= v') for the others.

Forward only: NIR is an inference format, and the interpreter computes no gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from refsnn.neurons.dynamics import charge
from refsnn.neurons.kinds import binary
from refsnn.nir.discretization import Discretization
from refsnn.nir.params import fail, parameter

SPIKING = {"IF", "LIF", "CubaLIF"}
LEAKY = {"LI", "LIF", "CubaLI", "CubaLIF"}
NEURON_TYPES = ("I", "LI", "IF", "LIF", "CubaLI", "CubaLIF")


def leak_rate(tau: np.ndarray, dt: float, scheme: str) -> np.ndarray:
    """``k = dt / tau`` (euler) or ``1 - exp(-dt / tau)`` (exact), in float64."""
    return dt / tau if scheme == "euler" else -np.expm1(-dt / tau)


@dataclass(frozen=True, eq=False)
class NeuronNode:
    """A compiled NIR neuron node: every per-neuron constant in float64, its shape ``shape``.

    ``gain`` None selects the decayed-input charge (``X = I`` scaled by ``k``); otherwise
    ``X = gain * I``. ``k_syn`` None: no synaptic current. ``threshold`` None: no spikes.
    """

    name: str
    kind: str
    shape: tuple
    k: np.ndarray
    gain: np.ndarray | None
    v_leak: np.ndarray
    v0: np.ndarray
    threshold: np.ndarray | None
    v_reset: np.ndarray | None
    k_syn: np.ndarray | None
    w_in: np.ndarray | None
    disc: Discretization

    stateful = True

    def output_shape(self, input_shape: tuple) -> tuple:
        """The input's shape, which must be the neurons' (any shape if the parameters are
        scalars, 0-d arrays that stand for every neuron)."""
        if self.shape not in ((), tuple(input_shape)):
            fail(self.name, "", f"an input of the neuron shape {self.shape}",
                 f"shape {tuple(input_shape)}")
        return tuple(input_shape)

    def start(self, batch: int, shape: tuple, dtype: np.dtype) -> dict:
        """The state before the first step for ``[batch, *shape]``: ``v`` (per
        ``disc.initial``) and ``i`` = 0, with the constants cast to ``dtype`` once."""
        cast = lambda a: None if a is None else a.astype(dtype)  # noqa: E731
        full = (batch, *shape)
        state = {"v": np.broadcast_to(cast(self.v0), full).copy(),
                 "k": cast(self.k), "gain": cast(self.gain), "v_leak": cast(self.v_leak),
                 "k_syn": cast(self.k_syn), "w_in": cast(self.w_in), "dtype": np.dtype(dtype)}
        if self.k_syn is not None:
            state["i"] = np.zeros(full, dtype)
        if self.threshold is not None:
            state["spike"] = binary.Params(
                v_threshold=cast(self.threshold), v_rest=cast(self.v_reset),
                soft=self.disc.reset == "subtract", fire_at_zero=self.disc.compare == ">=",
                alpha=0.0, scale=0.0)
        return state

    def step(self, x: np.ndarray, state: dict) -> tuple[np.ndarray, dict]:
        """One step from the input ``x[B, *shape]``: the output and the observables."""
        seen = {}
        if self.k_syn is not None:
            i_prev = state["i"]
            drive = x if state["w_in"] is None else state["w_in"] * x
            state["i"] = charge(i_prev, drive, state["k_syn"], 0.0, True)
            x = state["i"] if self.disc.current == "same" else i_prev
            seen["i"] = state["i"]
        decayed = state["gain"] is None
        h = charge(state["v"], x if decayed else state["gain"] * x, state["k"],
                   state["v_leak"], decayed)
        if self.threshold is None:
            state["v"] = h
            return h, seen | {"v": h}
        p = state["spike"]
        o = binary.fire(h, p)
        state["v"] = binary.reset(h, o, p).astype(state["dtype"], copy=False)
        spikes = o.astype(state["dtype"], copy=False)
        return spikes, seen | {"v": state["v"], "h": h}


FIELDS = {"I": ("r",), "LI": ("tau", "r", "v_leak"),
          "IF": ("r", "v_threshold", "v_reset"),
          "LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
          "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
          "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in")}
"""Each neuron node's parameters (nir/ir/neuron.py)."""


def compile_neuron(name: str, node: object, kind: str, disc: Discretization) -> NeuronNode:
    """The :class:`NeuronNode` of the NIR neuron ``node`` (of type ``kind``) under ``disc``;
    a missing, NaN or non-positive time constant, or parameters whose shapes do not
    broadcast together, is an error naming ``name``. The neuron shape is the parameters'
    common (broadcast) shape."""
    raw = {field: parameter(name, node, field, positive=field.startswith("tau"))
           for field in FIELDS[kind]}
    try:
        shape = np.broadcast_shapes(*(a.shape for a in raw.values()))
    except ValueError:
        fail(name, "", "parameters of one neuron shape",
             ", ".join(f"{field} {a.shape}" for field, a in raw.items()))
    p = {field: np.broadcast_to(a, shape) for field, a in raw.items()}
    zeros = np.zeros(shape)
    tau = p.get("tau_mem", p.get("tau"))
    k = zeros if tau is None else leak_rate(tau, disc.dt, disc.scheme)
    v_leak = p.get("v_leak", zeros)
    k_syn = leak_rate(p["tau_syn"], disc.dt, disc.scheme) if "tau_syn" in p else None
    w_in = p.get("w_in")
    return NeuronNode(name=name, kind=kind, shape=shape, k=k,
                      gain=_gain(kind, p["r"], k, disc), v_leak=v_leak,
                      v0=_initial(disc.initial, p.get("v_leak"), p.get("v_reset"), zeros),
                      threshold=p.get("v_threshold"), v_reset=p.get("v_reset"), k_syn=k_syn,
                      w_in=None if w_in is None or np.all(w_in == 1.0) else w_in, disc=disc)


def _gain(kind: str, r: np.ndarray, k: np.ndarray, disc: Discretization) -> np.ndarray | None:
    """The membrane's input gain ``g``; None where it is ``k`` with ``r = 1`` (the
    decayed-input charge, one multiplication fewer)."""
    leaky = kind in LEAKY
    if leaky and (disc.r == "one" or (disc.r == "spec" and np.all(r == 1.0))):
        return None
    base = k if leaky else np.full(r.shape, disc.dt)
    return {"spec": r * base, "one": base, "unscaled": r}[disc.r]


def _initial(initial: str, v_leak, v_reset, zeros: np.ndarray) -> np.ndarray:
    """The membrane before the first step (Discretization.initial)."""
    chosen = {"zero": None, "leak": v_leak, "reset": v_reset}[initial]
    return zeros if chosen is None else chosen
