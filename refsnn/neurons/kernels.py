"""Numba kernels: the reference's loops, fused and parallel, for every spike kind.

The element-wise equations are not rewritten here: :mod:`refsnn.neurons.dynamics`, the spike
kind's functions (:mod:`refsnn.neurons.kinds`) and the surrogates' ``g0`` are compiled as
they are. What differs from the reference is only the loop structure: neurons are split into
fixed chunks run in parallel (``prange``); each chunk walks through time with its membrane in a
small local buffer, so every array is read or written once per pass. Slices are taken before
the inner loop so that it vectorises; the kinds' ``fire``, ``fire_grad`` and ``param_grads``
are inlined into it (:func:`inlined`): the ternary kind's, which evaluate the surrogate twice
each, would otherwise stay calls that keep the loop scalar; and the kinds' own loops over
their levels or thresholds get their count compiled in (:func:`fixed_counts`), since LLVM
vectorises only innermost loops: with a count known at run time the loop over neurons stays
scalar. One pair of kernels is built per spike kind, and compiled once per surrogate (``g0``
is an argument) and count, with Numba's on-disk cache.

Two things keep the backward loop vectorisable with every surrogate: the surrogates' ``exp`` is
:func:`refsnn.fastexp.exp`, arithmetic inside Numba (Numba's own ``exp`` is a scalar libm call),
and the kernels are compiled with ``error_model="numpy"``: a float division by zero gives inf or
NaN, as it does in the NumPy reference, instead of raising (the Python model tests every
divisor, and that branch keeps the loop scalar). No divisor in the kinds or surrogates can be
zero for validated parameters, so this changes no result.

Three more things keep the loops fast (measured on the default LIF, float32, sigmoid):
float32 arithmetic stays float32 (the charge's ``gain`` and ``decay`` come cast from
:class:`refsnn.neurons.base.Charge`, the kinds' and surrogates' constants are
:func:`refsnn.literals.weak`: Numba types a Python float literal as float64 and would run the
loop on half the lanes, and round differently from NumPy); the finiteness checks are
an OR of flags computed in the input dtype (:func:`_nonfinite`), not an int64 count; and the
per-chunk sums of the per-neuron float64 parameter sums use :func:`_lane_sum` (``a.sum()``
is one serial chain of additions, a fifth of the backward's time at [8, 32768]).

Agreement with the reference: the bounds and their reasons are the ``kernels_*`` entries of
:mod:`refsnn.tolerances` (rendered in docs/semantics.md), asserted by spec_tests/test_properties.py.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect

import numba as nb
import numpy as np
from numba.core import cgutils, types
from numba.extending import intrinsic, register_jitable

from refsnn import fastexp, literals
from refsnn.neurons import dynamics

CHUNK = 4096  # neurons per parallel task; its local buffers (forward: the membrane; backward:
# the carried gradient, dO/dH and three float64 sums) of CHUNK floats each stay in L1/L2
LANES = 16  # partial sums of _lane_sum: two AVX-512 registers of float64
UNROLL = 4
"""The largest loop count compiled into the kernels (:func:`fixed_counts`)."""


@functools.cache
def compiled(function):
    """Make a shared-source function callable from Numba code; it stays a plain Python function.

    The kernels below are closures over such functions. Unlike closures over Numba dispatchers
    (whose identity changes in every process), these hit Numba's on-disk cache.
    """
    return register_jitable(function)


@functools.cache
def inlined(function):
    """As :func:`compiled`, but its Numba IR is inlined into the caller (``inline="always"``).

    For a function whose body, once the surrogate's ``exp`` is compiled in, is too large for
    LLVM to inline (the ternary ``fire_grad`` and ``param_grads`` evaluate the surrogate twice
    each): a loop that calls it would stay scalar. Likewise for a loop over a compiled-in
    count (:func:`fixed_counts`): LLVM unrolled MultiThreshold's ``fire`` with 2 levels after
    inlining it itself, but not with 4. Inlining copies the same operations, so no
    result changes. Only call it from :func:`compiled`-style helpers, not from a ``prange``
    body: Numba's parfor lowering mistypes IR inlined there.
    """
    return register_jitable(inline="always")(function)


def _source_digest(*functions) -> int:
    """A number that changes whenever the source of any of ``functions`` does.

    Numba's cache keys a closure by its own file's timestamp and its free variables, not by the
    source of the functions it calls; a kernel that holds this digest as a free variable is
    recompiled when any of them is edited instead of running stale cached code.
    """
    text = "".join(inspect.getsource(f) for f in functions)
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


def fixed_counts(p, neurons: int) -> str:
    """The counts of ``p`` that the kernels for ``neurons`` neurons compile in, as
    :func:`_fixed` reads them.

    LLVM vectorises only innermost loops, so a kind's loop over its levels or thresholds (a
    count known only at run time) inside the loop over neurons keeps that loop scalar. With
    the count a compile-time constant, the inner loop is unrolled and the outer one
    vectorises. So, where the count is at most UNROLL, a kernel is compiled per count: an
    integer field (a level count, a derivative's index) becomes a constant, and a 1-D array
    field a tuple of that length (its values still come from the array at run time). The
    values are the same, so no result changes. Only for layers of at least CHUNK neurons:
    below one parallel task the loop's speed matters less than compiling a kernel per count.
    Returned as the text of a tuple of ``(field index, "constant" or "tuple", value or
    length)`` (a closure variable of the kernel, which Numba types as a string literal).
    """
    if neurons < CHUNK:
        return "()"
    return _as_text(tuple(
        (index, "tuple", value.size) if type(value) is np.ndarray else (index, "constant", value)
        for index, value in enumerate(p)
        if (type(value) is np.ndarray and value.ndim == 1 and value.size <= UNROLL)
        or (type(value) is int and 0 <= value <= UNROLL)))


@functools.cache
def _as_text(fixed: tuple) -> str:
    return repr(fixed)


@intrinsic
def _fixed(typingctx, p, counts):
    """``p`` (a kind's ``Params``) with the fields named by the string literal ``counts``
    (:func:`fixed_counts`) as compile-time constants or tuples."""
    if not isinstance(counts, types.StringLiteral):
        return None  # the kernels pass a closure variable, which Numba types as a literal
    spec = {index: (how, n) for index, how, n in ast.literal_eval(counts.literal_value)}
    if not spec:
        return p(p, counts), lambda context, builder, signature, args: args[0]
    fields = [types.UniTuple(t.dtype, spec[i][1]) if spec.get(i, ("",))[0] == "tuple" else t
              for i, t in enumerate(p.types)]
    result = types.NamedTuple(fields, p.instance_class)

    def codegen(context, builder, signature, args):
        return context.make_tuple(builder, result, [
            _fixed_field(context, builder, t, builder.extract_value(args[0], i),
                         *spec.get(i, ("", 0)))
            for i, t in enumerate(p.types)])

    return result(p, counts), codegen


def _fixed_field(context, builder, field, value, how, n):
    """One field of :func:`_fixed`'s result: the constant ``n``, a tuple of the ``n`` items of
    the 1-D array ``value``, or ``value`` as it is."""
    if how == "constant":
        return context.get_constant(field, n)
    if how == "tuple":
        array = context.make_array(field)(context, builder, value=value)
        return context.make_tuple(builder, types.UniTuple(field.dtype, n), [
            builder.load(cgutils.get_item_pointer(context, builder, field, array,
                                                  [context.get_constant(types.intp, i)]))
            for i in range(n)])
    return value


def _fixer(counts):
    """A Numba-callable ``p -> p`` with ``counts`` compiled in (:func:`fixed_counts`)."""
    @register_jitable
    def fixed(p):
        return _fixed(p, counts)

    return fixed


_charge = compiled(dynamics.charge)
_leak_sensitivity = compiled(dynamics.charge_leak_sensitivity)


@nb.njit(cache=True)
def _nonfinite(a):
    """Whether ``a`` is inf or NaN: ``a - a`` is 0 for a finite value and NaN otherwise. It is
    computed in ``a``'s dtype (``a * 0`` would be float64 for a float32 ``a``: Numba types the
    literal 0 as int64), and an OR of these flags over a loop vectorises."""
    d = a - a
    return d != d


@nb.njit(cache=True, error_model="numpy")
def _lane_sum(a):
    """The sum of a 1-D float64 array in a fixed order that vectorises: element ``i`` goes to
    partial sum ``i % LANES`` (the tail beyond a multiple of LANES to the first ones), then
    the partial sums are added in order. (``a.sum()`` is one serial chain of additions.)"""
    lanes = np.zeros(LANES)
    whole = a.size - a.size % LANES
    for i in range(0, whole, LANES):
        for lane in range(LANES):
            lanes[lane] += a[i + lane]
    for i in range(whole, a.size):
        lanes[i - whole] += a[i]
    total = 0.0
    for lane in range(LANES):
        total += lanes[lane]
    return total


@nb.njit(cache=True)
def _chunk(c, n):
    lo = c * CHUNK
    return lo, min(n, lo + CHUNK)


def _parallel_kernel(kind):
    """Compile a kernel (parallel, cached on disk) under a name of its own per spike kind.

    Numba's cache index of a function holds the types of its arguments, a kind's ``Params``
    among them, pickled by module path; loading an index that names a module which no longer
    exists fails (after an in-place upgrade that renamed a kind, for example). With one index
    per kind, such an index is never read again instead."""
    def compile_kernel(function):
        function.__qualname__ += "_" + kind.__name__.rsplit(".", 1)[-1]
        return nb.njit(parallel=True, cache=True, error_model="numpy")(function)

    return compile_kernel


@functools.cache
def _forward_kernel(kind, counts):
    """Build the forward kernel of one spike kind, with ``counts`` (:func:`fixed_counts`)."""
    fire, reset, fixed = inlined(kind.fire), compiled(kind.reset), _fixer(counts)
    digest = _source_digest(dynamics.charge, kind.fire, kind.reset, literals)

    @register_jitable  # fire is inlined here, outside the prange body (see inlined)
    def step(membrane, xt, st, ht, vt, k, v_rest, decay_input, p):
        """One step of one chunk; whether a charged membrane is non-finite."""
        p = fixed(p)
        bad = False
        for j in range(ht.size):
            hj = _charge(membrane[j], xt[j], k, v_rest, decay_input)
            bad |= _nonfinite(hj)  # a non-finite x[t] or an overflow: the caller says
            o = fire(hj, p)
            membrane[j] = reset(hj, o, p)
            ht[j], st[j], vt[j] = hj, o, membrane[j]
        return bad

    @_parallel_kernel(kind)
    def forward_kernel(x, v0, k, v_rest, decay_input, p, spikes, h, v, nonfinite):
        if digest < 0:  # never: holds the source digest in the closure (the cache key)
            return
        steps, n = x.shape
        for c in nb.prange((n + CHUNK - 1) // CHUNK):
            lo, hi = _chunk(c, n)
            membrane = v0[lo:hi].copy()
            bad = False
            for t in range(steps):
                bad |= step(membrane, x[t, lo:hi], spikes[t, lo:hi], h[t, lo:hi], v[t, lo:hi],
                            k, v_rest, decay_input, p)
            nonfinite[c] = bad

    return forward_kernel


@functools.cache
def _backward_kernel(kind, g0, counts):
    """Build the backward kernel of one spike kind and surrogate (``g0``), with ``counts``
    (:func:`fixed_counts`)."""
    fire_grad, reset_grad = inlined(kind.fire_grad), compiled(kind.reset_grad)
    fixed = _fixer(counts)
    param_grads, surrogate = inlined(kind.param_grads), compiled(g0)
    second = bool(kind.PARAMS[1])  # whether the kind has a second learnable parameter
    digest = _source_digest(dynamics.charge_leak_sensitivity,
                            kind.fire_grad, kind.reset_grad, kind.param_grads, g0, fastexp,
                            literals)

    # the inlined functions are called from these two helpers only, outside the prange body
    @register_jitable
    def dodh_buffer(carry, p):
        """dO/dH of one step, in the dtype fire_grad returns (float64 where a kind computes
        in float64, as MT-SNN's cascade), so that it is the same value as computed inline."""
        return np.full(carry.size, fire_grad(carry[0], carry[0], p, surrogate))

    @register_jitable
    def step(xt, ot, ht, gst, gvt, vp, gxt, carry, dodh, sum_k, sum_0, sum_1, has_grad_v, gain,
             decay, v_rest, decay_input, p, detach_reset):
        """One step of one chunk: fill gxt, update carry and the sums; whether gst or gvt has
        a non-finite value."""
        p = fixed(p)
        bad = False
        # the surrogate in a loop of its own: it is the long dependency chain of a step
        # (an exp), and a short loop body lets the processor overlap more elements of it
        for j in range(ht.size):
            dodh[j] = fire_grad(ht[j], ot[j], p, surrogate)
        for j in range(ht.size):
            bad |= _nonfinite(gst[j])
            g_v = carry[j]
            if has_grad_v:
                bad |= _nonfinite(gvt[j])
                g_v += gvt[j]
            dvdh, dvdo = reset_grad(ht[j], ot[j], p)
            g_o = gst[j] if detach_reset else gst[j] + g_v * dvdo
            g_h = g_v * dvdh + g_o * dodh[j]
            gxt[j] = g_h * gain
            sum_k[j] += g_h * _leak_sensitivity(vp[j], xt[j], v_rest, decay_input)
            d0, d1 = param_grads(ht[j], ot[j], dodh[j], g_o, gst[j], g_v, p, surrogate)
            sum_0[j] += d0
            if second:
                sum_1[j] += d1
            carry[j] = g_h * decay
        return bad

    @_parallel_kernel(kind)
    def backward_kernel(x, v0, spikes, h, v, grad_spikes, grad_v, has_grad_v, gain, decay,
                        v_rest, decay_input, p, detach_reset, grad_x, grad_v0, partials,
                        nonfinite):
        if digest < 0:  # never: holds the source digest in the closure (the cache key)
            return
        steps, n = x.shape
        for c in nb.prange((n + CHUNK - 1) // CHUNK):
            lo, hi = _chunk(c, n)
            carry = np.zeros(hi - lo, dtype=x.dtype)  # dL/dV[t] arriving through H[t+1]
            # per-neuron float64 sums over time (a sum across j would be a serial reduction
            # that keeps the loop from vectorising); none for an unused parameter slot
            sum_k, sum_0 = np.zeros(hi - lo), np.zeros(hi - lo)
            sum_1 = np.zeros(hi - lo if second else 0)
            dodh = dodh_buffer(carry, p)
            bad = False
            for t in range(steps - 1, -1, -1):
                xt, ot, ht, gst = x[t, lo:hi], spikes[t, lo:hi], h[t, lo:hi], grad_spikes[t, lo:hi]
                gvt = grad_v[t if has_grad_v else 0, lo:hi]
                vp = v[t - 1, lo:hi] if t > 0 else v0[lo:hi]
                gxt = grad_x[t, lo:hi]
                bad |= step(xt, ot, ht, gst, gvt, vp, gxt, carry, dodh, sum_k, sum_0, sum_1,
                            has_grad_v, gain, decay, v_rest, decay_input, p, detach_reset)
            grad_v0[lo:hi] = carry
            partials[c, 0], partials[c, 1] = _lane_sum(sum_k), _lane_sum(sum_0)
            partials[c, 2] = _lane_sum(sum_1)
            nonfinite[c] = bad

    return backward_kernel


def _flat(a, steps):
    return np.ascontiguousarray(a).reshape(steps, -1)


def _chunks(n):
    return max(1, -(-n // CHUNK))


def forward(x, v0, c, kind, p, phi, spikes, h, v):
    """Same contract as :func:`refsnn.neurons.reference.forward` (no smooth mode: ``phi=None``;
    the outputs must be C-contiguous), except that every step is computed when ``x`` has a
    non-finite value."""
    steps = x.shape[0]
    x2 = _flat(x, steps)
    nonfinite = np.zeros(_chunks(x2.shape[1]), dtype=np.bool_)
    kernel = _forward_kernel(kind, fixed_counts(p, x2.shape[1]))
    kernel(x2, np.ascontiguousarray(v0).reshape(-1), c.k, c.v_rest, c.decay_input, p,
           *(a.reshape(steps, -1) for a in (spikes, h, v)), nonfinite)
    return not nonfinite.any()


def backward(trace, grad_spikes, grad_v, c, kind, p, g0, detach_reset, grad_x, grad_v0):
    """Same contract as :func:`refsnn.neurons.reference.backward` (C-contiguous outputs)."""
    steps = trace.x.shape[0]
    flat = [_flat(a, steps) for a in (trace.x, trace.spikes, trace.h, trace.v, grad_spikes)]
    has_grad_v = grad_v is not None
    flat_grad_v = _flat(grad_v, steps) if has_grad_v else np.zeros((1, 1), trace.x.dtype)
    chunks = _chunks(flat[0].shape[1])
    partials, nonfinite = np.zeros((chunks, 3)), np.zeros(chunks, dtype=np.bool_)
    kernel = _backward_kernel(kind, g0, fixed_counts(p, flat[0].shape[1]))
    kernel(flat[0], np.ascontiguousarray(trace.v0).reshape(-1), *flat[1:], flat_grad_v,
           has_grad_v, c.gain, c.decay, c.v_rest, c.decay_input, p, detach_reset,
           grad_x.reshape(steps, -1), grad_v0.reshape(-1), partials, nonfinite)
    totals = partials.sum(axis=0)
    return totals[0], totals[1:], not nonfinite.any()
