"""refsnn's BPTT checked against an independent torch autograd implementation (float64).

The torch model below is written from the equations alone (BinaryNeuron's docstring and the
surrogate table in refsnn/surrogates.py); it reads only the neurons' public parameters and
never calls refsnn's maths:

    H = V + (X - (V - v_rest)) k        (decay_input=True)
    H = V - (V - v_rest) k + X          (decay_input=False; IF: k = 0)
    S = Heaviside(H - v_th)             (or, smooth mode, the surrogate's primitive)
    V = H - S' v_th  |  S' v_reset + (1 - S') H,   S' = S.detach() with detach_reset

Two checks, both with ``L = sum(gs S) + sum(gv V)`` for random ``gs``, ``gv``:

1. smooth mode: ``S = phi(H - v_th)`` as plain torch ops, so autograd differentiates the run
   exactly; refsnn's BPTT (numpy and numba backends, both fed the smooth numpy trace) must give
   the same dL/dx, dL/dv0, dL/dv_threshold, dL/dtau or dL/dw. Unlike the finite-difference
   test (test_properties.py) this also covers ``detach_reset=True``.
2. step mode: ``S`` is a torch.autograd.Function, the Heaviside step forward (``>=`` or ``>``)
   and ``scale * g0`` backward. The torch forward uses refsnn's operation order, so spikes,
   H and V must be bit-identical to refsnn's (numpy and numba); the gradients must agree for
   every reset kind, detach_reset and compare. Part of every input is on a dyadic grid so that
   ``H == v_threshold`` really happens and the compare convention is exercised.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from refsnn import IF, LIF, PLIF
from refsnn.surrogates import SURROGATES
from refsnn.tolerances import assert_close

torch = pytest.importorskip("torch")

STEPS, SHAPE = 12, (3, 4)
F64 = torch.float64

# (id, neuron, ties): ``ties`` marks the models whose arithmetic is exact on the dyadic grid
# (k in {0, 1/2, 1/4}), where H == v_threshold must occur in the step-mode test.
MODELS = [
    ("IF-hard", IF(v_reset=-0.25), True),
    ("IF-soft", IF(v_reset=None), True),
    ("LIF-decay-hard", LIF(tau=2.0, v_reset=0.0), True),
    ("LIF-decay-soft", LIF(tau=3.0, v_reset=None, v_threshold=0.7), False),
    ("LIF-nodecay-hard", LIF(tau=4.0, decay_input=False, v_reset=-0.5, v_threshold=0.75), True),
    ("LIF-nodecay-soft", LIF(tau=2.5, decay_input=False, v_reset=None), False),
    ("PLIF-decay-hard", PLIF(w=0.0, v_reset=0.0), True),
    ("PLIF-decay-soft", PLIF(w=0.4, v_reset=None), False),
    ("PLIF-nodecay-hard", PLIF(w=-0.7, decay_input=False, v_reset=0.1, v_threshold=0.8), False),
    ("PLIF-nodecay-soft", PLIF(w=0.0, decay_input=False, v_reset=None), True),
]
model_params = pytest.mark.parametrize(
    "model, ties", [pytest.param(n, t, id=i) for i, n, t in MODELS])
surrogate_params = pytest.mark.parametrize("surrogate_cls", SURROGATES, ids=lambda s: s.name)


# --- the canonical surrogates in torch (from the table in refsnn/surrogates.py) --------------

def g0(name, x, alpha):
    """The canonical surrogate derivative ``g0(x; alpha)``."""
    if name == "rectangular":
        return alpha * (torch.abs(x) < 1.0 / (2.0 * alpha)).to(x.dtype)
    if name == "triangular":
        return alpha * torch.clamp(1.0 - alpha * torch.abs(x), min=0.0)
    if name == "sigmoid":
        s = torch.sigmoid(alpha * x)
        return alpha * s * (1.0 - s)
    if name == "arctan":
        return (alpha / 2.0) / (1.0 + (math.pi / 2.0 * alpha * x) ** 2)
    if name == "fast_sigmoid":
        return 1.0 / (1.0 + alpha * torch.abs(x)) ** 2
    if name == "piecewise_exponential":
        return (alpha / 2.0) * torch.exp(-alpha * torch.abs(x))
    if name == "gaussian":
        return alpha / math.sqrt(math.pi) * torch.exp(-(alpha**2) * x**2)
    if name == "straight_through":
        return torch.ones_like(x)
    raise AssertionError(name)


def phi0(name, x, alpha):
    """The canonical primitive ``Phi0(x; alpha)`` (``Phi0' = g0``), differentiable by autograd."""
    if name == "rectangular":
        return torch.clamp(alpha * x + 0.5, 0.0, 1.0)
    if name == "triangular":
        a = torch.clamp(alpha * torch.abs(x), max=1.0)
        return 0.5 + torch.sign(x) * (a - a * a / 2.0)
    if name == "sigmoid":
        return torch.sigmoid(alpha * x)
    if name == "arctan":
        return 0.5 + torch.atan(math.pi / 2.0 * alpha * x) / math.pi
    if name == "fast_sigmoid":
        return 0.5 + x / (1.0 + alpha * torch.abs(x))
    if name == "piecewise_exponential":
        return 0.5 - torch.sign(x) * torch.expm1(-alpha * torch.abs(x)) / 2.0
    if name == "gaussian":
        return (1.0 + torch.erf(alpha * x)) / 2.0
    if name == "straight_through":
        return 0.5 + x
    raise AssertionError(name)


class SpikeFn(torch.autograd.Function):
    """Heaviside step forward; ``scale * g0`` backward."""

    @staticmethod
    def forward(ctx, u, name, alpha, scale, fire_at_zero):
        ctx.save_for_backward(u)
        ctx.surrogate = (name, alpha, scale)
        return (u >= 0 if fire_at_zero else u > 0).to(u.dtype)

    @staticmethod
    def backward(ctx, grad):
        (u,) = ctx.saved_tensors
        name, alpha, scale = ctx.surrogate
        return grad * (scale * g0(name, u, alpha)), None, None, None, None


# --- the neuron in torch --------------------------------------------------------------------

def logistic(w):
    """sigmoid(w) as a Python float, by the overflow-free formula (as PLIF's docstring)."""
    e = math.exp(-abs(w))
    return 1.0 / (1.0 + e) if w >= 0 else e / (1.0 + e)


def torch_run(neuron, x, v0, gs, gv, smooth):
    """Run the torch model, backpropagate L, return (spikes, h, v, grads) as NumPy / floats."""
    x_t = torch.tensor(x, dtype=F64, requires_grad=True)
    v0_t = torch.tensor(v0, dtype=F64, requires_grad=True)
    v_th = torch.tensor(neuron.v_threshold, dtype=F64, requires_grad=True)
    params = {}
    if isinstance(neuron, LIF):
        params["tau"] = torch.tensor(neuron.tau, dtype=F64, requires_grad=True)
        k = 1.0 / params["tau"]
        assert k.item() == 1.0 / neuron.tau  # correctly rounded in both: refsnn's k exactly
        decay_input = neuron.decay_input
    elif isinstance(neuron, PLIF):
        params["w"] = torch.tensor(neuron.w, dtype=F64, requires_grad=True)
        sig = torch.sigmoid(params["w"])
        # the value of the exact float formula, the gradient of torch.sigmoid (adds exactly 0)
        k = logistic(neuron.w) + (sig - sig.detach())
        decay_input = neuron.decay_input
    else:
        assert isinstance(neuron, IF)
        k, decay_input = 0.0, False
    soft = neuron.v_reset is None
    v_rest = 0.0 if soft else neuron.v_reset
    sur = neuron.surrogate
    name, alpha, scale = sur.name, float(sur.alpha), float(sur.scale)

    v = v0_t
    spikes, hs, vs = [], [], []
    for t in range(x.shape[0]):
        if decay_input:  # noqa: SIM108 (the two charge forms, as written in the spec)
            h = v + (x_t[t] - (v - v_rest)) * k
        else:
            h = v - (v - v_rest) * k + x_t[t]
        u = h - v_th
        if smooth:
            s = 0.5 + scale * (phi0(name, u, alpha) - 0.5)
        else:
            s = SpikeFn.apply(u, name, alpha, scale, neuron.compare == ">=")
        s_reset = s.detach() if neuron.detach_reset else s
        v = h - s_reset * v_th if soft else s_reset * v_rest + (1.0 - s_reset) * h
        spikes.append(s)
        hs.append(h)
        vs.append(v)
    spikes, hs, vs = torch.stack(spikes), torch.stack(hs), torch.stack(vs)
    loss = torch.sum(torch.tensor(gs) * spikes)
    if gv is not None:
        loss = loss + torch.sum(torch.tensor(gv) * vs)
    loss.backward()
    grads = {"x": x_t.grad.numpy(), "v0": v0_t.grad.numpy(), "v_threshold": v_th.grad.item(),
             "params": {p: value.grad.item() for p, value in params.items()}}
    return tuple(a.detach().numpy() for a in (spikes, hs, vs)) + (grads,)


# --- inputs ---------------------------------------------------------------------------------

def make_inputs(seed, grid):
    """x[T, 3, 4], v0[3, 4], gs, gv. With ``grid``, neuron rows 0-1 get multiples of 1/4 (x, v0)
    so that exact models land exactly on the threshold; the other rows are plain normal."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.9, 1.0, (STEPS, *SHAPE))
    v0 = rng.normal(0.0, 0.4, SHAPE)
    if grid:
        x[:, :2] = np.round(rng.normal(0.8, 0.8, (STEPS, 2, SHAPE[1])) * 4) / 4
        v0[:2] = np.round(rng.normal(0.0, 0.4, (2, SHAPE[1])) * 4) / 4
    gs, gv = rng.normal(size=(2, STEPS, *SHAPE))
    return x, v0, gs, gv


def assert_gradients_equal(grads, expected, context):
    for name in ("x", "v0", "v_threshold"):
        assert np.all(np.isfinite(expected[name])), f"non-finite torch dL/d{name} {context}"
    assert_close(grads.x, expected["x"], "torch_autograd", err_msg=f"dL/dx {context}")
    assert_close(grads.v0, expected["v0"], "torch_autograd", err_msg=f"dL/dv0 {context}")
    scalars = grads.params
    want = {"v_threshold": expected["v_threshold"], **expected["params"]}
    assert scalars.keys() == want.keys(), context
    for name, value in want.items():
        assert_close(scalars[name], value, "torch_autograd", err_msg=f"dL/d{name} {context}")


# --- 1. smooth mode: BPTT == autograd of the differentiable run ------------------------------

@pytest.mark.parametrize("backend", ["numpy", "numba"])
@surrogate_params
@pytest.mark.parametrize("detach_reset", [False, True], ids=["attached", "detached"])
@model_params
def test_smooth_bptt_equals_autograd(model, ties, detach_reset, surrogate_cls, backend):
    # the straight-through primitive 0.5 + x is unbounded: a small scale keeps hard-reset runs
    # (V ~ -scale H^2 for large H) from diverging
    scale = 0.2 if surrogate_cls.name == "straight_through" else 0.8
    neuron = dataclasses.replace(model, detach_reset=detach_reset,
                                 surrogate=surrogate_cls(alpha=1.5, scale=scale))
    x, v0, gs, gv = make_inputs(11, grid=False)
    trace = neuron.forward(x, v0, backend="numpy", smooth=True)
    spikes, h, v, expected = torch_run(neuron, x, v0, gs, gv, smooth=True)
    assert_close(trace.spikes, spikes, "torch_autograd")
    assert_close(trace.h, h, "torch_autograd")
    assert_close(trace.v, v, "torch_autograd")
    assert 0.05 < np.mean(trace.spikes > 0.5) < 0.95  # the neurons are in their firing range
    grads = neuron.backward(trace, gs, gv, backend=backend)
    assert_gradients_equal(grads, expected, f"(smooth, {backend})")


# --- 2. step mode: bit-identical forward, BPTT == autograd with the surrogate Function ------

@surrogate_params
@pytest.mark.parametrize("compare", [">=", ">"])
@pytest.mark.parametrize("detach_reset", [False, True], ids=["attached", "detached"])
@model_params
def test_step_forward_and_bptt_equal_autograd(model, ties, detach_reset, compare,
                                             surrogate_cls):
    neuron = dataclasses.replace(model, detach_reset=detach_reset, compare=compare,
                                 surrogate=surrogate_cls(scale=0.75))
    x, v0, gs, gv = make_inputs(20, grid=True)
    spikes, h, v, expected = torch_run(neuron, x, v0, gs, gv, smooth=False)
    if ties:
        assert np.any(h[:, :2] == neuron.v_threshold), "no H == v_threshold: compare untested"
    assert 0.05 < np.mean(spikes) < 0.95
    for backend in ("numpy", "numba"):
        trace = neuron.forward(x, v0, backend=backend)
        np.testing.assert_array_equal(trace.spikes, spikes, err_msg=f"spikes ({backend})")
        np.testing.assert_array_equal(trace.h, h, err_msg=f"h ({backend})")
        np.testing.assert_array_equal(trace.v, v, err_msg=f"v ({backend})")
        grads = neuron.backward(trace, gs, gv, backend=backend)
        assert_gradients_equal(grads, expected, f"(step, {backend})")


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@model_params
def test_step_bptt_without_grad_v(model, ties, backend):
    """``grad_v=None`` (only dL/dS given) is the loss ``sum(gs S)``."""
    neuron = dataclasses.replace(model, compare=">")
    x, v0, gs, _ = make_inputs(9, grid=True)
    *_, expected = torch_run(neuron, x, v0, gs, None, smooth=False)
    grads = neuron.backward(neuron.forward(x, v0, backend=backend), gs, backend=backend)
    assert_gradients_equal(grads, expected, f"(step, grad_v=None, {backend})")


def test_torch_model_is_not_vacuous():
    """The two compare conventions differ on the grid inputs, and detaching the reset changes
    the gradient: the parametrised tests above exercise both options for real."""
    x, v0, gs, gv = make_inputs(20, grid=True)
    ge = torch_run(IF(compare=">="), x, v0, gs, gv, smooth=False)
    gt = torch_run(IF(compare=">"), x, v0, gs, gv, smooth=False)
    assert not np.array_equal(ge[0], gt[0])
    attached = torch_run(LIF(), x, v0, gs, gv, smooth=False)[3]
    detached = torch_run(LIF(detach_reset=True), x, v0, gs, gv, smooth=False)[3]
    assert not np.allclose(attached["x"], detached["x"])

