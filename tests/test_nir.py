"""refsnn.nir's interpreter: every NIR node against hand-derived values, closed forms and
independent loops; the discretization knobs; recurrent and nested graphs; bad graphs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

nir = pytest.importorskip("nir")

import refsnn.nir as rn  # noqa: E402
from refsnn.nir import PRESETS, Discretization  # noqa: E402


def ones(n=1):
    return np.ones(n)


def chain(*nodes, shape=(1,)):
    """input -> nodes... -> output, with the Input's shape given (the Output's left open)."""
    names = ["input", *(f"n{i}" for i in range(len(nodes))), "output"]
    all_nodes = dict(zip(names, [nir.Input(input_type=np.array(shape)), *nodes,
                                 nir.Output(output_type=None)], strict=True))
    return nir.NIRGraph(nodes=all_nodes, edges=list(zip(names, names[1:], strict=False)),
                        type_check=False)


def run(node, x, shape=(1,), **disc):
    """The output of ``node`` alone over the 1-D input ``x`` (one neuron, one sample)."""
    x = np.asarray(x, float).reshape(-1, 1, *shape)
    rec = rn.load(chain(node, shape=shape), **disc).forward(x, record=True)
    return rec.nodes["n0"]


def lif(**kw):
    p = dict(tau=ones() * 2.0, r=ones(), v_leak=np.zeros(1), v_threshold=ones())
    return nir.LIF(**(p | kw))


# -- the discretization value -------------------------------------------------------------

@pytest.mark.parametrize("field,value", [("dt", 0.0), ("dt", -1e-3), ("dt", math.nan),
                                         ("dt", math.inf), ("scheme", "rk4"),
                                         ("reset", "zero"), ("compare", "<"),
                                         ("current", "next"), ("initial", "rest"),
                                         ("r", "ignored")])
def test_discretization_refuses_bad_values_naming_the_field(field, value):
    with pytest.raises(ValueError, match=f"^{field}: expected"):
        Discretization(**{field: value})


def test_presets_are_discretizations_and_spec_needs_dt():
    assert set(PRESETS) == {"spec", "snntorch", "norse", "spikingjelly", "sinabs", "rockpool"}
    assert PRESETS["spec"] == Discretization(scheme="euler", reset="value", compare=">")
    with pytest.raises(ValueError, match="^dt: expected"):
        rn.load(chain(lif()))
    with pytest.raises(ValueError, match="^preset: expected one of"):
        rn.load(chain(lif()), preset="lava")
    net = rn.load(chain(lif()), preset="spikingjelly", compare=">")
    assert net.discretization == Discretization(dt=1e-4, compare=">", initial="reset")


# -- neurons: hand-derived cases -----------------------------------------------------------

def test_lif_euler_tie_at_threshold():
    # dt = 1, tau = 2: k = 1/2, input 2: v1 = 0 + (2 - 0)/2 = 1.0 (a tie: no spike under >),
    # v2 = 1 + (2 - 1)/2 = 1.5 > 1: spike, reset to 0; then the same again: [0, 1, 0, 1].
    # Under >=: v1 = 1.0 spikes, reset 0, every step: [1, 1, 1, 1].
    seen = run(lif(), [2.0] * 4, dt=1.0)
    np.testing.assert_array_equal(seen["output"].ravel(), [0, 1, 0, 1])
    np.testing.assert_array_equal(seen["h"].ravel(), [1.0, 1.5, 1.0, 1.5])
    np.testing.assert_array_equal(seen["v"].ravel(), [1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(run(lif(), [2.0] * 4, dt=1.0, compare=">=")["output"].ravel(),
                                  [1, 1, 1, 1])


def test_if_tie_case_of_the_notes():
    # NIR IF, r = 2, dt = 0.25: dv = r dt I = 0.5 per step with I = 1: 0.5, 1.0 (tie), 1.5
    # (spike, reset to v_reset = 0), 0.5, 1.0, 1.5: spikes [0, 0, 1, 0, 0, 1]. Under >=:
    # [0, 1, 0, 1, 0, 1] (SpikingJelly's importer, as measured in the notes on NIR).
    node = nir.IF(r=ones() * 2.0, v_threshold=ones())
    np.testing.assert_array_equal(run(node, [1.0] * 6, dt=0.25)["output"].ravel(),
                                  [0, 0, 1, 0, 0, 1])
    np.testing.assert_array_equal(run(node, [1.0] * 6, dt=0.25, compare=">=")["output"]
                                  .ravel(), [0, 1, 0, 1, 0, 1])


def test_subtract_reset():
    # IF, r dt = 1, input 0.75, threshold 1, subtract: 0.75, 1.5 -> 0.5, 1.25 -> 0.25, 1.0 (a
    # tie under >: kept), 1.75 -> 0.75.
    seen = run(nir.IF(r=ones(), v_threshold=ones()), [0.75] * 5, dt=1.0, reset="subtract")
    np.testing.assert_array_equal(seen["output"].ravel(), [0, 1, 1, 0, 1])
    np.testing.assert_array_equal(seen["v"].ravel(), [0.75, 0.5, 0.25, 1.0, 0.75])


def test_v_reset_v_leak_and_initial_state():
    # LIF dt = 1, tau = 4 (k = 1/4), v_leak = 2, v_reset = -1, threshold 10, no input: from
    # v0 = v_leak (initial "leak") v stays 2; from v0 = v_reset = -1: -1 + (0 - (-1 - 2))/4 =
    # -0.25, then -0.25 + (0 + 2.25)/4 = 0.3125; from 0: 0.5, 0.875.
    node = lif(tau=ones() * 4.0, v_leak=ones() * 2.0, v_threshold=ones() * 10.0,
               v_reset=-ones())
    assert run(node, [0.0] * 2, dt=1.0, initial="leak")["v"].ravel().tolist() == [2.0, 2.0]
    assert run(node, [0.0] * 2, dt=1.0, initial="reset")["v"].ravel().tolist() == \
        [-0.25, 0.3125]
    assert run(node, [0.0] * 2, dt=1.0)["v"].ravel().tolist() == [0.5, 0.875]


def test_r_readings():
    # LI dt = 1, tau = 2 (k = 1/2), r = 4, input 1 from 0: spec: gain r k = 2, v1 = 2;
    # one (r ignored): gain k = 1/2, v1 = 0.5; unscaled: gain r = 4, v1 = 4.
    node = nir.LI(tau=ones() * 2.0, r=ones() * 4.0, v_leak=np.zeros(1))
    for reading, expected in (("spec", 2.0), ("one", 0.5), ("unscaled", 4.0)):
        assert run(node, [1.0], dt=1.0, r=reading)["output"].item() == expected


def test_integrator():
    # I: dv/dt = r I: v_n = n r dt I = n 0.75 with r = 3, dt = 0.25, I = 1.
    seen = run(nir.I(r=ones() * 3.0), [1.0] * 4, dt=0.25)
    np.testing.assert_array_equal(seen["output"].ravel(), [0.75, 1.5, 2.25, 3.0])


@pytest.mark.parametrize("current,expected_v", [("same", [0.25, 0.25, 0.1875]),
                                                ("previous", [0.0, 0.25, 0.25])])
def test_cuba_current_timing(current, expected_v):
    # dt = 1, tau_syn = tau_mem = 2 (k = 1/2), one input spike at t = 0, w_in = r = 1:
    # I: 0.5, 0.25, 0.125. same: v1 = (0.5 - 0)/2 = 0.25, v2 = 0.25 + (0.25 - 0.25)/2 = 0.25,
    # v3 = 0.25 + (0.125 - 0.25)/2 = 0.1875. previous (v driven by I before its update):
    # v1 = 0, v2 = (0.5 - 0)/2 = 0.25, v3 = 0.25 + (0.25 - 0.25)/2 = 0.25.
    node = nir.CubaLI(tau_syn=ones() * 2.0, tau_mem=ones() * 2.0, r=ones(), v_leak=np.zeros(1))
    seen = run(node, [1.0, 0.0, 0.0], dt=1.0, current=current)
    np.testing.assert_array_equal(seen["i"].ravel(), [0.5, 0.25, 0.125])
    np.testing.assert_array_equal(seen["v"].ravel(), expected_v)


def test_cubalif_w_in_and_spikes():
    # As above with w_in = 4 (I: 2, 1, 0.5) and threshold 0.9: same: v1 = (2 - 0)/2 = 1 > 0.9:
    # spike, reset 0; v2 = (1 - 0)/2 = 0.5; v3 = 0.5 + (0.5 - 0.5)/2 = 0.5.
    node = nir.CubaLIF(tau_syn=ones() * 2.0, tau_mem=ones() * 2.0, r=ones(),
                       v_leak=np.zeros(1), v_threshold=ones() * 0.9, w_in=ones() * 4.0)
    seen = run(node, [1.0, 0.0, 0.0], dt=1.0)
    np.testing.assert_array_equal(seen["output"].ravel(), [1, 0, 0])
    np.testing.assert_array_equal(seen["v"].ravel(), [0.0, 0.5, 0.5])


def test_sinabs_preset_is_alpha_v_plus_x():
    # Sinabs LIFSqueeze(norm_input=False): v = exp(-1/tau) v + x, subtract reset, fire at >=.
    # tau = 2 steps, x = 0.7: v1 = 0.7, v2 = a 0.7 + 0.7 = 1.1245 >= 1: spike, v = 0.1245...
    a = math.exp(-0.5)
    seen = run(lif(), [0.7] * 3, preset="sinabs")
    v2 = a * 0.7 + 0.7
    np.testing.assert_allclose(seen["v"].ravel(), [0.7, v2 - 1.0, a * (v2 - 1.0) + 0.7],
                               rtol=1e-15)
    np.testing.assert_array_equal(seen["output"].ravel(), [0, 1, 0])


# -- neurons: properties --------------------------------------------------------------------

@given(tau=st.floats(1e-3, 10.0), r=st.floats(0.1, 10.0), v_leak=st.floats(-2, 2),
       current=st.floats(-3, 3), steps=st.integers(1, 40), dt=st.floats(1e-3, 2.0))
def test_exact_scheme_is_the_closed_form_solution(tau, r, v_leak, current, steps, dt):
    # LI with a constant input: v(t) = v_leak + (v0 - v_leak) e^(-t/tau) + r I (1 - e^(-t/tau))
    # from v0 = 0, at t = n dt: the exact scheme must follow it to rounding at every step.
    node = nir.LI(tau=ones() * tau, r=ones() * r, v_leak=ones() * v_leak)
    v = run(node, [current] * steps, dt=dt, scheme="exact")["v"].ravel()
    t = dt * np.arange(1, steps + 1)
    decay = np.exp(-t / tau)
    expected = v_leak - v_leak * decay + r * current * (1 - decay)
    scale = abs(v_leak) + abs(r * current) + 1.0
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-12 * scale * steps)


@given(tau=st.floats(0.5, 5.0), current=st.floats(0.5, 2.0))
def test_euler_converges_to_the_closed_form_at_first_order(tau, current):
    # Euler's error at t = 1 shrinks ~ linearly with dt: halving dt roughly halves it.
    node = nir.LI(tau=ones() * tau, r=ones(), v_leak=np.zeros(1))
    exact = current * (1 - math.exp(-1.0 / tau))
    errors = [abs(run(node, [current] * n, dt=1.0 / n)["v"].ravel()[-1] - exact)
              for n in (200, 400)]
    assert 1.8 < errors[0] / errors[1] < 2.2


@given(st.data())
def test_lif_euler_is_refsnn_lif(data):
    # A uniform NIR LIF (r = 1, v_leak = v_reset) under Euler is refsnn's LIF with decay_input
    # and k = dt / tau, bit for bit (the same charge, fire and reset functions).
    from refsnn.neurons import LIF

    tau_steps = data.draw(st.sampled_from([1.0, 2.0, 4.0, 8.0]))
    v_reset = data.draw(st.sampled_from([0.0, -0.5, 0.25]))
    compare = data.draw(st.sampled_from([">", ">="]))
    x = data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0]), min_size=1,
                           max_size=20))
    x = np.array(x).reshape(-1, 1, 1)
    node = lif(tau=ones() * tau_steps * 0.5, v_leak=ones() * v_reset, v_reset=ones() * v_reset)
    seen = rn.load(chain(node), dt=0.5, compare=compare, initial="reset").forward(
        x, record=True).nodes["n0"]
    trace = LIF(tau=tau_steps, v_reset=v_reset, compare=compare).forward(x, backend="numpy")
    np.testing.assert_array_equal(seen["output"], trace.spikes)
    np.testing.assert_array_equal(seen["v"], trace.v)


# -- the other nodes --------------------------------------------------------------------------

def test_affine_linear_scale_sum_edges():
    # y = W x + b into a node that also receives Scale(s) x: the two edges are summed.
    w, b, s = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.25, -0.5]), np.array([3.0, 4.0])
    nodes = {"input": nir.Input(input_type=np.array([2])), "a": nir.Affine(w, b),
             "s": nir.Scale(s), "l": nir.Linear(np.eye(2) * 2.0),
             "output": nir.Output(output_type=np.array([2]))}
    edges = [("input", "a"), ("input", "s"), ("a", "l"), ("s", "l"), ("l", "output")]
    x = np.random.default_rng(1).normal(size=(3, 4, 2))
    y = rn.load(nir.NIRGraph(nodes=nodes, edges=edges), dt=1.0).forward(x)
    np.testing.assert_allclose(y, 2.0 * (x @ w.T + b + x * s), rtol=1e-15)


def naive_conv(x, w, b, stride, pad, dilation, groups):
    """The definition of torch's conv2d, element by element (pad: ((top, bottom), ...))."""
    x = np.pad(x, [(0, 0), (0, 0), *pad])
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    ho = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((n, o, ho, wo))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for i in range(ho):
            for j in range(wo):
                for ci in range(cg):
                    for a in range(kh):
                        for bb in range(kw):
                            y[:, oc, i, j] += w[oc, ci, a, bb] * x[
                                :, g * cg + ci, i * stride[0] + a * dilation[0],
                                j * stride[1] + bb * dilation[1]]
        y[:, oc] += b[oc]
    return y


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    (1, 0, 1, 1), (2, 1, 1, 1), (1, "same", 2, 1), (1, (1, 2), (2, 1), 2), (2, "valid", 1, 4)])
def test_conv2d_against_its_definition(stride, padding, dilation, groups):
    rng = np.random.default_rng(2)
    w, b = rng.normal(size=(4, 4 // groups, 3, 2)), rng.normal(size=4)
    node = nir.Conv2d(input_shape=(7, 6), weight=w, stride=stride, padding=padding,
                      dilation=dilation, groups=groups, bias=b)
    x = rng.normal(size=(2, 3, 4, 7, 6))
    y = run(node, x.ravel(), shape=(4, 7, 6), dt=1.0)["output"]
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    if padding == "same":  # torch: total k_eff - 1, the extra one after
        pads = [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in
                ((3 - 1) * pair(dilation)[0] + 1, (2 - 1) * pair(dilation)[1] + 1)]
    else:
        pads = [(p, p) for p in pair(0 if padding == "valid" else padding)]
    expected = naive_conv(x.reshape(-1, 4, 7, 6), w, b, pair(stride), pads, pair(dilation),
                          groups)
    np.testing.assert_allclose(y.reshape(expected.shape), expected, rtol=1e-12, atol=1e-12)


def test_conv1d_against_its_definition():
    rng = np.random.default_rng(3)
    w, b = rng.normal(size=(3, 2, 3)), rng.normal(size=3)
    node = nir.Conv1d(input_shape=9, weight=w, stride=2, padding=1, dilation=2, groups=1,
                      bias=b)
    x = rng.normal(size=(2, 2, 9))
    y = run(node, x.ravel(), shape=(2, 9), dt=1.0)["output"]
    expected = naive_conv(x[:, :, None, :], w[:, :, None, :], b, (1, 2), [(0, 0), (1, 1)],
                          (1, 2), 1)[:, :, 0]
    np.testing.assert_allclose(y.reshape(expected.shape), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["SumPool2d", "AvgPool2d"])
def test_pooling_with_padding(kind):
    # A 1x3x3 image of ones, kernel 2, stride 2, padding 1, zeros padded: windows cover
    # 1, 2, 2, 4 ones (corner, edges, centre): sums [[1, 2], [2, 4]]; averages (padding
    # counted, torch's count_include_pad) those / 4.
    node = getattr(nir, kind)(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                              padding=np.array([1, 1]))
    y = run(node, np.ones(9), shape=(1, 3, 3), dt=1.0)["output"].reshape(2, 2)
    sums = np.array([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_array_equal(y, sums if kind == "SumPool2d" else sums / 4)


def test_flatten_excludes_the_batch_axis():
    node = nir.Flatten(input_type={"input": np.array([2, 3, 4])}, start_dim=1, end_dim=-1)
    x = np.arange(2 * 24.0).reshape(1, 2, 2, 3, 4)
    graph = chain(node, shape=(2, 3, 4))
    graph.nodes["output"] = nir.Output(output_type=np.array([2, 12]))
    y = rn.load(graph, dt=1.0).forward(x)
    np.testing.assert_array_equal(y, x.reshape(1, 2, 2, 12))


def test_threshold_and_delay():
    # Threshold 1 on [0.5, 1.0, 1.5]: > gives [0, 0, 1], >= [0, 1, 1]. Delay 2 dt = 0.5 with
    # dt = 0.25 shifts by two steps: [0, 0, 0.5].
    node = nir.Threshold(threshold=ones())
    assert run(node, [0.5, 1.0, 1.5], dt=1.0)["output"].ravel().tolist() == [0, 0, 1]
    assert run(node, [0.5, 1.0, 1.5], dt=1.0, compare=">=")["output"].ravel().tolist() == \
        [0, 1, 1]
    assert run(nir.Delay(delay=ones() * 0.5), [0.5, 1.0, 1.5], dt=0.25)["output"].ravel() \
        .tolist() == [0.0, 0.0, 0.5]


# -- graphs -----------------------------------------------------------------------------------

def recurrent_graph(w_in, w_rec, threshold=1.0):
    n = w_in.shape[0]
    nodes = {"input": nir.Input(input_type=np.array([w_in.shape[1]])),
             "in": nir.Linear(w_in), "lif": lif(tau=np.full(n, 2.0), r=np.ones(n),
                                                v_leak=np.zeros(n),
                                                v_threshold=np.full(n, threshold)),
             "rec": nir.Linear(w_rec), "output": nir.Output(output_type=np.array([n]))}
    edges = [("input", "in"), ("in", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def test_recurrent_graph_reads_the_previous_step_on_the_back_edge():
    rng = np.random.default_rng(4)
    w_in, w_rec = rng.normal(size=(3, 2)), rng.normal(size=(3, 3))
    x = rng.normal(1.0, 1.0, size=(25, 2, 2))
    net = rn.load(recurrent_graph(w_in, w_rec), dt=1.0)
    assert net.back_edges == {("rec", "lif")}
    y = net.forward(x)
    # independent loop: H = v + (W_in x[t] + W_rec z[t-1] - v) / 2, z = H > 1, v = H (1 - z)
    v, z, expected = np.zeros((2, 3)), np.zeros((2, 3)), []
    for t in range(25):
        h = v + (x[t] @ w_in.T + z @ w_rec.T - v) * 0.5
        z = (h > 1.0) * 1.0
        v = h * (1 - z)
        expected.append(z)
    np.testing.assert_array_equal(y, np.array(expected))
    assert 0 < y.sum() < y.size


def test_delay_on_a_back_edge_carries_exactly_its_delay():
    # input -> lif -> delay(2 dt) -> lif: the back edge out of the Delay reads its current
    # output, x[t - 2], with no extra step; IF r dt = 1, threshold 0.5, one input pulse.
    nodes = {"input": nir.Input(input_type=np.array([1])),
             "if": nir.IF(r=ones(), v_threshold=ones() * 0.5),
             "delay": nir.Delay(delay=ones() * 2.0),
             "output": nir.Output(output_type=np.array([1]))}
    edges = [("input", "if"), ("if", "delay"), ("delay", "if"), ("if", "output")]
    x = np.zeros((7, 1, 1))
    x[0] = 1.0
    y = rn.load(nir.NIRGraph(nodes=nodes, edges=edges), dt=1.0).forward(x).ravel()
    # spike at 0, re-enters at 2 (spike), at 4, at 6
    np.testing.assert_array_equal(y, [1, 0, 1, 0, 1, 0, 1])


def test_nested_graph_runs_as_its_flat_equivalent():
    rng = np.random.default_rng(5)
    w = rng.normal(size=(3, 2))
    inner = nir.NIRGraph(nodes={"i": nir.Input(input_type=np.array([2])), "lin": nir.Linear(w),
                                "lif": lif(tau=np.full(3, 2.0), r=np.ones(3),
                                           v_leak=np.zeros(3), v_threshold=np.full(3, 0.5)),
                                "o": nir.Output(output_type=np.array([3]))},
                         edges=[("i", "lin"), ("lin", "lif"), ("lif", "o")])
    outer = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([2])), "sub": inner,
                                "output": nir.Output(output_type=np.array([3]))},
                         edges=[("input", "sub"), ("sub", "output")])
    flat = chain(nir.Linear(w), lif(tau=np.full(3, 2.0), r=np.ones(3), v_leak=np.zeros(3),
                                    v_threshold=np.full(3, 0.5)), shape=(2,))
    flat.nodes["output"] = nir.Output(output_type=np.array([3]))
    x = rng.normal(1.0, 1.0, size=(10, 2, 2))
    rec = rn.load(outer, dt=1.0).forward(x, record=True)
    np.testing.assert_array_equal(rec.output, rn.load(flat, dt=1.0).forward(x))
    assert "sub.lif" in rec.nodes
    data = rec.to_graph_data()
    assert isinstance(data.nodes["sub"], nir.NIRGraphData)
    assert data.nodes["sub"].nodes["lif"].observables["spikes"].data.dtype == bool


def test_recording_round_trips_through_nir_write_data(tmp_path):
    rng = np.random.default_rng(6)
    net = rn.load(recurrent_graph(rng.normal(size=(3, 2)), rng.normal(size=(3, 3))), dt=1.0)
    rec = net.forward(rng.normal(1.0, 1.0, size=(8, 2, 2)), record=True)
    nir.write_data(tmp_path / "t.h5", rec.to_graph_data())
    back = nir.read_data(str(tmp_path / "t.h5"))
    spikes = back.nodes["lif"].observables["spikes"]
    np.testing.assert_array_equal(spikes.data, np.moveaxis(rec.nodes["lif"]["output"], 0, 1)
                                  .astype(bool))
    assert spikes.dt == 1.0


# -- bad graphs -------------------------------------------------------------------------------

class Mystery:
    """Not a NIR node."""


@pytest.mark.parametrize("graph,message", [
    (lambda: chain(Mystery()), r"^n0: expected a NIR 1.0.8 node type .*, got Mystery$"),
    (lambda: chain(nir.Affine(np.ones((2, 3)), np.zeros(2))),
     r"^n0: expected an input of shape \(3,\), got shape \(1,\)$"),
    (lambda: chain(lif(v_threshold=np.array([np.nan]))),
     r"^n0.v_threshold: expected finite values"),
    (lambda: chain(lif(tau=-ones())), r"^n0.tau: expected values > 0"),
])
def test_bad_graphs_give_one_line_naming_the_node(graph, message):
    with pytest.raises(ValueError, match=message) as error:
        rn.load(graph(), dt=1.0).forward(np.ones((2, 1, 1)))
    assert "\n" not in str(error.value)


def test_missing_parameter_names_the_node():
    node = lif()
    node.v_threshold = None
    with pytest.raises(ValueError, match=r"^n0.v_threshold: expected an array of numbers, got "
                                         r"none"):
        rn.load(chain(node), dt=1.0)


def test_algebraic_loop_is_refused_naming_the_cycle():
    nodes = {"input": nir.Input(input_type=np.array([1])), "a": nir.Scale(ones()),
             "b": nir.Scale(ones() * 0.5), "output": nir.Output(output_type=np.array([1]))}
    edges = [("input", "a"), ("a", "b"), ("b", "a"), ("b", "output")]
    with pytest.raises(ValueError, match=r"^a: expected a cycle through a neuron or a Delay "
                                         r".*, got the cycle a -> b -> a$"):
        rn.load(nir.NIRGraph(nodes=nodes, edges=edges), dt=1.0)


def test_bad_input_is_named():
    net = rn.load(chain(lif()), dt=1.0)
    with pytest.raises(ValueError, match=r"^x\['input'\]: expected finite values"):
        net.forward(np.full((2, 1, 1), np.nan))
    with pytest.raises(ValueError, match=r"^input: expected an input of shape \(1,\), got "
                                         r"shape \(2,\)$"):
        net.forward(np.ones((2, 1, 2)))


@pytest.mark.parametrize("model", ["IF", "LIF"])
def test_soft_reset_composition_of_docs_is_refsnns_soft_reset(model):
    # docs/nir.md: I (r dt = 1) or LI -> Threshold(theta), with a back edge Threshold ->
    # Linear(w) -> I/LI, w = -theta (IF) or -(1 - k) theta / (r k) (LIF): the node's v is
    # refsnn's H of the soft-reset neuron, and the Threshold's output its spikes.
    from refsnn.neurons import IF, LIF

    theta, k = 1.0, 0.5
    if model == "IF":
        integrator, w = nir.I(r=ones()), -theta
        neuron = IF(v_reset=None, compare=">")
    else:
        integrator = nir.LI(tau=ones() / k, r=ones(), v_leak=np.zeros(1))
        w = -(1 - k) * theta / k
        neuron = LIF(tau=1 / k, v_reset=None, compare=">")
    nodes = {"input": nir.Input(input_type=np.array([1])), "v": integrator,
             "z": nir.Threshold(threshold=ones() * theta), "reset": nir.Linear(np.array([[w]])),
             "output": nir.Output(output_type=np.array([1]))}
    edges = [("input", "v"), ("v", "z"), ("z", "reset"), ("reset", "v"), ("z", "output")]
    x = np.random.default_rng(11).choice([0.0, 0.25, 0.5, 1.0, 1.5], size=(40, 2, 1))
    rec = rn.load(nir.NIRGraph(nodes=nodes, edges=edges), dt=1.0).forward(x, record=True)
    trace = neuron.forward(x, backend="numpy")
    np.testing.assert_array_equal(rec.output, trace.spikes)
    np.testing.assert_allclose(rec.nodes["v"]["v"], trace.h, rtol=0, atol=1e-12)
    assert 0 < trace.spikes.sum() < trace.spikes.size


def test_several_inputs_and_outputs_by_name():
    # two Inputs summed into one node, read by two Outputs: forward takes and gives dicts.
    nodes = {"a": nir.Input(input_type=np.array([2])), "b": nir.Input(input_type=np.array([2])),
             "s": nir.Scale(np.array([1.0, 2.0])),
             "o1": nir.Output(output_type=np.array([2])),
             "o2": nir.Output(output_type=np.array([2]))}
    edges = [("a", "s"), ("b", "s"), ("s", "o1"), ("s", "o2")]
    net = rn.load(nir.NIRGraph(nodes=nodes, edges=edges), dt=1.0)
    xa, xb = np.ones((2, 1, 2)), np.full((2, 1, 2), 0.5)
    y = net.forward({"a": xa, "b": xb})
    np.testing.assert_array_equal(y["o1"], (xa + xb) * [1.0, 2.0])
    np.testing.assert_array_equal(y["o2"], y["o1"])
    with pytest.raises(ValueError, match=r"^x: expected a dict by Input node name"):
        net.forward(xa)


def test_neuron_parameters_broadcast_to_one_shape():
    # a 0-d r and v_leak beside per-neuron tau and thresholds (nir's constructors assert equal
    # shapes; a graph built otherwise, then changed, can still hold them): the neuron shape is
    # their broadcast; shapes that do not broadcast are refused.
    node = nir.LIF(tau=np.array([2.0, 4.0]), r=np.ones(2), v_leak=np.zeros(2),
                   v_threshold=np.array([1.0, 1.0]), v_reset=np.array([0.0, 0.0]))
    node.r, node.v_leak = np.array(1.0), np.array(0.0)
    seen = run(node, [[2.0, 2.0]] * 2, shape=(2,), dt=1.0)
    # k = 1/2: H = 1.0 (tie), then 1.5 (spike); k = 1/4: H = 0.5, 0.875
    np.testing.assert_array_equal(seen["h"].reshape(2, 2), [[1.0, 0.5], [1.5, 0.875]])
    node.tau = np.array([2.0, 4.0, 8.0])
    with pytest.raises(ValueError, match=r"^n0: expected parameters of one neuron shape, got "
                                         r"tau \(3,\), r \(\), v_leak \(\), v_threshold \(2,\)"):
        rn.load(chain(node, shape=(2,)), dt=1.0)
