"""Activation scales: the value ``lambda`` that one spike per step stands for in each layer.

A converted layer fires at most once per step, so over ``T`` steps its rate ``n / T`` in
``[0, 1]`` stands for the activation ``lambda n / T``. Each activation layer of the ANN gets
one ``lambda``:

- a quantized layer (:class:`ClampQuantize`, :class:`InputExpansion`): its clip ceiling
  ``T/q``, exactly (the paper's rule: the quantized ANN fixes the scale, no data needed; the
  authors' code has ``normalize_weight`` commented out);
- a ReLU layer, from its activations on calibration data:
  ``"max"``: their maximum (data-based normalization, Diehl et al., IJCNN 2015);
  ``"percentile"``: the ``p``-th percentile of the non-zero ones (robust normalization,
  Rueckauer et al., Front. Neurosci. 2017, §2.2.1), ``p = 99.9`` by default as in the SNN
  toolbox (snntoolbox 0.6.0, conversion/utils.py ``get_scale_fac`` on the non-zero
  activations; config_defaults ``percentile = 99.9``). The maximum is the 100th percentile.
"""

from __future__ import annotations

import numpy as np

from refsnn import validation
from refsnn.convert.activation import ClampQuantize, InputExpansion, ReLU
from refsnn.nn import Sequential

NORMALIZATIONS = ("max", "percentile")
ACTIVATIONS = (ClampQuantize, InputExpansion, ReLU)


def activation_scales(ann: Sequential, x: np.ndarray | None, *, normalization: str = "max",
                      percentile: float = 99.9) -> list[float]:
    """One ``lambda`` per activation layer of ``ann``, in order (see the module docstring).
    ``x[N, ...]``: the calibration inputs (needed only if ``ann`` has a ReLU)."""
    validation.choice("normalization", normalization, NORMALIZATIONS)
    p = 100.0 if normalization == "max" else validation.real_scalar(
        "percentile", percentile, minimum=0.0, inclusive=False)
    if p > 100.0:
        raise ValueError(f"percentile: expected a value in (0, 100], got {p}")
    has_relu = any(isinstance(layer, ReLU) for layer in ann.layers)
    if x is None and has_relu:
        raise ValueError("x: calibration inputs are needed to scale a ReLU network")
    scales, a = [], x if has_relu else None  # quantized layers need no data
    for layer in ann.layers:
        if isinstance(layer, ClampQuantize | InputExpansion):
            scales.append(layer.steps / layer.levels)
        if a is None:
            continue
        a = layer.forward(a)
        if isinstance(layer, ReLU):
            positive = a[a > 0]
            scales.append(float(np.percentile(positive, p)) if positive.size else 1.0)
    return scales
