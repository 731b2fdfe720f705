"""Network golden cases (golden/networks/, docs/golden.md "Network cases"): whole stacks with
given weights, their outputs and every gradient, for implementations that are networks.

Each case is a network case of the conformance table (refsnn/conformance/network_cases.py;
its draw is PCG64's raw stream, the same on every NumPy) stored as one ``.npz``:

    x, grad_out                      inputs: the run x[T, B, ...] and dL/dy (y: last output)
    layer<i>_<name>                  the given arrays: weight, bias, gamma, beta, running_mean,
                                     running_var
    spikes_<i> / out_<i>             every layer's output (spiking layers: spikes_<i>)
    grad_x, grad_layer<i>_<name>     dL/dx and every parameter's gradient (neuron scalars as
                                     float64 scalars, shape [])

and described in ``golden/networks/manifest.json`` (``"kind": "network"``): per case the
layers (type, strides, eps, the neuron spec of refsnn.golden.spec), ``shapes``, one
``{"atol", "rtol"}`` per output array, and ``optional``: the neuron scalars' gradients, which
are compared only if a result has them (a framework may keep a threshold or ``tau`` fixed).

The tolerances are those of the conformance comparison (refsnn.conformance.network_compare)
as absolute bounds, ``tol * max(1, max |expected|)`` rounded up to two significant digits, with
tol 0 for spikes, 1e-12 for the other outputs and 1e-9 for gradients, float64. Spikes can be
exact: a dyadic case is exact arithmetic, a random one keeps every membrane 1e-9 away from a
threshold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import refsnn
from refsnn.conformance import networks as described
from refsnn.conformance.network_cases import NETWORK_CASES, NetworkCase
from refsnn.conformance.network_compare import tolerance as conformance_tolerance
from refsnn.golden import io, manifest
from refsnn.golden.spec import from_spec, to_spec
from refsnn.golden.tolerances import round_up

DIRECTORY = "networks"
"""The network cases' directory inside a golden directory."""
IDS = ("net-mlp-lif-decay-soft-ge-f64/dyadic/0", "net-mlp-lif-nodecay-hard-gt-f64/random/0",
       "net-mlp-ternary-if-soft-ge-f64/dyadic/0", "net-conv-lif-nodecay-soft-gt-f64/dyadic/0",
       "net-conv-lif-decay-hard-ge-f64/random/0", "net-conv-lif-decay-soft-gt-f64/random/0")
"""The conformance network cases stored as golden cases: both architectures, both draws, both
compares, both charge forms, soft and hard resets, ternary spikes; each peer expresses one or
more (SpikingJelly the ``ge`` ones, snnTorch ``nodecay ... gt``, Norse ``decay ... gt``)."""
LOSS = "L = sum(grad_out * y), y the last layer's output"
LAYERS = {"Linear": described.Linear, "Conv2d": described.Conv2d,
          "BatchNorm": described.BatchNorm, "Spiking": described.Spiking,
          "AvgPool2d": described.AvgPool2d, "Flatten": described.Flatten}
SETTINGS = {"Conv2d": ("stride", "padding"), "BatchNorm": ("eps",),
            "AvgPool2d": ("kernel_size",)}
"""Each layer type's non-array settings, stored in the manifest."""


def name(case: NetworkCase) -> str:
    """``net-mlp-lif-decay-soft-ge-f64/dyadic/0`` -> ``net_mlp_lif_decay_soft_ge_dyadic_float64``
    (the seed is always 0 here)."""
    stem, draw, _ = case.id.split("/")
    return f"{stem.removesuffix('-f64')}_{draw}_float64".replace("-", "_")


def cases() -> list[NetworkCase]:
    return [case for case in NETWORK_CASES if case.id in IDS]


def is_network(entry: dict) -> bool:
    """Whether a manifest entry is a network case."""
    return entry.get("kind") == "network"


def _key(parameter: str) -> str:
    """``"0.weight"`` -> ``"layer0_weight"``."""
    index, field = parameter.split(".")
    return f"layer{index}_{field}"


def _layers(network: described.Network) -> list[dict]:
    """The manifest's description of the layers (arrays are in the case file)."""
    out = []
    for layer in network.layers:
        kind = type(layer).__name__
        spec = {"type": kind} | {key: getattr(layer, key) for key in SETTINGS.get(kind, ())}
        if kind in ("Linear", "Conv2d"):
            spec["bias"] = layer.bias is not None
        if kind == "Spiking":
            spec["neuron"] = to_spec(layer.neuron)
        out.append(spec)
    return out


def network(entry: dict, arrays: dict[str, np.ndarray]) -> described.Network:
    """The network of a manifest entry, with its arrays from the case file."""
    layers = []
    for i, spec in enumerate(entry["model"]["layers"]):
        kind = spec.get("type")
        if kind not in LAYERS:
            raise manifest.GoldenError(f"{entry['name']}: model.layers[{i}].type: expected one "
                                       f"of {sorted(LAYERS)}, got {kind!r}")
        cls = LAYERS[kind]
        kwargs = {key: spec[key] for key in SETTINGS.get(kind, ())}
        if kind == "Spiking":
            kwargs["neuron"] = from_spec(spec["neuron"], f"model.layers[{i}].neuron")
        for field in ("weight", "bias", "gamma", "beta", "running_mean", "running_var"):
            if f"layer{i}_{field}" in arrays or (field == "bias" and kind in ("Linear", "Conv2d")):
                kwargs[field] = arrays.get(f"layer{i}_{field}")
        layers.append(cls(**kwargs))
    return described.Network(tuple(layers), tuple(entry["model"]["input_shape"]))


def outputs(layer_outputs: dict, grads: dict) -> dict[str, np.ndarray]:
    """A case's output arrays from the layer outputs by name and the gradients by protocol
    name (``"x"``, ``"<i>.<name>"``)."""
    return dict(layer_outputs) | {"grad_x": grads["x"]} | {
        f"grad_{_key(k)}": np.asarray(v, dtype=np.float64) for k, v in grads.items() if k != "x"}


def results(target: object, entry: dict, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What an implementation writes for a case: ``target`` (a module with the network
    protocol, refsnn/targets) run on the case's network and inputs."""
    net = network(entry, arrays)
    layer_outputs = target.network_forward(net, arrays["x"])
    grads = target.network_backward(net, arrays["x"], arrays["grad_out"])
    return outputs(dict(zip(net.output_names(), layer_outputs, strict=True)), grads)


def case_file(case: NetworkCase) -> tuple[bytes, dict]:
    """A network case's ``.npz`` bytes and its manifest entry."""
    data = case.data()
    result = described.run(data.network, data.x, data.grad_out)
    expected = outputs(result.outputs, result.grads)
    given = {_key(k): v for k, v in data.network.arrays().items()}
    arrays = {"x": data.x, "grad_out": data.grad_out} | given | expected
    content = io.npz_bytes(arrays)
    case_name = name(case)
    entry = {"name": case_name, "file": f"{case_name}.npz", "sha256": io.sha256(content),
             "kind": "network", "description": f"conformance network case {case.id}",
             "model": {"input_shape": list(data.network.input_shape),
                       "layers": _layers(data.network)},
             "dtype": "float64", "shapes": manifest.shapes(arrays),
             "tolerances": {key: _tolerance(key, value) for key, value in expected.items()},
             "optional": sorted(f"grad_{_key(name)}" for name in result.grads
                                if name != "x" and name not in data.network.weight_names())}
    return content, entry


def _tolerance(key: str, value: np.ndarray) -> dict:
    """The conformance tolerance of ``key`` as an absolute bound on ``value``'s elements."""
    scale = max(1.0, float(np.abs(value).max(initial=0.0)))
    return {"atol": round_up(conformance_tolerance(key) * scale), "rtol": 0.0}


def output_keys(entry: dict) -> list[str]:
    """The output arrays of a network case."""
    return sorted(entry["tolerances"])


def tolerance(entry: dict, key: str) -> dict:
    """The ``{"atol", "rtol"}`` of a network case's output array ``key``."""
    return entry["tolerances"][key]


def document(entries: list[dict]) -> dict:
    """The network manifest holding ``entries`` (sorted by name)."""
    return {"schema_version": manifest.SCHEMA_VERSION, "kind": "network",
            "refsnn_version": refsnn.__version__, "generator": manifest.GENERATOR,
            "loss": LOSS, "comparison": manifest.COMPARISON,
            "tolerances": "tol * max(1, max|expected|): tol 0 for spikes_<i>, 1e-12 for out_<i>, "
                          "1e-9 for grad_* (the conformance comparison, float64)",
            "cases": sorted(entries, key=lambda entry: entry["name"])}


def contents() -> dict[str, bytes]:
    """Every file of the network directory by path relative to the golden directory."""
    files, entries = {}, []
    for case in cases():
        data, entry = case_file(case)
        files[f"{DIRECTORY}/{entry['file']}"] = data
        entries.append(entry)
    files[f"{DIRECTORY}/{manifest.NAME}"] = io.json_bytes(document(entries))
    return files


def is_directory(golden: Path) -> bool:
    """Whether ``golden`` holds network cases (its manifest says ``"kind": "network"``)."""
    try:
        document_ = manifest.read_json(Path(golden) / manifest.NAME)
    except manifest.GoldenError:
        return False
    return isinstance(document_, dict) and document_.get("kind") == "network"


def load(golden: Path) -> dict:
    """The network manifest of ``golden``, checked for its schema and its entries' keys."""
    path = Path(golden) / manifest.NAME
    document_ = manifest.read_json(path)
    version = document_.get("schema_version") if isinstance(document_, dict) else None
    if version != manifest.SCHEMA_VERSION:
        raise manifest.GoldenError(f"{path}: schema_version {version!r} is not "
                                   f"{manifest.SCHEMA_VERSION}")
    keys = {"name", "file", "sha256", "kind", "model", "dtype", "shapes", "tolerances"}
    if not all(isinstance(e, dict) and e.keys() >= keys for e in document_.get("cases", [None])):
        raise manifest.GoldenError(f"{path}: 'cases' is not a list of network case entries "
                                   f"with {sorted(keys)}")
    return document_
