"""Drive the peers' own NIR exporters and importers (snnTorch 1.0.0, Norse 1.1.0, SpikingJelly
2.0.0, Sinabs 3.1.3, Rockpool 3.1.0), so that their runs can be set beside refsnn's.

Each framework gets these functions:

- ``build_<name>(n_in, sizes, ...)``: a small feed-forward network in the framework itself
  (Linear -> neuron -> Linear -> neuron ...), deterministic given ``seed``, and
  ``export_<name>(module, n_in)``: the framework's own exporter on it (not Sinabs: its plain
  layers take ``[B, T, N]``, and ``to_nir`` drops only the batch dimension of the sample, so
  the exported Input type keeps the time axis and the graph fails NIR's type check).
- ``import_<name>(graph, dt)``: the framework's own importer on a ``nir.NIRGraph``.

:func:`run` steps a torch module over an input ``x[T, B, ...]`` (:func:`run_sequence` feeds
Sinabs' and Rockpool's modules the whole sequence at once) and records the output of every
child module, whose name is the NIR node's name (nirtorch names the children of an imported
graph by their node, and the exporters name a node by the module's path), giving
``{node: array[T, B, ...]}`` in float64; :func:`run_import` and :func:`run_module` pick the
right one. Every import happens inside the functions (torch and
the frameworks are optional); :func:`missing` gives the reason a framework cannot be used.

The files driven are the installed wheels' ``snntorch/export_nir.py``, ``snntorch/import_nir.py``,
``norse/torch/utils/export_nir.py``, ``norse/torch/utils/import_nir.py``,
``spikingjelly/activation_based/nir_exchange/{to_nir,from_nir}.py``, ``sinabs/nir.py`` and
``rockpool/nn/modules/torch/nir.py``.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
from collections.abc import Callable

import numpy as np

FRAMEWORKS = ("snntorch", "norse", "spikingjelly", "sinabs", "rockpool")
MODULES = {"snntorch": "snntorch", "norse": "norse.torch",
           "spikingjelly": "spikingjelly.activation_based.nir_exchange", "sinabs": "sinabs.nir",
           "rockpool": "rockpool.nn.modules.torch.nir"}
IMPORT_DT = {"snntorch": 1e-4, "norse": 1e-3, "spikingjelly": 1e-4, "sinabs": None,
             "rockpool": None}
"""The time step each importer assumes by default (Sinabs has none: its time constants are in
steps; Rockpool recovers one from each node, ``dt = tau_mem / (1 + r)``). snnTorch's is
hard-coded (``import_nir.py``: ``dt = 1e-4``), the others are arguments."""


def missing(framework: str) -> str | None:
    """Why ``framework`` cannot be driven here (not installed, or fails to import), or None."""
    if framework not in MODULES:
        raise ValueError(f"framework: expected one of {FRAMEWORKS}, got {framework!r}")
    try:
        with _quiet():
            importlib.import_module(MODULES[framework])
    except Exception as error:  # ImportError, or a framework broken by its own dependencies
        return f"{framework} is not usable here ({type(error).__name__}: {error})"
    return None


@contextlib.contextmanager
def _quiet():
    """Silence the frameworks' prints and log warnings (snnTorch prints, Norse logs, SpikingJelly
    uses loguru) while they import, export or import a graph."""
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logging.disable(logging.NOTSET)


def _torch():
    import torch

    return torch


def _weights(n_in: int, sizes: tuple[int, ...], seed: int) -> list[tuple]:
    """Linear layers' (weight, bias) as float32 arrays, ``N(0, 1.5/sqrt(fan_in))``, seeded."""
    rng = np.random.default_rng(seed)
    shapes = zip((n_in, *sizes[:-1]), sizes, strict=True)
    return [(rng.normal(0, 1.5 / np.sqrt(a), (b, a)).astype(np.float32),
             rng.normal(0, 0.2, b).astype(np.float32)) for a, b in shapes]


def _linear(weight: np.ndarray, bias: np.ndarray):
    torch = _torch()
    layer = torch.nn.Linear(weight.shape[1], weight.shape[0])
    layer.weight.data = torch.from_numpy(weight.copy())
    layer.bias.data = torch.from_numpy(bias.copy())
    return layer


def _interleave(n_in: int, sizes: tuple[int, ...], seed: int, neuron: Callable) -> list:
    """Linear, neuron(size), Linear, neuron(size), ... as a list of modules."""
    layers = []
    for (weight, bias), size in zip(_weights(n_in, sizes, seed), sizes, strict=True):
        layers += [_linear(weight, bias), neuron(size)]
    return layers


# snnTorch 1.0.0 --------------------------------------------------------------------------------

def build_snntorch(n_in: int, sizes: tuple[int, ...], *, beta: float = 0.8,
                   alpha: float | None = None, threshold: float = 1.0, reset: str = "zero",
                   reset_delay: bool = True, recurrent_bias: bool | None = None, seed: int = 0):
    """``Sequential(Linear, snn.Leaky, ...)``, ``snn.Synaptic`` given ``alpha``, or
    ``snn.RLeaky`` (an all-to-all recurrent Linear, seeded, its bias zeroed unless
    ``recurrent_bias``) given ``recurrent_bias``; per-neuron parameter tensors (a scalar gives
    a 0-d NIR ``input_type`` that ``export_to_nir`` cannot type-check), ``init_hidden=True``;
    ``reset`` is snnTorch's ``reset_mechanism`` (``snntorch/_neurons``)."""
    torch, snn = _torch(), importlib.import_module("snntorch")

    def neuron(size: int):
        common = {"beta": torch.full((size,), beta), "threshold": torch.full((size,), threshold),
                  "reset_mechanism": reset, "reset_delay": reset_delay, "init_hidden": True}
        if recurrent_bias is not None:
            layer = snn.RLeaky(linear_features=size, **common)
            (weight, bias), = _weights(size, (size,), seed + size)
            layer.recurrent.weight.data = torch.from_numpy(weight)
            layer.recurrent.bias.data = torch.from_numpy(bias * float(recurrent_bias))
            return layer
        if alpha is None:
            return snn.Leaky(**common)
        return snn.Synaptic(alpha=torch.full((size,), alpha), **common)

    return torch.nn.Sequential(*_interleave(n_in, sizes, seed, neuron))


def export_snntorch(module, n_in: int):
    """``snntorch.export_nir.export_to_nir`` on ``module`` with an unbatched-dimension sample
    (``ignore_dims=[0]``; the docstring's batched sample fails type inference with nir 1.0.8)."""
    torch, export = _torch(), importlib.import_module("snntorch.export_nir")
    with _quiet():
        return export.export_to_nir(module, torch.zeros(1, n_in), ignore_dims=[0])


def import_snntorch(graph, dt: float | None = None):
    """``snntorch.import_nir.import_from_nir`` (its dt is hard-coded to 1e-4: another ``dt`` is
    refused, not silently ignored)."""
    if dt not in (None, IMPORT_DT["snntorch"]):
        raise ValueError(f"dt: snnTorch's importer hard-codes 1e-4, got {dt}")
    module = importlib.import_module("snntorch.import_nir")
    with _quiet():
        return module.import_from_nir(graph)


# Norse 1.1.0 ----------------------------------------------------------------------------------

def build_norse(n_in: int, sizes: tuple[int, ...], *, tau_mem_inv: float = 100.0,
                tau_syn_inv: float | None = None, threshold: float = 1.0, dt: float = 1e-3,
                seed: int = 0):
    """``SequentialState(Linear, LIFBoxCell, ...)``, or ``LIFCell`` (with a synaptic current)
    given ``tau_syn_inv``, with per-neuron parameter tensors (scalars make ``nir.write`` fail:
    "Scalar datasets don't support chunk/filter options")."""
    torch, norse = _torch(), importlib.import_module("norse.torch")

    def cell(size: int):
        common = {"tau_mem_inv": torch.full((size,), tau_mem_inv), "v_leak": torch.zeros(size),
                  "v_th": torch.full((size,), threshold), "v_reset": torch.zeros(size)}
        if tau_syn_inv is None:
            return norse.LIFBoxCell(norse.LIFBoxParameters(**common), dt=dt)
        params = norse.LIFParameters(tau_syn_inv=torch.full((size,), tau_syn_inv), **common)
        return norse.LIFCell(params, dt=dt)

    return norse.SequentialState(*_interleave(n_in, sizes, seed, cell))


def export_norse(module, n_in: int, dt: float = 1e-3):
    """``norse.torch.to_nir`` (``norse/torch/utils/export_nir.py``) with its ``dt``, and an
    unbatched sample (a batched one puts the batch into the Input node's type)."""
    torch, norse = _torch(), importlib.import_module("norse.torch")
    with _quiet():
        return norse.to_nir(module, torch.zeros(n_in), dt=dt)


def import_norse(graph, dt: float | None = None):
    """``norse.torch.from_nir(graph, dt=dt)`` (``norse/torch/utils/import_nir.py``)."""
    norse = importlib.import_module("norse.torch")
    with _quiet():
        return norse.from_nir(graph, dt=IMPORT_DT["norse"] if dt is None else dt)


# SpikingJelly 2.0.0 ---------------------------------------------------------------------------

def build_spikingjelly(n_in: int, sizes: tuple[int, ...], *, tau: float = 2.0,
                       decay_input: bool = True, threshold: float = 1.0,
                       v_reset: float | None = 0.0, c_decay: float | None = None,
                       seed: int = 0):
    """``Sequential(Linear, neuron.LIFNode, ...)`` in single-step mode, or ``CUBALIFNode``
    (``c_decay``, and ``v_decay = 1 - 1/tau``) given ``c_decay``; a hard reset to ``v_reset``
    (``v_reset=None``, the soft reset, makes its exporter raise)."""
    torch = _torch()
    neuron = importlib.import_module("spikingjelly.activation_based.neuron")

    def node(size: int):
        if c_decay is not None:
            return neuron.CUBALIFNode(c_decay=c_decay, v_decay=1 - 1 / tau,
                                      v_threshold=threshold, v_reset=v_reset)
        return neuron.LIFNode(tau=tau, decay_input=decay_input, v_threshold=threshold,
                              v_reset=v_reset, step_mode="s")

    return torch.nn.Sequential(*_interleave(n_in, sizes, seed, node))


def export_spikingjelly(module, n_in: int, dt: float = 1e-4):
    """``nir_exchange.export_to_nir(net, example_input, dt=dt)`` (``to_nir.py``)."""
    torch = _torch()
    exchange = importlib.import_module(MODULES["spikingjelly"])
    with _quiet():
        return exchange.export_to_nir(module, torch.zeros(1, n_in), dt=dt)


def import_spikingjelly(graph, dt: float | None = None):
    """``nir_exchange.import_from_nir(graph, dt=dt, dtype=float32, step_mode="s")``
    (``from_nir.py``)."""
    exchange = importlib.import_module(MODULES["spikingjelly"])
    with _quiet():
        return exchange.import_from_nir(graph, dt=IMPORT_DT["spikingjelly"] if dt is None else dt)


# Sinabs 3.1.3 ---------------------------------------------------------------------------------

def import_sinabs(graph, dt: float | None = None, batch: int = 1):
    """``sinabs.nir.from_nir(graph, batch_size=batch)``; its ``*Squeeze`` layers take
    ``[batch * time, ...]`` input, batch-major. ``dt`` must be None or 1 (Sinabs has no dt)."""
    if dt not in (None, 1, 1.0):
        raise ValueError(f"dt: Sinabs reads time constants in steps (dt 1), got {dt}")
    sinabs_nir = importlib.import_module("sinabs.nir")
    with _quiet():
        return sinabs_nir.from_nir(graph, batch_size=batch)


# Rockpool 3.1.0 -------------------------------------------------------------------------------

def build_rockpool(n_in: int, sizes: tuple[int, ...], *, tau_mem: float = 0.02,
                   tau_syn: float = 0.01, threshold: float = 1.0, dt: float = 1e-3,
                   max_spikes_per_dt: float | None = None, seed: int = 0):
    """``Sequential(LinearTorch, LIFTorch, ...)`` (``rockpool.nn.combinators``), without
    biases; ``max_spikes_per_dt`` None keeps Rockpool's default (several spikes per step)."""
    torch = _torch()
    modules = importlib.import_module("rockpool.nn.modules")
    combinators = importlib.import_module("rockpool.nn.combinators")
    extra = {} if max_spikes_per_dt is None else {"max_spikes_per_dt": max_spikes_per_dt}
    layers = []
    for (weight, _bias), size in zip(_weights(n_in, sizes, seed), sizes, strict=True):
        layers += [modules.LinearTorch(weight.T.shape, weight=torch.from_numpy(weight.T.copy()),
                                       has_bias=False),
                   modules.LIFTorch(size, tau_mem=tau_mem, tau_syn=tau_syn,
                                    threshold=threshold, dt=dt, **extra)]
    return combinators.Sequential(*layers)


def export_rockpool(module, n_in: int, repair: bool = True):
    """``rockpool.nn.modules.torch.nir.to_nir(module, zeros(n_in))``. Its Output node's type
    is ``[n_in, 1, n_out]`` (the module's ``[batch, time, n]`` output), which ``nir.read``
    refuses; ``repair`` sets it to ``[n_out]``, the last node's type."""
    torch, nir = _torch(), importlib.import_module("nir")
    with _quiet():
        graph = importlib.import_module(MODULES["rockpool"]).to_nir(module, torch.zeros(n_in))
    if repair:
        size = np.array([module[-1].size_out])
        graph.nodes["output"] = nir.Output(output_type={"output": size})
    return graph


def import_rockpool(graph, dt: float | None = None):
    """``rockpool.nn.modules.torch.nir.from_nir(graph)``; it has no dt (``dt`` must be None)."""
    if dt is not None:
        raise ValueError(f"dt: Rockpool's importer recovers dt from each node, got {dt}")
    with _quiet():
        return importlib.import_module(MODULES["rockpool"]).from_nir(graph)


BUILD = {"snntorch": build_snntorch, "norse": build_norse, "spikingjelly": build_spikingjelly,
         "rockpool": build_rockpool}
EXPORT = {"snntorch": export_snntorch, "norse": export_norse,
          "spikingjelly": export_spikingjelly, "rockpool": export_rockpool}
IMPORT = {"snntorch": import_snntorch, "norse": import_norse,
          "spikingjelly": import_spikingjelly, "sinabs": import_sinabs, "rockpool": import_rockpool}


# Running ---------------------------------------------------------------------------------------

def run_import(framework: str, graph, x: np.ndarray, dt: float | None = None
               ) -> dict[str, np.ndarray]:
    """The framework's importer on ``graph``, run on ``x[T, B, ...]``: ``{node: output}``."""
    reason = missing(framework)
    if reason:
        raise RuntimeError(reason)
    if framework == "sinabs":
        return run_sequence(import_sinabs(graph, dt, batch=x.shape[1]), x, squeeze=True)
    if framework == "rockpool":
        return run_sequence(import_rockpool(graph, dt), x, squeeze=False)
    return run(IMPORT[framework](graph, dt), x)


def run(module, x: np.ndarray, rename: Callable[[str], str] = str) -> dict[str, np.ndarray]:
    """Step a stateful torch module over ``x[T, B, ...]`` (one call per step, the state carried
    by the module or passed back in) and record every child's output: ``{name: [T, B, ...]}``,
    plus ``"output"``, the module's own output. The state is reset before the first step.
    ``rename`` maps a child's name to its NIR node's name."""
    torch = _torch()
    _reset(module)
    steps, outputs, state = {}, [], None
    with torch.no_grad(), _record(module, steps), _quiet():
        for x_t in torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)):
            out = module(x_t) if _stateless_call(module) else module(x_t, state)
            out, state = _split(out, state)
            outputs.append(_array(out))
    steps = {rename(name): values for name, values in steps.items()}
    steps.setdefault("output", outputs)  # unless an Output node recorded it already
    return {name: np.stack(values) for name, values in steps.items()}


def run_sequence(module, x: np.ndarray, squeeze: bool) -> dict[str, np.ndarray]:
    """A module that takes a whole sequence, run on ``x[T, B, ...]`` in one call, fed
    ``[B, T, ...]`` (Rockpool) or, with ``squeeze``, ``[B*T, ...]`` batch-major (the
    ``*Squeeze`` layers of Sinabs' importer reshape it to ``[B, T, ...]``); every child's output
    back as ``[T, B, ...]``."""
    torch = _torch()
    T, B = x.shape[:2]
    _reset(module)
    feed = np.ascontiguousarray(np.swapaxes(x, 0, 1), dtype=np.float32)
    feed = feed.reshape(B * T, *x.shape[2:]) if squeeze else feed
    steps = {}
    with torch.no_grad(), _record(module, steps), _quiet():
        steps.setdefault("output", [_array(_split(module(torch.from_numpy(feed)), None)[0])])
    return {name: np.swapaxes(values[0].reshape(B, T, *values[0].shape[2 - squeeze:]), 0, 1)
            for name, values in steps.items()}


def run_module(framework: str, module, x: np.ndarray) -> dict[str, np.ndarray]:
    """A network built by ``build_<framework>`` run on ``x[T, B, ...]``, recorded under the
    names its exporter gives the nodes (SpikingJelly's exporter traces with torch.fx, which
    names child ``"0"`` ``"_0"``)."""
    if framework == "rockpool":
        return run_sequence(module, x, squeeze=False)
    return run(module, x, (lambda name: f"_{name}") if framework == "spikingjelly" else str)


def _stateless_call(module) -> bool:
    """snnTorch (``init_hidden``) and plain Sequentials keep their state inside the modules;
    nirtorch graphs and Norse's SequentialState take it as a second argument."""
    return type(module).__name__ == "Sequential"


def _split(out, state):
    """(output, state) from a module's return value: a tensor, or (tensor, state)."""
    if isinstance(out, tuple):
        return out[0], out[1]
    return out, state


def _array(value) -> np.ndarray:
    value = value[0] if isinstance(value, tuple) else value
    return value.detach().numpy().astype(np.float64)


@contextlib.contextmanager
def _record(module, steps: dict[str, list]):
    """Forward hooks appending each direct child's output under its name."""
    def hook(name: str):
        return lambda _module, _inputs, output: steps.setdefault(name, []).append(_array(output))

    handles = [child.register_forward_hook(hook(name))
               for name, child in module.named_children()]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _reset(module) -> None:
    """Zero every neuron's state: snnTorch ``reset_mem``, SpikingJelly ``reset``, Sinabs
    ``reset_states``, Rockpool ``reset_state`` (Norse keeps no state in its modules)."""
    for child in module.modules():
        for method in ("reset_mem", "reset_states", "reset_state"):
            if hasattr(child, method) and callable(getattr(child, method)):
                getattr(child, method)()
        if type(child).__module__.startswith("spikingjelly") and hasattr(child, "reset"):
            child.reset()
