"""refsnn.nir.export: the round trip refsnn -> NIR -> refsnn.nir.load is exact (spikes and
membranes bit for bit, ties included); what NIR cannot carry is refused with the reason; the
``refsnn nir`` commands and ``--export-nir``."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spec_tests.strategies import dyadic, neurons

nir = pytest.importorskip("nir")

import refsnn.nir as rn  # noqa: E402
from refsnn.cli import main  # noqa: E402
from refsnn.neurons import IF, LIF, PLIF, MTNeuron, MultiThreshold, Ternary  # noqa: E402
from refsnn.nir.export import refusal  # noqa: E402
from refsnn.nn import (  # noqa: E402
    AvgPool2d,
    BatchNorm,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    NeuronLayer,
    Sequential,
)
from refsnn.training.checkpoint import save_state  # noqa: E402

DTS = [1e-4, 1e-3, 0.37, 1.0, 3.0]


def spiking_mlp(neuron, dtype, backend, rng):
    return Sequential(Linear(3, 5, rng=rng, dtype=dtype), NeuronLayer(neuron, backend=backend),
                      Dropout(0.5), Linear(5, 4, rng=rng, dtype=dtype),
                      NeuronLayer(neuron, backend=backend))


def assert_round_trip(net, x, dt, *, via_file=None, **export_kw):
    """load(export(net)) reproduces net.forward(x): every neuron layer's spikes and membranes
    (before and after reset) bit for bit."""
    graph = rn.export(net, dt=dt, **export_kw)
    assert graph.metadata["exact"]
    if via_file is not None:
        nir.write(via_file, graph)
        graph = nir.read(via_file)
    y = net.forward(x)
    rec = rn.load(graph, dt=dt, initial=graph.metadata["initial"]).forward(x, record=True)
    np.testing.assert_array_equal(rec.output, y)
    for i, layer in enumerate(net.layers):
        if isinstance(layer, NeuronLayer):
            seen = rec.nodes[f"{i}_neuronlayer"]
            np.testing.assert_array_equal(seen["output"], layer.trace.spikes)
            np.testing.assert_array_equal(seen["v"], layer.trace.v)
            np.testing.assert_array_equal(seen["h"], layer.trace.h)
    return rec


@given(st.data())
def test_round_trip_is_exact(data):
    neuron = data.draw(neurons(soft=False).filter(lambda n: refusal(n) is None), label="neuron")
    dtype = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    dt = data.draw(st.sampled_from(DTS), label="dt")
    backend = data.draw(st.sampled_from(["numpy", "numba"]), label="backend")
    net = spiking_mlp(neuron, dtype, backend, np.random.default_rng(data.draw(
        st.integers(0, 99), label="seed")))
    # dyadic inputs and weights: sums are exact, so membranes land exactly on thresholds
    for layer in (net.layers[0], net.layers[3]):
        layer.weight.value[...] = dyadic(data.draw, layer.weight.value.shape, -1, 2, 4)
        layer.bias.value[...] = dyadic(data.draw, layer.bias.value.shape, -1, 1, 4)
    x = dyadic(data.draw, (data.draw(st.integers(1, 12)), 2, 3), -1, 2, 8).astype(dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exact = rn.export(net, dt=dt).metadata["exact"]
    # float32: always exact; float64: exact unless no float64 tau / r reproduces refsnn's
    # constants, which the export says (refsnn.nir.export, "Exactness")
    assert exact or (dtype is np.float64 and "no float64 tau / r" in str(caught[0].message))
    if exact:
        assert_round_trip(net, x, dt)


def test_an_inexact_float64_export_warns_and_agrees_to_rounding():
    # PLIF w = 1 at dt = 1e-4: k = sigmoid(1) = 0.7310585786300049 is not fl(1e-4 / tau) for any
    # float64 tau (the nearest gives the neighbouring float): one ulp of k.
    net = Sequential(Linear(3, 4, rng=0), NeuronLayer(PLIF(w=1.0, v_threshold=5.0)))
    with pytest.warns(UserWarning, match=r"^layer 1 \(NeuronLayer.*no float64 tau / r"):
        graph = rn.export(net, dt=1e-4)
    assert not graph.metadata["exact"]
    x = np.random.default_rng(0).normal(1.0, 1.0, (20, 2, 3))
    net.forward(x)
    v = rn.load(graph, dt=1e-4).forward(x, record=True).nodes["1_neuronlayer"]["v"]
    np.testing.assert_allclose(v, net.layers[1].trace.v, rtol=1e-14, atol=1e-14)
    assert not np.array_equal(v, net.layers[1].trace.v)


def test_ties_fire_as_in_refsnn_under_either_compare():
    # IF, threshold 1, input 0.5 a step: H = 0.5, 1.0 (a tie), ...; refsnn's default >= fires
    # at the tie: [0, 1, 0, 1, 0, 1]; compare=">" waits for 1.5: [0, 0, 1, 0, 0, 1].
    x = np.full((6, 1, 1), 0.5)
    for compare, expected in ((">=", [0, 1, 0, 1, 0, 1]), (">", [0, 0, 1, 0, 0, 1])):
        net = Sequential(NeuronLayer(IF(compare=compare)))
        rec = assert_round_trip(net, x, 1e-4, input_shape=(1,))
        assert rec.output.ravel().tolist() == expected


def test_threshold_moves_to_the_next_float_below_in_the_network_dtype():
    for dtype in (np.float32, np.float64):
        net = Sequential(Linear(2, 2, rng=0, dtype=dtype), NeuronLayer(LIF(v_threshold=0.3)))
        node = rn.export(net, dt=1e-3).nodes["1_neuronlayer"]
        assert node.v_threshold.dtype == dtype
        assert np.all(node.v_threshold == np.nextafter(dtype(0.3), dtype(-np.inf)))
        gt = Sequential(Linear(2, 2, rng=0, dtype=dtype),
                        NeuronLayer(LIF(v_threshold=0.3, compare=">")))
        assert np.all(rn.export(gt, dt=1e-3).nodes["1_neuronlayer"].v_threshold == dtype(0.3))


@pytest.mark.parametrize("dt", DTS)
def test_exported_constants_are_within_ulps_of_their_values(dt):
    # tau = tau_steps dt and r = tau / dt (decay_input=False), to a few float64 ulps, such that
    # the interpreter's dt / tau is refsnn's 1 / tau_steps exactly and r dt / tau is 1.
    node = rn.export(Sequential(Linear(2, 2, rng=0), NeuronLayer(
        LIF(tau=3.0, decay_input=False))), dt=dt).nodes["1_neuronlayer"]
    tau, r = float(node.tau[0]), float(node.r[0])
    assert abs(tau - 3.0 * dt) <= 8 * np.spacing(3.0 * dt)
    assert dt / tau == 1.0 / 3.0 and r * (dt / tau) == 1.0
    assert abs(r - 3.0) <= 8 * np.spacing(3.0)


def test_conv_network_with_batchnorm_pooling_dropout_flatten(tmp_path):
    rng = np.random.default_rng(7)
    for dtype in (np.float32, np.float64):
        net = Sequential(Conv2d(2, 3, 3, padding=1, rng=rng, dtype=dtype),
                         BatchNorm(3, dtype=dtype), NeuronLayer(LIF(tau=2.0)), AvgPool2d(2),
                         Dropout(0.2), Flatten(), Linear(27, 4, rng=rng, dtype=dtype),
                         NeuronLayer(PLIF(w=0.5, decay_input=False, v_reset=-0.25)))
        bn = net.layers[1]
        bn.running_mean[...] = rng.normal(size=3)
        bn.running_var[...] = rng.random(3) + 0.5
        bn.gamma.value[...] = rng.random(3) + 0.5
        x = (np.round(rng.normal(1.0, 1.0, (10, 2, 2, 6, 6)) * 4) / 4).astype(dtype)
        # the graph is the folded network: exact against it; against the unfolded one only to
        # the rounding of the folding (refsnn.nn.fold_batchnorm)
        folded = net.fold_batchnorm()
        rec = assert_round_trip(folded, x, 1e-3, via_file=tmp_path / f"{dtype.__name__}.nir",
                                input_shape=(2, 6, 6))
        assert list(rn.export(net, dt=1e-3, input_shape=(2, 6, 6)).nodes) == \
            ["input", "0_conv2d", "1_neuronlayer", "2_avgpool2d", "4_flatten", "5_linear",
             "6_neuronlayer", "output"]
        assert 0 < rec.nodes["1_neuronlayer"]["output"].mean() < 1


@pytest.mark.parametrize("layer,message", [
    (NeuronLayer(IF(v_reset=None)), "a soft reset .*NIR issue #137"),
    (NeuronLayer(LIF(tau=np.inf)), "tau = inf"),
    (NeuronLayer(Ternary(neuron=LIF())), "signed and scaled .*NIR issue #70"),
    (NeuronLayer(MultiThreshold(neuron=LIF(), levels=3)), "multi-level .*NIR issue #70"),
    (NeuronLayer(MTNeuron.parallel(LIF(), 2)), "multi-level .*NIR issue #70"),
])
def test_unexportable_neurons_are_refused_naming_the_layer(layer, message):
    net = Sequential(Linear(2, 2, rng=0), layer)
    with pytest.raises(ValueError, match=rf"^layer 1 \(NeuronLayer\(.*\)\): cannot be exported: "
                                         rf".*{message}"):
        rn.export(net, dt=1e-3)


def test_maxpool_stray_batchnorm_and_missing_input_shape_are_refused():
    with pytest.raises(ValueError, match=r"^layer 0 \(MaxPool2d.*no max-pooling node"):
        rn.export(Sequential(MaxPool2d(2), Flatten()), dt=1.0, input_shape=(1, 4, 4))
    with pytest.raises(ValueError, match=r"^layer 1 \(BatchNorm\): expected to follow a "
                                         r"Linear or Conv2d"):
        rn.export(Sequential(Flatten(), BatchNorm(4)), dt=1.0, input_shape=(4,))
    with pytest.raises(ValueError, match=r"^input_shape: expected one sample's shape"):
        rn.export(Sequential(Flatten(), Linear(4, 2, rng=0)), dt=1.0)
    with pytest.raises(ValueError, match=r"^dt: expected a value > 0.0, got 0.0$"):
        rn.export(Sequential(Linear(4, 2, rng=0)), dt=0.0)


# -- the command line ---------------------------------------------------------------------------

def test_nir_run_writes_traces_with_the_discretization(tmp_path, capsys):
    net = spiking_mlp(LIF(v_reset=-0.5), np.float64, "numpy", np.random.default_rng(8))
    graph_path, x_path = tmp_path / "g.nir", tmp_path / "x.npy"
    nir.write(graph_path, rn.export(net, dt=1e-3))
    x = np.random.default_rng(9).normal(1.0, 1.0, (9, 2, 3))
    np.save(x_path, x)
    args = ["nir", "run", str(graph_path), "--input", str(x_path), "--out", str(tmp_path / "o"),
            "--dt", "1e-3", "--initial", "reset"]
    assert main(args) == 0
    with np.load(tmp_path / "o" / "traces.npz") as traces:
        assert json.loads(str(traces["discretization"]))["initial"] == "reset"
        np.testing.assert_array_equal(traces["output/output"], net.forward(x))
    data = nir.read_data(str(tmp_path / "o" / "traces.h5"))
    np.testing.assert_array_equal(data.nodes["4_neuronlayer"].observables["spikes"].data,
                                  np.moveaxis(net.forward(x), 0, 1).astype(bool))
    assert main(args) == 2  # exists
    assert "exists; pass --force" in capsys.readouterr().err
    assert main([*args, "--force", "--preset", "norse"]) == 0
    assert main(["nir", "run", str(graph_path), "--input", str(x_path), "--out",
                 str(tmp_path / "p")]) == 2
    assert "dt: expected a time step > 0" in capsys.readouterr().err


def test_nir_export_from_a_checkpoint(tmp_path):
    from refsnn.training import Config, build
    from refsnn.training.checkpoint import CHECKPOINT_FORMAT

    config = Config(data="digits", hidden=(6,), dtype="float64")
    net = build(config, (1, 8, 8), 10)
    meta = {"config": config.to_json(), "input_shape": [1, 8, 8], "classes": 10}
    save_state(tmp_path / "c.npz", CHECKPOINT_FORMAT, meta, net.state())
    assert main(["nir", "export", str(tmp_path / "c.npz"), "--dt", "1e-3", "--out",
                 str(tmp_path / "n.nir")]) == 0
    graph = nir.read(tmp_path / "n.nir")
    x = np.random.default_rng(10).random((4, 3, 1, 8, 8)) * 4
    np.testing.assert_array_equal(rn.load(graph, dt=1e-3).forward(x), net.forward(x))


def test_export_nir_options_refuse_what_nir_cannot_carry(tmp_path, capsys):
    assert main(["train", "--neuron", "MultiThreshold", "--export-nir", str(tmp_path / "n.nir"),
                 "--out", str(tmp_path / "run"), "--quiet"]) == 2
    assert "MultiThreshold neurons cannot be exported to NIR: its spikes are multi-level" in \
        capsys.readouterr().err
    assert main(["convert", "--export-nir", str(tmp_path / "c.nir"), "--quiet"]) == 2
    assert "reset by subtraction, and a soft reset" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
