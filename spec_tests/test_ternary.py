"""The ternary spike neuron (refsnn/neurons/ternary.py): its spikes, amplitude and folding,
by-hand cases, bad parameters and SpikingJelly. Resets, kernels and BPTT = finite differences
are generic properties of every model (spec_tests/test_properties.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refsnn import IF, LIF
from refsnn.neurons.ternary import Ternary
from refsnn.surrogates import Sigmoid
from refsnn.tolerances import assert_close, tolerance
from spec_tests.helpers import run
from spec_tests.strategies import inputs, ternaries


@given(ternaries(), inputs())
def test_spikes_are_signed_amplitudes_at_the_two_thresholds(neuron, x):
    tr = run(neuron, x)
    theta, a = neuron.neuron.v_threshold, neuron.amplitude
    up = tr.h >= theta if neuron.neuron.compare == ">=" else tr.h > theta
    down = -tr.h >= theta if neuron.neuron.compare == ">=" else -tr.h > theta
    np.testing.assert_array_equal(tr.spikes, a * (up.astype(float) - down.astype(float)))


@given(ternaries(), inputs(), st.floats(0.1, 5.0))
def test_amplitude_scales_the_output_and_never_the_dynamics(neuron, x, amplitude):
    a = run(neuron, x)
    b = run(dataclasses.replace(neuron, amplitude=amplitude), x)
    np.testing.assert_array_equal(a.h, b.h)
    np.testing.assert_array_equal(a.v, b.v)
    np.testing.assert_array_equal(a.spikes / neuron.amplitude, b.spikes / amplitude)


@given(ternaries(), inputs())
def test_positive_half_is_the_binary_neuron_when_nothing_goes_below_minus_threshold(neuron, x):
    """With H never <= -v_th the ternary neuron is the binary one, spike for spike."""
    x = np.abs(x)
    base = neuron.neuron
    if base.v_reset is not None and base.v_reset < 0:
        return  # a negative reset value could reach -v_th through the leak; not this case
    tr, binary = run(neuron, x, 0.0 if base.v_reset is None else base.v_reset), run(base, x)
    np.testing.assert_array_equal(tr.spikes, neuron.amplitude * binary.spikes)
    np.testing.assert_array_equal(tr.v, binary.v)


@given(ternaries(), inputs(), st.data())
def test_reparameterization_gives_the_same_outputs(neuron, x, data):
    """W (a S) == (a W) S for the next linear layer, and the folded neuron's dynamics are the
    trained neuron's (paper Sec. re-parameterization; refsnn/neurons/ternary.py)."""
    n_in = int(np.prod(x.shape[1:]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    weight = rng.normal(size=(3, n_in))
    folded_neuron, folded_weight = neuron.reparameterize(weight)
    trained, folded = run(neuron, x), run(folded_neuron, x)
    assert folded_neuron.amplitude == 1.0
    assert set(np.unique(folded.spikes)) <= {-1.0, 0.0, 1.0}
    np.testing.assert_array_equal(trained.v, folded.v)
    y_trained = trained.spikes.reshape(x.shape[0], -1) @ weight.T
    y_folded = folded.spikes.reshape(x.shape[0], -1) @ folded_weight.T
    assert_close(y_folded, y_trained, "float64_reordered")


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_official_neuron_hand_derived(backend):
    # Authors' code: u = 0.25 u + x, +1 at u >= 0.5, -1 at u <= -0.5, then u = 0 (hard).
    # x = 0.375: u = 0.375 (0); 0.09375 + 0.375 = 0.46875 (0); 0.1171875 + 0.375 = 0.4921875 (0)
    # x = 0.5:   u = 0.123046875 + 0.5 = 0.623046875 -> +1, u = 0
    # x = -0.5:  u = -0.5 -> -1 (inclusive), u = 0;  x = 0.25: u = 0.25 (0)
    x = np.array([0.375, 0.375, 0.375, 0.5, -0.5, 0.25]).reshape(-1, 1)
    tr = Ternary.official(amplitude=0.5).forward(x, backend=backend)
    np.testing.assert_array_equal(tr.spikes[:, 0], [0, 0, 0, 0.5, -0.5, 0])
    np.testing.assert_array_equal(tr.h[:, 0], [0.375, 0.46875, 0.4921875, 0.623046875, -0.5,
                                               0.25])


def test_official_surrogate_is_a_unit_window_on_abs_u_below_one():
    """spike_layer.py: STE on clamp(u / V_th, -1, 1) with V_th = 1, so dO/du = 1 for |u| < 1
    (torch's clamp also passes |u| = 1; the canonical rectangle excludes it). One step from
    u = 0 makes u = x; with no dL/dV the reset does not enter."""
    x = np.array([[0.2, 0.99, -0.9, 0.0, 1.2, -3.0]])
    neuron = Ternary.official()
    grads = neuron.backward(neuron.forward(x, backend="numpy"), np.ones_like(x), backend="numpy")
    np.testing.assert_array_equal(grads.x[0], [1, 1, 1, 1, 0, 0])


@pytest.mark.parametrize("make, message", [
    (lambda: Ternary(neuron=IF(), amplitude=0.0), r"^amplitude: expected a value > 0.0"),
    (lambda: Ternary(neuron=IF(), amplitude=np.nan), r"^amplitude: expected a finite number"),
    (lambda: Ternary(neuron=IF(v_reset=-1.0)), r"^neuron.v_reset: expected a value strictly"),
    (lambda: Ternary(neuron=IF(), surrogate_centre="middle"), r"^surrogate_centre: expected"),
    (lambda: Ternary(neuron="LIF"), r"^neuron: expected an IF, LIF or PLIF"),
    (lambda: Ternary(neuron=IF()).reparameterize([[1.0]]), r"^next_weight: expected a float"),
])
def test_bad_input(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# --- SpikingJelly 2.0.0 TernaryIFNode / TernaryLIFNode ----------------------------------------

def spikingjelly_run(neuron, x, v0, grad):
    """Run the SpikingJelly node that matches ``neuron`` (amplitude 1, thresholds surrogate)."""
    torch = pytest.importorskip("torch")
    sj = pytest.importorskip("spikingjelly.activation_based.neuron")
    surrogate = pytest.importorskip("spikingjelly.activation_based.surrogate")
    base = neuron.neuron
    common = dict(v_threshold=base.v_threshold, v_reset=base.v_reset,
                  surrogate_function=surrogate.Sigmoid(alpha=base.surrogate.alpha),
                  detach_reset=base.detach_reset, step_mode="m")
    if isinstance(base, LIF):
        node = sj.TernaryLIFNode(tau=base.tau, decay_input=base.decay_input, **common)
    else:
        node = sj.TernaryIFNode(**common)
    node.v = torch.tensor(v0, dtype=torch.float64)
    x_t = torch.tensor(x, requires_grad=True)
    out = node(x_t)
    (out * torch.tensor(grad)).sum().backward()
    return out.detach().numpy(), x_t.grad.numpy()


SJ_CASES = [  # (base neuron, whether SpikingJelly's gradient coincides with refsnn's)
    (IF(v_reset=None, surrogate=Sigmoid()), True),
    (IF(v_reset=0.0, surrogate=Sigmoid(), detach_reset=True), True),
    (LIF(tau=2.0, v_reset=None, surrogate=Sigmoid()), True),
    (LIF(tau=3.0, decay_input=False, v_reset=0.25, surrogate=Sigmoid(), detach_reset=True), True),
    (IF(v_reset=0.0, surrogate=Sigmoid()), False),
    (LIF(tau=2.0, v_reset=0.0, surrogate=Sigmoid()), False),
]


@pytest.mark.parametrize("base, same_gradient", SJ_CASES, ids=repr)
def test_against_spikingjelly(base, same_gradient):
    """Forward is identical to SpikingJelly's (up to its divide-by-tau rounding). BPTT is too,
    except for an attached hard reset: SpikingJelly differentiates the reset mask as P + N
    (d/dH = g(H - v_th) - g(-H - v_th)), the authors' code and refsnn as |S|
    (d/dH = sign(S) (g(H - v_th) + g(-H - v_th))): they differ by a documented amount."""
    rng = np.random.default_rng(11)
    x = rng.normal(0.0, 1.2, (16, 6))
    v0 = np.full(6, base.rest_potential)
    grad = rng.normal(size=x.shape)
    neuron = Ternary(neuron=base)
    ours = neuron.forward(x, v0, backend="numpy")
    theirs_out, theirs_grad = spikingjelly_run(neuron, x, v0, grad)
    np.testing.assert_array_equal(ours.spikes, theirs_out)
    grad_x = neuron.backward(ours, grad, backend="numpy").x
    bound = tolerance("torch_autograd")  # SpikingJelly's gradient is torch autograd's
    assert np.allclose(grad_x, theirs_grad, rtol=bound.rtol, atol=bound.atol) == same_gradient
