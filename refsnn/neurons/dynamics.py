"""The charge equations shared by every neuron (IF / LIF / PLIF, and the multi-level ones).

Written with NumPy operators only, so the same source runs on arrays in the NumPy reference
(:mod:`refsnn.neurons.reference`) and on scalars in the Numba kernels
(:mod:`refsnn.neurons.kernels`), operation for operation: the two agree bit for bit wherever the
operations are exact in both (see docs/semantics.md for the stated tolerances elsewhere).

Notation (SpikingJelly's, Fang et al. 2021): ``V`` the membrane after the previous reset, ``X``
the input, ``H`` the membrane after charging, ``S`` the spike, ``k = 1/tau`` the leak rate,
``v_rest`` the potential the leak pulls towards (``v_reset``, or 0 with a soft reset).
"""

from __future__ import annotations


def charge(v, x, k, v_rest, decay_input):
    """``H`` from ``V`` and ``X``: SpikingJelly's two LIF charge forms.

    ``decay_input=True``:  ``H = V + (X - (V - v_rest)) * k``
    ``decay_input=False``: ``H = V - (V - v_rest) * k + X``  (``k = 0`` gives IF: ``H = V + X``)
    """
    if decay_input:
        return v + (x - (v - v_rest)) * k
    return v - (v - v_rest) * k + x


def charge_input_gain(k, decay_input):
    """``dH/dX``: ``k`` if the input is decayed, else 1."""
    return k if decay_input else 1.0


def charge_leak_sensitivity(v, x, v_rest, decay_input):
    """``dH/dk`` at fixed ``V`` and ``X``."""
    if decay_input:
        return x - (v - v_rest)
    return v_rest - v

