"""The charge shared by every neuron, ``H[t] = charge(V[t-1], X[t])``: IF, LIF, PLIF, and the
neurons that wrap one of them.

Notation (SpikingJelly's, Fang et al. 2021): ``V`` the membrane after the previous reset, ``X``
the input, ``H`` the membrane after charging, ``k`` the leak rate, ``v_rest`` the potential the
leak pulls towards (``v_reset``, or 0 with a soft reset, as SpikingJelly's charge uses 0 when
``v_reset is None``):

    decay_input=True:   H = V + (X - (V - v_rest)) k
    decay_input=False:  H = V - (V - v_rest) k + X
    dH/dX = k (True) or 1 (False);  dH/dV = 1 - k

    IF:    k = 0 with decay_input=False, so H = V + X (computed as the second form, which is
           bit-identical)
    LIF:   k = 1/tau, rounded once to the input dtype
    PLIF:  k = sigmoid(w), w learnable

Sources: SpikingJelly 2.0.0, activation_based/neuron/integrate_and_fire.py (``IFNode``), lif.py
(``LIFNode``) and plif.py (``ParametricLIFNode``, which initialises ``w = -ln(init_tau - 1)``),
with their charges in _ops/if_/reference.py, _ops/lif/reference.py and _ops/plif/reference.py;
Fang et al., "Incorporating Learnable Membrane Time Constant to Enhance Learning of Spiking
Neural Networks", ICCV 2021 (PLIF, one ``w`` per layer). SpikingJelly divides by ``tau`` in
every step where refsnn multiplies by ``k = 1/tau``, so the two can differ in the last bit for a
``tau`` that is not a power of two. The ``decay_input=False`` form is snnTorch 1.0's ``Leaky``
(``beta U + X``) with ``beta = 1 - k`` and ``v_rest = 0``.

Written with NumPy operators only, so the same source runs on arrays in the NumPy reference
(:mod:`refsnn.neurons.reference`) and on scalars in the Numba kernels
(:mod:`refsnn.neurons.kernels`), operation for operation.
"""

from __future__ import annotations


def charge(v, x, k, v_rest, decay_input):
    """``H`` from ``V`` and ``X``, in the form ``decay_input`` selects (module docstring)."""
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

