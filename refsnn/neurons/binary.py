"""The single-threshold neurons' shared parameters: the base of IF, LIF and PLIF."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from refsnn import validation
from refsnn.neurons.base import Neuron
from refsnn.neurons.kinds import SPIKE_FIELDS, binary
from refsnn.surrogates import Sigmoid, Surrogate


@dataclass(frozen=True, kw_only=True)
class BinaryNeuron(Neuron):
    """A neuron with a binary spike: the base of IF, LIF and PLIF, whose spike kind is
    refsnn.neurons.kinds.binary. The parameters every neuron of this package takes from it
    (defaults: SpikingJelly 2.0.0's ``BaseNode``):

    - ``v_threshold``: firing threshold, > 0. Default 1.0.
    - ``v_reset``: hard reset to this value (must be < v_threshold); ``None`` selects the soft
      reset. Default 0.0 (hard).
    - ``detach_reset``: if True the reset does not carry gradient (the spike is a constant in
      it), as in snnTorch and Norse's recurrent cells; SpikingJelly's default is False.
    - ``compare``: ``">="`` fires when ``H - v_threshold >= 0`` (SpikingJelly), ``">"`` only
      above it (snnTorch, Norse, NIR). Default ``">="``.
    - ``surrogate``: the derivative used for ``dS/dH`` in backward. Default
      ``Sigmoid(alpha=4)`` (SpikingJelly's default).

    A subclass adds its charge (refsnn.neurons.dynamics): ``leak_rate()`` (``k``),
    ``decay_input`` and ``leak_rate_gradient``. Backward returns ``params["v_threshold"]``.
    """

    kind = binary

    v_threshold: float = 1.0
    v_reset: float | None = 0.0
    detach_reset: bool = False
    compare: str = ">="
    surrogate: Surrogate = field(default_factory=lambda: Sigmoid(alpha=4.0))

    def __post_init__(self) -> None:
        v_threshold = validation.real_scalar("v_threshold", self.v_threshold, minimum=0.0,
                                             inclusive=False)
        self._set("v_threshold", v_threshold)
        if self.v_reset is not None:
            self._set("v_reset", validation.real_scalar("v_reset", self.v_reset))
            if self.v_reset >= v_threshold:
                raise ValueError(f"v_reset: expected a value < v_threshold = {v_threshold}, "
                                 f"got {self.v_reset}")
        self._set("detach_reset", validation.flag("detach_reset", self.detach_reset))
        validation.choice("compare", self.compare, (">=", ">"))
        if not isinstance(self.surrogate, Surrogate):
            raise ValueError("surrogate: expected a refsnn.surrogates.Surrogate, "
                             f"got {type(self.surrogate).__name__}")

    @property
    def rest_potential(self) -> float:
        """The default initial membrane: ``v_reset``, or 0 with a soft reset (SpikingJelly)."""
        return 0.0 if self.v_reset is None else self.v_reset

    def charge_params(self) -> tuple[float, float, bool]:
        return self.leak_rate(), self.rest_potential, self.decay_input

    def spike_fields(self, dtype: np.dtype) -> dict:
        """The fields every spike kind's ``Params`` starts with, cast to ``dtype``."""
        cast = np.dtype(dtype).type
        values = (cast(self.v_threshold), cast(self.rest_potential), self.v_reset is None,
                  self.compare == ">=", cast(self.surrogate.alpha), cast(self.surrogate.scale))
        return dict(zip(SPIKE_FIELDS, values, strict=True))

    def kind_params(self, dtype: np.dtype) -> binary.Params:
        return binary.Params(**self.spike_fields(dtype))
