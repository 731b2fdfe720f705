"""Multi-threshold LIF (Xu, Liu & Yang, arXiv 2112.07426): spikes carrying a level 0..D."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from refsnn import validation
from refsnn.neurons.kinds import multithreshold
from refsnn.neurons.wrapped import WrappedNeuron


@dataclass(frozen=True, kw_only=True)
class MultiThreshold(WrappedNeuron):
    """A neuron with the ``D = levels`` thresholds ``v_th, 2 v_th, ..., D v_th`` whose spike is
    the number of them the membrane reached, an integer level in {0, 1, ..., D}: the charge of
    ``neuron`` and the multi-level spike (refsnn.neurons.kinds.multithreshold: equations,
    source, choices). Parameters, besides ``neuron`` (``WrappedNeuron``):

    - ``levels``: the number of thresholds D, an integer >= 1. Default 2 (1 is ``neuron``
      itself).
    - ``derivative``: dO/dH, ``"sum"`` (default: the neuron's own surrogate at every threshold,
      hence exactly the base neuron at D = 1), ``"ramp"`` or ``"stretched"``.

    Backward returns ``params["v_threshold"]`` and the charge's (``tau`` or ``w``).
    """

    levels: int = 2
    derivative: str = "sum"

    kind = multithreshold

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("levels", validation.integer("levels", self.levels, minimum=1))
        validation.choice("derivative", self.derivative, multithreshold.DERIVATIVES)

    def kind_params(self, dtype: np.dtype) -> multithreshold.Params:
        cast, d = np.dtype(dtype).type, self.levels
        return multithreshold.Params(**self.neuron.spike_fields(dtype), levels=d,
                                 derivative=multithreshold.DERIVATIVES.index(self.derivative),
                                 mid=cast((d + 1) * self.neuron.v_threshold / 2), span=cast(d))

