"""The discretization of a NIR graph: one explicit, validated, recorded value.

NIR states its neurons in continuous time and ships no simulator: every consumer discretizes
the same graph its own way (docs/nir.md, "Presets"). :class:`Discretization` names every choice
refsnn's interpreter makes, so that a result can be reproduced and the choices compared; the
presets are the choices each framework's own importer makes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from refsnn import validation

SCHEMES = ("euler", "exact")
RESETS = ("value", "subtract")
COMPARES = (">", ">=")
CURRENTS = ("same", "previous")
INITIALS = ("zero", "leak", "reset")
R_READINGS = ("spec", "one", "unscaled")


@dataclass(frozen=True)
class Discretization:
    """How the continuous-time NIR equations become steps of length ``dt``.

    dt: the step, in the graph's time unit (seconds for snnTorch, Norse, SpikingJelly); > 0.
        ``None`` only inside a preset that takes it from the caller (``"spec"``): ``load``
        then requires ``dt``.
    scheme: ``"euler"``, forward Euler, leak rate ``k = dt / tau``; or ``"exact"``, the
        exponential integrator with the input held over the step (zero-order hold),
        ``k = 1 - exp(-dt / tau)``. The NIR spec states no scheme; refsnn's default is Euler,
        what snnTorch, Norse and SpikingJelly do.
    reset: ``"value"``, ``v <- v_reset`` after a spike (the NIR spec); or ``"subtract"``,
        ``v <- v - v_threshold`` (the paper's RNN task, Sinabs, Rockpool).
    compare: ``">"``, a spike when ``v > v_threshold`` (the NIR spec); or ``">="``
        (SpikingJelly's importer).
    current: CubaLI/CubaLIF: the membrane is driven by the synaptic current of the ``"same"``
        step (updated first) or the ``"previous"`` one (NIR's
        paper/03_rnn/extras/debug_CubaLIF/nir_reference_impl.py).
    initial: the membrane before the first step: ``"zero"``; ``"leak"``, ``v_leak`` (Norse);
        ``"reset"``, ``v_reset`` (SpikingJelly, refsnn). A node without the named parameter
        starts at 0; the synaptic current always starts at 0. NIR states no initial state.
    r: how the resistance ``r`` scales the input: ``"spec"``, as the equation says (the input
        gain is ``r k`` for a leaky node, ``r dt`` for I/IF); ``"one"``, ``r`` ignored (read as
        1; Norse 1.1.0's importer); ``"unscaled"``, the gain is ``r`` itself (Sinabs'
        ``norm_input=False``, Rockpool).

    Defaults: the NIR spec where it speaks (``value``, ``>``, ``spec``), Euler, the same
    step's current and a zero initial state where it does not (docs/nir.md).
    """

    dt: float | None = None
    scheme: str = "euler"
    reset: str = "value"
    compare: str = ">"
    current: str = "same"
    initial: str = "zero"
    r: str = "spec"

    def __post_init__(self) -> None:
        if self.dt is not None:
            dt = validation.real_scalar("dt", self.dt)
            if not dt > 0 or math.isinf(dt):
                raise ValueError(f"dt: expected a finite time step > 0, got {dt}")
            object.__setattr__(self, "dt", dt)
        for name, options in (("scheme", SCHEMES), ("reset", RESETS), ("compare", COMPARES),
                              ("current", CURRENTS), ("initial", INITIALS),
                              ("r", R_READINGS)):
            validation.choice(name, getattr(self, name), options)

    def with_dt(self, dt: float | None) -> Discretization:
        """This discretization with ``dt`` (unchanged if ``dt`` is None)."""
        return self if dt is None else replace(self, dt=dt)

    def as_dict(self) -> dict:
        """The fields, for a result's metadata (JSON-serializable)."""
        return asdict(self)


PRESETS: dict[str, Discretization] = {
    # The NIR 1.0.8 spec (nir/ir/neuron.py): hard reset to v_reset, z = v > v_threshold; dt
    # from the caller.
    "spec": Discretization(),
    # snnTorch 1.0.0 snntorch/import_nir.py: dt hard-coded 1e-4, Leaky(beta = 1 - dt/tau,
    # reset_mechanism="zero", reset_delay=False): Euler, reset to 0 in the same step, fire at
    # U > threshold (surrogate.py), Synaptic's current of the same step (_neurons/synaptic.py),
    # state from 0.
    "snntorch": Discretization(dt=1e-4, initial="zero"),
    # Norse 1.1.0 norse/torch/utils/import_nir.py: dt argument, default 1e-3; LIFBoxCell
    # (functional/lif_box.py): Euler, reset_value, heaviside x > 0; r only warned about and
    # ignored; the state starts at v_leak (module/lif_box.py).
    "norse": Discretization(dt=1e-3, initial="leak", r="one"),
    # SpikingJelly 2.0.0 activation_based/nir_exchange/from_nir.py: dt default 1e-4; IFNode /
    # LIFNode: Euler charge, fire at H - v_threshold >= 0 (surrogate.heaviside), hard reset,
    # v starts at v_reset (neuron/base_node.py).
    "spikingjelly": Discretization(dt=1e-4, compare=">=", initial="reset"),
    # Sinabs sinabs/nir.py: tau in steps (dt = 1), LIFSqueeze(norm_input=False): alpha =
    # exp(-1/tau), v = alpha v + x (layers/lif.py), MembraneSubtract reset, spikes at v >= theta
    # (activation/spike_generation.py). Its default MultiSpike (several spikes a step) is not
    # modelled: see docs/nir.md.
    "sinabs": Discretization(dt=1.0, scheme="exact", reset="subtract", compare=">=",
                             r="unscaled"),
    # Rockpool rockpool/nn/modules/torch/lif_torch.py: alpha = exp(-dt/tau_mem), beta =
    # exp(-dt/tau_syn), v = alpha v + I (gain 1), v -= spikes * threshold, dt default 1e-3;
    # its current update I = beta (I + x) is not modelled: see docs/nir.md.
    "rockpool": Discretization(dt=1e-3, scheme="exact", reset="subtract", compare=">=",
                               r="unscaled"),
}
"""Each framework's own simulation of a NIR graph, as a Discretization (sources in
docs/nir.md, "Presets")."""


def resolve(preset: str | None, dt: float | None, **choices) -> Discretization:
    """The discretization ``load`` uses: ``preset`` (default ``"spec"``) with ``dt`` and any
    explicit ``choices`` (None = the preset's) in its place; ``dt`` must end up set."""
    base = PRESETS[validation.choice("preset", preset or "spec", tuple(PRESETS))]
    explicit = {name: value for name, value in choices.items() if value is not None}
    disc = replace(base.with_dt(dt), **explicit)
    if disc.dt is None:
        raise ValueError("dt: expected a time step > 0 (the 'spec' preset takes it from the "
                         "caller), got None")
    return disc
