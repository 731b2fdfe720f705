"""How closely another implementation must reproduce a golden case, and why.

Every bound is absolute (rtol 0): a step's rounding is relative to the largest operand in it
(a membrane, an input, an upstream gradient), not to the element's own value, which may cancel
to near zero. With ``eps`` the machine epsilon of the case's dtype, ``T`` steps, ``N`` neurons
and ``k`` the leak rate (``1/tau``; 0 for IF):

spikes: exact, in float32 and float64. A random case is kept only if no spike changes when
    every membrane moves up or down by the membrane tolerance, so an implementation whose
    membranes are within it fires alike; an ``exact`` case is exact arithmetic (dyadic inputs,
    ``k`` of 0 or 1/2), so every correct implementation lands exactly on the threshold.
membranes (``h``, ``v``): ``4 eps A M``, ``M = 1 + max|x| + max|h|``, ``A = sum_{j<T} (1 -
    k)^j`` (``T`` for IF). One step rounds by at most about ``4 eps M`` (its four or so
    operations; SpikingJelly divides by tau where refsnn multiplies by ``1/tau``, snnTorch
    computes ``beta V + X``), and an error is carried to the next step multiplied by ``dH/dV =
    1 - k`` (a hard reset clears it). This is docs/semantics.md's float32-vs-float64 bound
    ``4 eps (1 + max|H| + max|x|) t`` with the leak's forgetting counted.
gradients (``grad_x``, ``grad_v0``): ``4 eps T G + 2 S``, ``G`` the largest magnitude among
    the upstream and the computed gradients: docs/semantics.md's bound between refsnn's own
    backends (``4 eps T max|grad|``), plus twice the change ``S`` of the gradients when every
    membrane moves by the membrane tolerance (the surrogate's slope turns an admissible
    membrane error into a gradient error; measured on the case, up and down).
parameter gradients: ``4 eps T N G M c + 2 S_p``: each is a sum of ``T N`` terms of about
    ``G M``, times ``c = |dk/dp|`` for a charge parameter (``1/tau^2`` for ``tau``, ``k (1 -
    k)`` for ``w``) or 1, plus twice its own measured change ``S_p``.

Exact cases (``exact``: dyadic inputs, leak rate 0 or 1/2, every step exact arithmetic;
``rounded``: IF in float32, every step one correctly rounded operation): every correct
implementation computes the same membranes, so the membrane tolerance is 0; the shift terms
``S`` then vanish, and the gradient bounds are the rounding bounds alone (no slack for a moved
membrane, which at a surrogate discontinuity would be a whole surrogate step). A gradient
array (or group) that the case's float32 and float64 runs give bit for bit rounded nowhere:
its tolerance is 0.

Each number is rounded up to two significant digits. The constants (the ``4`` and the ``2``)
are those of ``refsnn.tolerances.GOLDEN``, the one tolerance module.
"""

from __future__ import annotations

import math

import numpy as np

from refsnn.golden import thresholds
from refsnn.neurons import Neuron, Trace
from refsnn.tolerances import GOLDEN

EDGE_SHIFT = 2.0**-16  # times v_th: far below the v_th/8 grid of an exact case's membranes
EDGE_JUMP = 0.01


def round_up(value: float) -> float:
    """``value`` rounded up to two significant digits (0 stays 0)."""
    if value == 0:
        return 0.0
    exponent = math.floor(math.log10(value)) - 1
    mantissa = math.ceil(round(value / 10.0**exponent, 9))
    return float(f"{mantissa}e{exponent}")


def _eps(inputs: dict) -> float:
    return float(np.finfo(inputs["x"].dtype).eps)


def _largest(*arrays: np.ndarray) -> float:
    return max(float(np.abs(a).max(initial=0.0)) for a in arrays)


def membrane_atol(neuron: Neuron, inputs: dict, outputs: dict) -> float:
    """The membrane tolerance ``4 eps A M`` (module docstring)."""
    steps = inputs["x"].shape[0]
    k = float(neuron.charge_params()[0])
    carried = steps if k == 0 else (1.0 - (1.0 - k) ** steps) / k
    size = 1.0 + _largest(inputs["x"]) + _largest(outputs["h"])
    return round_up(GOLDEN["membranes"].step_eps * _eps(inputs) * carried * size)


def gradient_scale(inputs: dict, outputs: dict) -> float:
    """``G``: the largest upstream or computed gradient magnitude."""
    return _largest(inputs["grad_spikes"], inputs["grad_v"], outputs["grad_x"],
                    outputs["grad_v0"])


def shift_sensitivity(neuron: Neuron, inputs: dict, outputs: dict, delta: float) -> dict:
    """The largest change of the gradients (key ``"gradients"``) and of each parameter
    gradient (its name) when every ``h`` and ``v`` moves by ``+delta`` or ``-delta``."""
    up, down = (shift_change(neuron, inputs, outputs, sign * delta) for sign in (1.0, -1.0))
    return {name: max(up[name], down[name]) for name in up}


def shift_change(neuron: Neuron, inputs: dict, outputs: dict, shift: float) -> dict:
    """The largest change of the gradients (key ``"gradients"``) and of each parameter
    gradient (its name) when every ``h`` and ``v`` moves by ``shift``."""
    step = inputs["x"].dtype.type(shift)
    trace = Trace(x=inputs["x"], v0=inputs["v0"], spikes=outputs["spikes"],
                  h=outputs["h"] + step, v=outputs["v"] + step)
    moved = neuron.backward(trace, inputs["grad_spikes"], inputs["grad_v"], backend="numpy")
    change = {"gradients": _largest(moved.x - outputs["grad_x"], moved.v0 - outputs["grad_v0"])}
    return change | {name: abs(value - float(outputs[f"grad_param_{name}"]))
                     for name, value in moved.params.items()}


def edges_hit(neuron: Neuron, inputs: dict, outputs: dict) -> bool:
    """Whether the gradients jump (by more than ``EDGE_JUMP G``) both when every membrane moves
    up and when it moves down by ``EDGE_SHIFT v_th``: some surrogate argument lies exactly on a
    window's left edge and some on its right edge (an exact case; a move that small crosses no
    other discontinuity, and the smooth change it causes stays far below the jump)."""
    v_threshold = float(neuron.kind_params(np.float64).v_threshold)
    scale = gradient_scale(inputs, outputs)
    return all(shift_change(neuron, inputs, outputs, sign * EDGE_SHIFT * v_threshold)
               ["gradients"] > EDGE_JUMP * scale for sign in (1.0, -1.0))


def parameter_names(outputs: dict) -> list[str]:
    """The names of the scalar parameters whose gradients ``outputs`` holds."""
    return sorted(key.removeprefix("grad_param_") for key in outputs
                  if key.startswith("grad_param_"))


def table(neuron: Neuron, inputs: dict, outputs: dict, membranes: float,
          sensitivity: dict, exact: frozenset = frozenset()) -> dict:
    """The case's tolerances per output group: ``{"atol", "rtol"}`` for ``spikes``,
    ``membranes`` and ``gradients``, and per parameter under ``parameter_gradients``; 0 for a
    gradient group all of whose arrays are in ``exact`` (computed without rounding)."""
    eps, x = _eps(inputs), inputs["x"]
    steps, neurons = x.shape[0], x.size // x.shape[0]
    scale = gradient_scale(inputs, outputs)
    size = 1.0 + _largest(x) + _largest(outputs["h"])
    chain = neuron.leak_rate_gradient(1.0)
    rule, grad_rule = GOLDEN["parameter_gradients"], GOLDEN["gradients"]
    parameters = {name: _atol(0.0 if f"grad_param_{name}" in exact else
                              rule.step_eps * eps * steps * neurons * scale * size
                              * abs(chain.get(name, 1.0)) + rule.shift * sensitivity[name])
                  for name in parameter_names(outputs)}
    gradients = (grad_rule.step_eps * eps * steps * scale
                 + grad_rule.shift * sensitivity["gradients"])
    return {"spikes": _atol(0.0), "membranes": _atol(membranes),
            "gradients": _atol(0.0 if {"grad_x", "grad_v0"} <= exact else gradients),
            "parameter_gradients": parameters}


def _atol(value: float) -> dict:
    return {"atol": round_up(value), "rtol": 0.0}


def spikes_stable(neuron: Neuron, outputs: dict, delta: float) -> bool:
    """Whether no spike changes when every membrane ``h`` moves by ``+delta`` or ``-delta``."""
    h = outputs["h"]
    params = neuron.kind_params(h.dtype)
    return all(np.array_equal(_fire(neuron, h + h.dtype.type(sign * delta), params),
                              outputs["spikes"]) for sign in (1.0, -1.0))


def on_threshold(neuron: Neuron, outputs: dict) -> bool:
    """Whether the other compare convention would change a spike: some ``h`` lies exactly on a
    threshold."""
    h = outputs["h"]
    params = neuron.kind_params(h.dtype)
    flipped = params._replace(fire_at_zero=not params.fire_at_zero)
    return not np.array_equal(_fire(neuron, h, flipped), outputs["spikes"])


def every_threshold_hit(neuron: Neuron, outputs: dict) -> bool:
    """Whether, for each threshold of the neuron's kind on its own, the other compare
    convention there would change a spike: some membrane lies exactly on every threshold."""
    h = outputs["h"]
    params = neuron.kind_params(h.dtype)
    return all(not np.array_equal(np.asarray(thresholds.flipped(neuron.kind, j)(h, params),
                                             dtype=h.dtype), outputs["spikes"])
               for j in range(thresholds.count(neuron)))


def _fire(neuron: Neuron, h: np.ndarray, params) -> np.ndarray:
    return np.asarray(neuron.kind.fire(h, params), dtype=h.dtype)
