"""Spike kinds: how a neuron fires and resets, as element-wise functions.

A spike kind is a module defining the functions below, all with these signatures. The generic
loops of :mod:`refsnn.neurons.reference` (NumPy) and :mod:`refsnn.neurons.kernels` (Numba) call
them for every neuron and step. They use only NumPy operators and ufuncs (and
:func:`refsnn.literals.weak` for a constant that must keep the input's dtype) and do not call
one another, so the same source runs on arrays in the reference and, compiled by Numba, on
scalars in the kernels:

    fire(h, p) -> o                        the emitted spike value O from the charged membrane H
    fire_smooth(h, p, phi) -> o            the same with every Heaviside step replaced by the
                                           surrogate's primitive ``phi`` (NumPy only; the smooth
                                           test mode in which BPTT is checked exactly)
    fire_grad(h, o, p, g0) -> dO/dH        with the surrogate ``p.scale * g0(u, p.alpha)``
    reset(h, o, p) -> v                    the membrane after the reset
    reset_grad(h, o, p) -> (dV/dH, dV/dO)  at fixed O, resp. fixed H
    param_grads(h, o, dodh, g_o, g_out, g_v, p, g0) -> (d0, d1)
        each element's contribution to dL/d(PARAMS[0]) and dL/d(PARAMS[1]), from dO/dH
        (``dodh``), dL/dO (``g_o``, including the reset path unless it is detached), the
        upstream dL/dO alone (``g_out``) and dL/dV (``g_v``)

and ``PARAMS``, the names of its (at most two) learnable scalars ("" for an unused slot), and
``Params``, the named tuple ``p`` (floats cast to the input dtype by the neuron), made by
:func:`params_type`.
"""

from collections import namedtuple

SPIKE_FIELDS = ("v_threshold", "v_rest", "soft", "fire_at_zero", "alpha", "scale")
"""The fields every kind's ``Params`` starts with, filled by ``BinaryNeuron.spike_fields``:
the threshold, ``v_rest`` (``v_reset``, or 0 with a soft reset), ``soft`` (``v_reset is None``),
``fire_at_zero`` (``compare == ">="``) and the surrogate's ``alpha`` and ``scale``."""


def params_type(module: str, *fields: str) -> type:
    """A kind's ``Params``: a named tuple of SPIKE_FIELDS and the kind's own ``fields``.

    It is named ``Params`` in ``module`` so that it pickles by reference (Numba's cache index
    stores the types of a kernel's arguments).
    """
    return namedtuple("Params", SPIKE_FIELDS + fields, module=module)
