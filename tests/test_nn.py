"""refsnn.nn: every layer's backward, whole networks' BPTT, BatchNorm folding, optimizers.

1. Every layer's backward against central finite differences (float64), for dL/dx and every
   parameter, with ``L = sum(w y)`` for a random ``w`` (Conv2d, BatchNorm and AvgPool2d with
   both backends; tests/test_nn_kernels.py checks the backends against each other).
2. Whole networks (Linear-LIF-Linear-LIF; Conv-BN-LIF-Pool-Flatten-Linear) in the neurons'
   smooth mode, where the network is an ordinary differentiable function: BPTT == central
   differences, and == torch autograd of the same network written with torch's functional
   ops from the equations (the loss is the cross-entropy of the mean output over time).
3. Folding BatchNorm into the preceding Linear/Conv2d leaves the eval outputs unchanged.
4. SGD (momentum, weight decay) and Adam == torch.optim on the same gradients, with torch's
   schedules, to 1e-12 (Adam in float32 too, to float32 rounding).
5. Bad input: every error names the argument.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from refsnn import IF, LIF, PLIF, MultiThreshold, Ternary
from refsnn.nn import (
    SGD,
    Adam,
    AvgPool2d,
    BatchNorm,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    NeuronLayer,
    Reshape,
    Sequential,
    encoding,
    fold_batchnorm,
    losses,
    readout,
    schedule,
)
from refsnn.surrogates import Sigmoid
from refsnn.tolerances import assert_close
from spec_tests.gradcheck import elementwise_fd

# --- 1. every layer's backward vs finite differences ----------------------------------------

def with_stats(bn):
    """A BatchNorm with non-trivial affine parameters and running statistics."""
    rng = np.random.default_rng(5)
    bn.gamma.value[...] = rng.uniform(0.5, 1.5, bn.num_features)
    bn.beta.value[...] = rng.normal(0.0, 0.3, bn.num_features)
    bn.running_mean[...] = rng.normal(0.0, 0.5, bn.num_features)
    bn.running_var[...] = rng.uniform(0.5, 2.0, bn.num_features)
    return bn


def smooth(neuron, learn="all"):
    return NeuronLayer(neuron, learn=learn, backend="numpy", smooth=True)


SIG = Sigmoid(alpha=2.0)

# (id, layer factory (deterministic), input shape, training, input mean)
LAYERS = [
    ("linear", lambda: Linear(5, 3, rng=1), (4, 5), True, 0.0),
    ("linear-nobias", lambda: Linear(5, 3, rng=1, bias=False), (4, 5), True, 0.0),
    ("conv-pad", lambda: Conv2d(2, 3, 3, padding=1, rng=2), (2, 2, 5, 5), True, 0.0),
    ("conv-stride", lambda: Conv2d(2, 3, (2, 3), stride=2, rng=2), (2, 2, 6, 7), True, 0.0),
    ("conv-stride-pad", lambda: Conv2d(1, 2, 3, stride=(2, 1), padding=(1, 2), rng=3),
     (2, 1, 5, 4), True, 0.0),
    ("avgpool", lambda: AvgPool2d(2), (2, 3, 4, 5), True, 0.0),
    ("avgpool-overlap", lambda: AvgPool2d(3, stride=2), (2, 2, 7, 6), True, 0.0),
    ("maxpool", lambda: MaxPool2d(2), (2, 3, 4, 5), True, 0.0),
    ("maxpool-overlap", lambda: MaxPool2d((3, 2), stride=1), (2, 2, 5, 4), True, 0.0),
    ("batchnorm1d-train", lambda: with_stats(BatchNorm(3)), (6, 3), True, 0.5),
    ("batchnorm2d-train", lambda: with_stats(BatchNorm(2)), (3, 2, 3, 2), True, 0.5),
    ("batchnorm2d-eval", lambda: with_stats(BatchNorm(2)), (3, 2, 3, 2), False, 0.5),
    ("flatten", Flatten, (3, 2, 2, 3), True, 0.0),
    # the NumPy references of the layers with Numba kernels (the cases above run Numba's)
    ("conv-stride-pad-numpy", lambda: Conv2d(1, 2, 3, stride=(2, 1), padding=(1, 2), rng=3,
                                             backend="numpy"), (2, 1, 5, 4), True, 0.0),
    ("avgpool-overlap-numpy", lambda: AvgPool2d(3, stride=2, backend="numpy"), (2, 2, 7, 6),
     True, 0.0),
    ("batchnorm2d-train-numpy", lambda: with_stats(BatchNorm(2, backend="numpy")),
     (3, 2, 3, 2), True, 0.5),
    ("batchnorm2d-eval-numpy", lambda: with_stats(BatchNorm(2, backend="numpy")),
     (3, 2, 3, 2), False, 0.5),
    ("dropout", lambda: Dropout(0.4, rng=9), (3, 4, 5), True, 0.0),
    ("dropout-eval", lambda: Dropout(0.4, rng=9), (3, 4, 5), False, 0.0),
    ("LIF", lambda: smooth(LIF(tau=3.0, surrogate=SIG)), (6, 2, 3), True, 0.8),
    ("PLIF-soft", lambda: smooth(PLIF(w=0.3, v_reset=None, surrogate=SIG)), (6, 2, 3), True,
     0.8),
    ("IF", lambda: smooth(IF(v_reset=-0.2, surrogate=SIG)), (6, 2, 3), True, 0.5),
    ("Ternary", lambda: smooth(Ternary(neuron=LIF(surrogate=SIG), amplitude=0.7)), (6, 2, 3),
     True, 0.3),
    ("MultiThreshold", lambda: smooth(MultiThreshold(neuron=LIF(v_reset=None, surrogate=SIG),
                                                     levels=3)), (6, 2, 3), True, 1.5),
]


def layer_loss(make, x, values, weights, training):
    """``sum(w y)`` of a fresh layer (so that Dropout redraws the same mask) with parameter
    values ``values``."""
    layer = make()
    for name, p in layer.parameters().items():
        p.value[...] = values[name]
    return np.sum(weights * layer.forward(x, training=training))


@pytest.mark.parametrize("make, shape, training, mean",
                         [pytest.param(*case[1:], id=case[0]) for case in LAYERS])
def test_layer_backward_matches_finite_differences(make, shape, training, mean):
    rng = np.random.default_rng(0)
    x = rng.normal(mean, 1.0, shape)
    layer = make()
    y = layer.forward(x.copy(), training=training)
    weights = rng.normal(size=y.shape)
    grad_x = layer.backward(weights)
    values = {name: p.value.copy() for name, p in layer.parameters().items()}
    assert_close(
        grad_x, elementwise_fd(lambda a: layer_loss(make, a, values, weights, training), x),
        "finite_differences", err_msg="dL/dx")
    for name, p in layer.parameters().items():
        def bumped(a, name=name):
            return layer_loss(make, x, values | {name: a}, weights, training)
        assert_close(p.grad, elementwise_fd(bumped, values[name]), "finite_differences",
                     err_msg=f"dL/d{name}")


def test_layer_gradients_accumulate_until_zero_grad():
    layer, rng = Linear(3, 2, rng=0), np.random.default_rng(1)
    x, g = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer.forward(x)
    layer.backward(g)
    once = layer.weight.grad.copy()
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)
    layer.weight.zero_grad()
    assert not layer.weight.grad.any()


def test_maxpool_routes_a_tie_to_the_first_maximum():
    pool = MaxPool2d(2)
    y = pool.forward(np.ones((1, 1, 2, 2)))
    assert y.shape == (1, 1, 1, 1)
    np.testing.assert_array_equal(pool.backward(np.ones_like(y))[0, 0], [[1, 0], [0, 0]])


def test_dropout_shares_one_seeded_mask_over_time_and_is_identity_in_eval():
    x = np.ones((5, 40, 30))
    y = Dropout(0.25, rng=3).forward(x, training=True)
    assert np.all(y == y[0])  # the same mask at every step
    assert set(np.unique(y)) == {0.0, 1.0 / 0.75}
    assert abs(np.mean(y[0] == 0) - 0.25) < 0.05
    np.testing.assert_array_equal(y, Dropout(0.25, rng=3).forward(x, training=True))
    assert Dropout(0.25, rng=3).forward(x) is x


def test_batchnorm_running_statistics_follow_torch_convention():
    rng = np.random.default_rng(2)
    bn, x = BatchNorm(3, momentum=0.2), rng.normal(1.0, 2.0, (4, 3, 2, 2))
    bn.forward(x, training=True)
    n = x.size // 3
    np.testing.assert_allclose(bn.running_mean, 0.2 * x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(bn.running_var, 0.8 + 0.2 * x.var(axis=(0, 2, 3)) * n / (n - 1))


# --- 2. whole networks in the smooth mode: FD and torch autograd ----------------------------

def mlp(neuron_factory):
    rng = np.random.default_rng(3)
    return Sequential(Linear(4, 6, rng=rng), smooth(neuron_factory()), Linear(6, 3, rng=rng),
                      smooth(neuron_factory()))


def cnn(neuron_factory, pool=AvgPool2d):
    rng = np.random.default_rng(4)
    return Sequential(Conv2d(1, 3, 3, padding=1, rng=rng), BatchNorm(3),
                      smooth(neuron_factory()), pool(2), Flatten(), Linear(27, 4, rng=rng))


LIF_HARD = lambda: LIF(tau=2.5, v_threshold=0.8, surrogate=SIG)  # noqa: E731
LIF_SOFT = lambda: LIF(tau=2.0, v_reset=None, decay_input=False, surrogate=SIG)  # noqa: E731

NETWORKS = [  # (id, network factory, input shape [T, B, ...], input mean, classes)
    ("mlp-LIF-hard", lambda: mlp(LIF_HARD), (4, 3, 4), 1.0, 3),
    ("mlp-LIF-soft", lambda: mlp(LIF_SOFT), (4, 3, 4), 1.0, 3),
    ("cnn-LIF-hard-avgpool", lambda: cnn(LIF_HARD), (3, 2, 1, 6, 6), 0.5, 4),
    ("cnn-LIF-soft-maxpool", lambda: cnn(LIF_SOFT, MaxPool2d), (3, 2, 1, 6, 6), 0.5, 4),
]
FD_ONLY = [
    ("mlp-PLIF", lambda: mlp(lambda: PLIF(w=-0.5, surrogate=SIG)), (4, 3, 4), 1.0, 3),
    ("mlp-Ternary", lambda: mlp(lambda: Ternary(neuron=LIF(surrogate=SIG), amplitude=0.8)),
     (4, 3, 4), 0.5, 3),
    ("mlp-MultiThreshold", lambda: mlp(lambda: MultiThreshold(
        neuron=LIF(v_reset=None, v_threshold=0.5, surrogate=SIG), levels=3)), (4, 3, 4), 1.0, 3),
]
network_params = pytest.mark.parametrize(
    "make, shape, mean, classes", [pytest.param(*case[1:], id=case[0]) for case in NETWORKS])


def network_loss(net, x, labels):
    """Cross-entropy of the mean output over time (training mode: BatchNorm's batch stats)."""
    return losses.cross_entropy(readout.mean_over_time(net.forward(x, training=True)),
                                labels)


def network_gradients(net, x, labels):
    loss, grad = network_loss(net, x, labels)
    net.zero_grad()
    grad_x = net.backward(readout.mean_over_time_backward(grad, x.shape[0]))
    return loss, grad_x, {name: p.grad.copy() for name, p in net.parameters().items()}


def inputs(shape, mean, classes, seed=6):
    rng = np.random.default_rng(seed)
    return rng.normal(mean, 1.0, shape), rng.integers(0, classes, shape[1])


@pytest.mark.parametrize("make, shape, mean, classes",
                         [pytest.param(*case[1:], id=case[0]) for case in NETWORKS + FD_ONLY])
def test_network_bptt_matches_finite_differences(make, shape, mean, classes):
    net = make()
    x, labels = inputs(shape, mean, classes)
    _, grad_x, grads = network_gradients(net, x, labels)
    assert any(name.endswith(".v_threshold") for name in grads)  # neuron scalars included
    assert_close(grad_x, elementwise_fd(lambda a: network_loss(net, a, labels)[0], x),
                 "finite_differences", err_msg="dL/dx")
    for name, p in net.parameters().items():
        original = p.value.copy()

        def bumped(a, p=p):
            p.value[...] = a
            return network_loss(net, x, labels)[0]
        fd = elementwise_fd(bumped, original)
        p.value[...] = original
        assert_close(grads[name], fd, "finite_differences", err_msg=f"dL/d{name}")


# the same network in torch, from the equations (functional ops; the smooth LIF below)

try:
    import torch
    F = torch.nn.functional
except ImportError:  # the finite-difference checks above still run
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def torch_lif(neuron, scalars, x):
    """The smooth LIF with a sigmoid surrogate (scale 1): ``phi(u) = sigmoid(alpha u)``."""
    k = 1.0 / scalars.get("tau", neuron.tau)
    v_th = scalars.get("v_threshold", neuron.v_threshold)
    soft, alpha = neuron.v_reset is None, neuron.surrogate.alpha
    v_rest = 0.0 if soft else neuron.v_reset
    assert neuron.surrogate.name == "sigmoid" and neuron.surrogate.scale == 1.0
    v, out = torch.full_like(x[0], v_rest), []
    for t in range(x.shape[0]):
        h = v + (x[t] - (v - v_rest)) * k if neuron.decay_input else v - (v - v_rest) * k + x[t]
        s = torch.sigmoid(alpha * (h - v_th))
        v = h - s * v_th if soft else s * v_rest + (1.0 - s) * h
        out.append(s)
    return torch.stack(out)


def torch_network(net, x, labels):
    """Run ``net``'s architecture with torch ops on its parameters; return the loss and the
    leaf tensors (x and every parameter by name) after backward."""
    leaves = {name: torch.tensor(p.value, requires_grad=True)
              for name, p in net.parameters().items()}
    leaves["x"] = torch.tensor(x, requires_grad=True)
    h, (steps, batch) = leaves["x"], x.shape[:2]
    for i, layer in enumerate(net.layers):
        p = {name.split(".", 1)[1]: v for name, v in leaves.items()
             if name.startswith(f"{i}.")}
        if isinstance(layer, NeuronLayer):
            assert isinstance(layer.neuron, LIF)
            h = torch_lif(layer.neuron, p, h)
            continue
        flat = h.reshape(steps * batch, *h.shape[2:])
        if isinstance(layer, Linear):
            out = F.linear(flat, p["weight"], p.get("bias"))
        elif isinstance(layer, Conv2d):
            out = F.conv2d(flat, p["weight"], p.get("bias"), layer.stride, layer.padding)
        elif isinstance(layer, BatchNorm):
            out = F.batch_norm(flat, None, None, p["gamma"], p["beta"], training=True,
                               eps=layer.eps)
        elif isinstance(layer, AvgPool2d):
            out = F.avg_pool2d(flat, layer.kernel_size, layer.stride)
        elif isinstance(layer, MaxPool2d):
            out = F.max_pool2d(flat, layer.kernel_size, layer.stride)
        else:
            assert isinstance(layer, Flatten)
            out = flat.reshape(steps * batch, -1)
        h = out.reshape(steps, batch, *out.shape[1:])
    loss = F.cross_entropy(h.mean(dim=0), torch.tensor(labels))
    loss.backward()
    return loss.item(), leaves


@needs_torch
@network_params
def test_network_bptt_matches_torch_autograd(make, shape, mean, classes):
    net = make()
    x, labels = inputs(shape, mean, classes, seed=8)
    loss, grad_x, grads = network_gradients(net, x, labels)
    torch_loss, leaves = torch_network(net, x, labels)
    np.testing.assert_allclose(loss, torch_loss, rtol=1e-12)
    assert_close(grad_x, leaves["x"].grad.numpy(), "torch_autograd", err_msg="dL/dx")
    assert set(grads) == set(leaves) - {"x"}
    for name, grad in grads.items():
        assert_close(grad, leaves[name].grad.numpy(), "torch_autograd", err_msg=f"dL/d{name}")


def test_network_step_mode_numba_equals_numpy_reference():
    rng = np.random.default_rng(0)
    x, labels = rng.normal(0.5, 1.0, (4, 5, 1, 6, 6)), rng.integers(0, 4, 5)
    grads = []
    for backend in ("numpy", "numba"):
        layers = cnn(LIF_HARD).layers
        layers[2] = NeuronLayer(LIF_HARD(), learn="all", backend=backend)
        net = Sequential(*layers)
        grads.append(network_gradients(net, x, labels))
    assert grads[0][0] == grads[1][0]
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12, atol=1e-14)
    for name in grads[0][2]:
        np.testing.assert_allclose(grads[0][2][name], grads[1][2][name], rtol=1e-10,
                                   atol=1e-14, err_msg=name)


@pytest.mark.parametrize("first", ["Linear", "Flatten-Linear"])
def test_backward_without_input_gradient_gives_the_same_parameter_gradients(first):
    """``input_grad=False`` skips the layers before the first with parameters and that one's
    dL/dx; every parameter gradient must be what the full backward gives, bit for bit."""
    rng = np.random.default_rng(4)
    x, grad = rng.normal(0.5, 1.0, (3, 4, 2, 3)), rng.normal(size=(3, 4, 5))
    results = []
    for input_grad in (True, False):
        layers = [Linear(6, 7, rng=1), NeuronLayer(PLIF()), Linear(7, 5, rng=2)]
        net = Sequential(*([Flatten()] if first == "Flatten-Linear" else []), *layers)
        net.forward(x if first == "Flatten-Linear" else x.reshape(3, 4, 6), training=True)
        returned = net.backward(grad, input_grad=input_grad)
        assert (returned is None) == (not input_grad)
        results.append({name: p.grad.copy() for name, p in net.parameters().items()})
    assert results[0].keys() == results[1].keys()
    for name in results[0]:
        np.testing.assert_array_equal(results[0][name], results[1][name], err_msg=name)


# --- 3. BatchNorm folding -------------------------------------------------------------------

def test_folding_batchnorm_leaves_eval_outputs_unchanged():
    rng = np.random.default_rng(1)
    net = Sequential(Conv2d(1, 4, 3, padding=1, rng=rng), BatchNorm(4), NeuronLayer(LIF()),
                     MaxPool2d(2), Flatten(), Linear(36, 8, bias=False, rng=rng), BatchNorm(8),
                     NeuronLayer(LIF()), Linear(8, 3, rng=rng))
    for layer in net.layers:  # non-trivial gamma, beta and running statistics
        if isinstance(layer, BatchNorm):
            with_stats(layer).beta.value[...] += 1.0  # into the neurons' firing range
            for _ in range(3):
                net.forward(rng.normal(0.5, 1.0, (2, 6, 1, 6, 6)), training=True)
    x = rng.normal(0.5, 1.0, (4, 7, 1, 6, 6))
    folded = net.fold_batchnorm()
    assert [type(layer).__name__ for layer in folded.layers] == [
        "Conv2d", "NeuronLayer", "MaxPool2d", "Flatten", "Linear", "NeuronLayer", "Linear"]
    y, y_folded = net.forward(x), folded.forward(x)
    np.testing.assert_allclose(y_folded, y, rtol=1e-12, atol=1e-12)
    spikes = [layer.trace.spikes for layer in net.layers if isinstance(layer, NeuronLayer)]
    folded_spikes = [layer.trace.spikes for layer in folded.layers
                     if isinstance(layer, NeuronLayer)]
    for a, b in zip(spikes, folded_spikes, strict=True):
        assert 0.05 < a.mean() < 0.95
        np.testing.assert_array_equal(a, b)
    assert net.layers[1].running_mean.any()  # the original is untouched


def test_fold_batchnorm_of_a_linear_layer_is_the_affine_map():
    rng = np.random.default_rng(2)
    layer, bn = Linear(5, 3, rng=rng), with_stats(BatchNorm(3))
    x = rng.normal(size=(4, 5))
    np.testing.assert_allclose(fold_batchnorm(layer, bn).forward(x),
                               bn.forward(layer.forward(x)), rtol=1e-13, atol=1e-14)


# --- 4. optimizers and schedules against torch.optim ----------------------------------------

def optimizer_case(seed=0):
    """Parameters of several shapes, half with weight decay, and 6 steps of gradients."""
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (3,), (2, 2, 3, 3), ()]
    values = [rng.normal(size=s) for s in shapes]
    grads = [[rng.normal(size=s) for s in shapes] for _ in range(6)]
    return values, [True, False, True, False], grads


@needs_torch
@pytest.mark.parametrize("kind", ["sgd", "sgd-momentum", "adam"])
@pytest.mark.parametrize("sched", ["constant", "step", "cosine"])
def test_optimizer_matches_torch(kind, sched):
    from refsnn.nn import Parameter

    values, decays, grads = optimizer_case()
    params = [Parameter(v.copy(), decay=d) for v, d in zip(values, decays, strict=True)]
    tensors = [torch.tensor(v, requires_grad=True) for v in values]
    groups = [{"params": [t for t, d in zip(tensors, decays, strict=True) if d],
               "weight_decay": 0.05},
              {"params": [t for t, d in zip(tensors, decays, strict=True) if not d],
               "weight_decay": 0.0}]
    lr, epochs = 0.1, len(grads)
    if kind == "adam":
        ours = Adam(params, lr, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)
        theirs = torch.optim.Adam(groups, lr, betas=(0.8, 0.99), eps=1e-6)
    else:
        momentum = 0.9 if kind == "sgd-momentum" else 0.0
        ours = SGD(params, lr, momentum=momentum, weight_decay=0.05)
        theirs = torch.optim.SGD(groups, lr, momentum=momentum)
    torch_schedule = {
        "constant": lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 1.0),
        "step": lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
        "cosine": lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=epochs),
    }[sched](theirs)
    kwargs = {"step": {"step_size": 2, "gamma": 0.5}}.get(sched, {})
    for epoch, step_grads in enumerate(grads):
        ours.lr = schedule.SCHEDULES[sched](lr, epoch, epochs, **kwargs)
        assert ours.lr == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-14)
        for p, t, g in zip(params, tensors, step_grads, strict=True):
            p.grad[...] = g
            t.grad = torch.tensor(g)
        ours.step()
        theirs.step()
        torch_schedule.step()
        for p, t in zip(params, tensors, strict=True):
            np.testing.assert_allclose(p.value, t.detach().numpy(), rtol=1e-12, atol=1e-14)


@needs_torch
@pytest.mark.parametrize("eps", [1e-8, 0.0])
def test_adam_float32_matches_torch(eps):
    """float32 (training's dtype) on a long vector (the compiled update's vectorised loop and
    its remainder), some gradients exactly 0: within float32 rounding of torch.optim.Adam,
    and with ``eps=0`` the 0/0 of a parameter that never had a gradient is NaN in both (not
    an error)."""
    from refsnn.nn import Parameter

    rng = np.random.default_rng(4)
    value = rng.normal(size=1003).astype(np.float32)
    ours, tensor = Parameter(value.copy()), torch.tensor(value, requires_grad=True)
    opt, theirs = Adam([ours], 1e-2, eps=eps), torch.optim.Adam([tensor], 1e-2, eps=eps)
    for _ in range(5):
        grad = rng.normal(size=value.shape).astype(np.float32)
        grad[:7] = 0.0
        ours.grad[...], tensor.grad = grad, torch.tensor(grad)
        opt.step()
        theirs.step()
        np.testing.assert_allclose(ours.value, tensor.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert ours.value.dtype == np.float32
    assert np.isnan(ours.value).any() == (eps == 0.0)  # (assert_allclose matches the NaNs)


def test_neuron_scalars_are_learned_without_decay_and_kept_valid():
    layer = NeuronLayer(Ternary(neuron=PLIF(), amplitude=0.5), learn="all")
    assert set(layer.parameters()) == {"v_threshold", "w", "amplitude"}
    assert not any(p.decay for p in layer.parameters().values())
    assert set(NeuronLayer(LIF()).parameters()) == set()  # default: tau, v_th fixed
    assert set(NeuronLayer(PLIF()).parameters()) == {"w"}
    lif = NeuronLayer(LIF(tau=1.5), learn=("tau", "v_threshold"))
    opt = SGD(lif.parameters(), lr=1.0)
    for p in lif.parameters().values():
        p.grad[...] = 10.0  # a step far past the bounds
    opt.step()
    assert lif.neuron.tau == 1.0 and lif.neuron.v_threshold == pytest.approx(1e-3)


@needs_torch
def test_losses_match_torch():
    rng = np.random.default_rng(3)
    scores, labels = rng.normal(0.0, 3.0, (5, 4)), rng.integers(0, 4, 5)
    s = torch.tensor(scores, requires_grad=True)
    F.cross_entropy(s, torch.tensor(labels)).backward()
    loss, grad = losses.cross_entropy(scores, labels)
    np.testing.assert_allclose(loss, F.cross_entropy(s, torch.tensor(labels)).item(),
                               rtol=1e-13)
    np.testing.assert_allclose(grad, s.grad.numpy(), rtol=1e-12, atol=1e-15)
    s = torch.tensor(scores, requires_grad=True)
    target = torch.full((5, 4), 0.1, dtype=torch.float64)
    target[torch.arange(5), torch.tensor(labels)] = 0.8
    expected = F.mse_loss(s, target)
    expected.backward()
    loss, grad = losses.mse_count(scores, labels, correct_rate=0.8, incorrect_rate=0.1)
    np.testing.assert_allclose(loss, expected.item(), rtol=1e-13)
    np.testing.assert_allclose(grad, s.grad.numpy(), rtol=1e-12, atol=1e-15)
    big = np.array([[1000.0, 0.0]])  # the shifted log-softmax does not overflow
    assert losses.cross_entropy(big, np.array([1]))[0] == pytest.approx(1000.0)


# --- encodings, readout, state --------------------------------------------------------------

def test_encodings():
    x = np.random.default_rng(0).random((30, 20))
    d = encoding.direct(x, 3)
    assert d.shape == (3, 30, 20) and np.all(d == x) and d.flags.c_contiguous
    r = encoding.rate(x, 400, rng=1)
    assert set(np.unique(r)) <= {0.0, 1.0} and r.dtype == x.dtype
    assert np.abs(r.mean(axis=0) - x).max() < 0.12  # Bernoulli(x) per step
    np.testing.assert_array_equal(r, encoding.rate(x, 400, rng=1))
    assert not np.array_equal(r, encoding.rate(x, 400, rng=2))


def test_readout_backward_is_the_adjoint_of_the_mean():
    rng = np.random.default_rng(0)
    y, g = rng.normal(size=(5, 3, 4)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(np.sum(g * readout.mean_over_time(y)),
                               np.sum(readout.mean_over_time_backward(g, 5) * y), rtol=1e-13)


def test_state_round_trip_and_float32_network():
    rng = np.random.default_rng(0)
    make = lambda seed: Sequential(  # noqa: E731
        Conv2d(1, 2, 3, rng=seed, dtype=np.float32), BatchNorm(2, dtype=np.float32),
        NeuronLayer(PLIF()), Flatten(), Linear(8, 3, rng=seed, dtype=np.float32))
    a, b = make(0), make(1)
    x = rng.random((2, 4, 1, 4, 4)).astype(np.float32)
    a.forward(x, training=True)
    b.load_state(a.state())
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    assert a.forward(x).dtype == np.float32


# --- 5. bad input ---------------------------------------------------------------------------

def _forward(layer, x, **kwargs):
    return lambda: layer.forward(x, **kwargs)


def _backward_first():
    return Linear(2, 2, rng=0).backward(np.zeros((1, 2)))


def _bad_grad():
    layer = Linear(3, 2, rng=0)
    layer.forward(np.zeros((4, 3)))
    layer.backward(np.zeros((4, 3)))


Z = np.zeros
BAD = [
    ("in_features", lambda: Linear(0, 3, rng=0)),
    ("rng", lambda: Linear(3, 2, rng="seed")),
    ("dtype", lambda: Linear(3, 2, rng=0, dtype=np.int32)),
    ("x: expected shape", _forward(Linear(3, 2, rng=0), Z((4, 5)))),
    ("x: expected dtype float64", _forward(Linear(3, 2, rng=0), Z((4, 3), np.float32))),
    ("x: expected a numpy", _forward(Linear(3, 2, rng=0), [[0.0, 0.0, 0.0]])),
    ("backward: Linear.forward must run first", _backward_first),
    ("grad: expected shape", _bad_grad),
    ("kernel_size", lambda: Conv2d(1, 2, 0, rng=0)),
    ("padding", lambda: Conv2d(1, 2, 3, padding=-1, rng=0)),
    ("x: expected shape", _forward(Conv2d(1, 2, 3, rng=0), Z((2, 1, 5)))),
    ("x: expected shape", _forward(Conv2d(1, 2, 3, rng=0), Z((2, 3, 5, 5)))),
    ("x: expected an image", _forward(Conv2d(1, 2, 3, rng=0), Z((2, 1, 2, 5)))),
    ("stride", lambda: MaxPool2d(2, stride=(1, 2, 3))),
    ("x: expected dtype float32 or float64", _forward(AvgPool2d(2), Z((1, 1, 4, 4), int))),
    ("x: expected 3 channels", _forward(BatchNorm(3), Z((4, 2)))),
    ("x: expected more than one value", lambda: BatchNorm(2).forward(Z((1, 2)), training=True)),
    ("momentum", lambda: BatchNorm(3, momentum=2.0)),
    ("p: expected a probability", lambda: Dropout(1.0)),
    ("x: expected shape", _forward(Dropout(0.5), Z(3))),
    ("neuron", lambda: NeuronLayer("LIF")),
    ("learn", lambda: NeuronLayer(LIF(), learn=("amplitude",))),
    ("learn", lambda: NeuronLayer(LIF(), learn="everything")),
    ("smooth", lambda: NeuronLayer(LIF(), smooth=True)),
    ("backend", lambda: NeuronLayer(LIF(), backend="cuda")),
    ("backend", lambda: Conv2d(1, 2, 3, rng=0, backend="cuda")),
    ("backend", lambda: BatchNorm(3, backend="torch")),
    ("backend", lambda: AvgPool2d(2, backend=None)),
    ("layers[1]", lambda: Sequential(Flatten(), "relu")),
    ("x: expected shape [T, B, ...]", _forward(Sequential(Flatten()), Z(3))),
    ("x: expected intensities in [0, 1]", lambda: encoding.rate(np.full((2, 2), 1.5), 3, 0)),
    ("steps", lambda: encoding.direct(Z((2, 2)), 0)),
    ("labels: expected an integer", lambda: losses.cross_entropy(Z((2, 3)), Z(2))),
    ("labels: expected class indices", lambda: losses.cross_entropy(Z((2, 3)),
                                                                    np.array([0, 3]))),
    ("labels: expected shape", lambda: losses.mse_count(Z((2, 3)), np.array([0]))),
    ("scores", lambda: losses.cross_entropy(Z(3), np.array([0]))),
    ("lr", lambda: SGD(Linear(2, 2, rng=0).parameters(), lr=0.0)),
    ("params[0]", lambda: SGD([Z(3)], lr=0.1)),
    ("betas", lambda: Adam(Linear(2, 2, rng=0).parameters(), betas=(0.9, 1.0))),
    ("weight_decay", lambda: Adam(Linear(2, 2, rng=0).parameters(), weight_decay=-1.0)),
    ("state: expected the entries", lambda: Sequential(Linear(2, 2, rng=0)).load_state({})),
    ("state['0.weight']", lambda: Sequential(Linear(2, 2, rng=0)).load_state(
        {"0.weight": Z((2, 3)), "0.bias": Z(2)})),
    ("bn: expected 4 features", lambda: fold_batchnorm(Linear(3, 4, rng=0), BatchNorm(3))),
    ("layer: expected a Linear", lambda: fold_batchnorm(Flatten(), BatchNorm(3))),
]


@pytest.mark.parametrize("message, call", [pytest.param(m, c, id=f"{i}-{m.split(':')[0]}")
                                           for i, (m, c) in enumerate(BAD)])
def test_bad_input_error_names_the_argument(message, call):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


def test_reshape_is_a_c_order_reshape_both_ways():
    """Reshape((3, 1, 4)) of x[2, 12]: y[n, c, 0, w] = x[n, 4 c + w] (C order), and backward
    returns the upstream gradient in x's layout; a sample of the wrong size is refused."""
    x = np.arange(24.0).reshape(2, 12)
    layer = Reshape((3, 1, 4))
    y = layer.forward(x)
    assert y.shape == (2, 3, 1, 4) and y[1, 2, 0, 3] == x[1, 4 * 2 + 3]
    grad = np.random.default_rng(0).normal(size=(2, 3, 1, 4))
    np.testing.assert_array_equal(layer.backward(grad), grad.reshape(2, 12))
    with pytest.raises(ValueError, match=r"^x: expected 12 values per sample"):
        layer.forward(np.zeros((2, 10)))
