"""Exact gradients of expectation values: adjoint differentiation, parameter shift, finite differences.

For a circuit ``U = U_G ... U_1`` and observables ``O_k``, the expectation values are
``E_k = <psi|O_k|psi>`` with ``|psi> = U|psi_0>``. Derivatives are taken with respect to the
circuit's symbolic :class:`~qtilab.core.parameters.Parameter` s; a gate angle that is an affine
expression ``c0 + sum_j c_j p_j`` contributes ``c_j dE/d(angle)`` to parameter ``p_j`` (chain
rule). A parameter's value may be a number or an array of shape (B,) -- one value per batch
member -- and every method returns, per observable, a Jacobian of shape (B, P):
``jacobian[k, b, j] = dE_k[b] / dp_j`` (for a shared scalar parameter, the derivative of each
member's value).

* :func:`adjoint_jacobian` (Jones & Gacon 2020; PennyLane's adjoint method): one forward
  simulation, then one backward sweep that un-applies each gate to the state ``phi`` and to
  ``lambda_k = U^dag ... O_k psi`` and reads ``dE_k/d(theta) = 2 Re <lambda_k| dU phi>``. Cost:
  about 3 state passes per parametric gate, independent of the number of parameters. The
  derivative matrices ``dU`` come from the gate library (``GateDef.dmatrix``); for a controlled
  gate the derivative of the full matrix is the base derivative inside the control block and
  zero outside it, so the matrix element is summed over the control block only (the kernels
  below, not a copy-and-project).
* :func:`parameter_shift_jacobian`: the shift rules hardware uses (two-term for Pauli
  rotations, phase gates and uncontrolled U angles; the four-term rule of Anderson et al. /
  Wierichs et al. 2022 for controlled rotations, whose generator has eigenvalues {0, +-1/2}).
* :func:`finite_difference_jacobian`: central differences, a check independent of the gate
  derivative data.

Examples
--------
>>> from qtilab import Circuit, Parameter
>>> from qtilab.sim.gradients import adjoint_jacobian
>>> t = Parameter("t")
>>> g = adjoint_jacobian(Circuit(1).ry(t, 0), "Z0", {"t": 0.3})
>>> round(float(g.jacobian[0, 0, 0]), 6)      # d cos(t) / dt = -sin(0.3)
-0.29552
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit, prange

from qtilab.core.circuit import Circuit, Gate, resolve
from qtilab.core.observables import Observable
from qtilab.core.parameters import Parameter, ParameterExpression
from qtilab.errors import CircuitError, SimulationError
from qtilab.sim import kernels as K
from qtilab.sim.statevector import (
    _DTYPES,
    Op,
    _normalise_values,
    batch_size_of,
    check_memory,
    compile_gate,
    prepare_state,
    run_ops,
    simulate,
)

ObservablesLike = Any  # Observable | str | Sequence[Observable | str]

#: below this many batch members the kernels split the amplitudes into chunks
_BATCH_PAR = 8
_NCHUNK = 64


# ----------------------------------------------------------------------------------------
# numba kernels: fused "un-apply gate, read <lambda| dU phi>, un-apply gate on lambda"
# ----------------------------------------------------------------------------------------
@njit(cache=True)
def _row_step_1q(phi, lam, q, u, d, cmask, cval, upd, j0, j1, acc):  # type: ignore[no-untyped-def]
    bit = 1 << q
    P = d.shape[0]
    u00, u01, u10, u11 = u[0, 0], u[0, 1], u[1, 0], u[1, 1]
    for j in range(j0, j1):
        i0 = ((j >> q) << (q + 1)) | (j & (bit - 1))
        if (i0 & cmask) != cval:
            continue
        i1 = i0 | bit
        p0 = phi[i0]
        p1 = phi[i1]
        if upd:
            t0 = u00 * p0 + u01 * p1
            t1 = u10 * p0 + u11 * p1
            phi[i0] = t0
            phi[i1] = t1
            p0 = t0
            p1 = t1
        l0 = lam[i0]
        l1 = lam[i1]
        c0 = np.conj(l0)
        c1 = np.conj(l1)
        for p in range(P):
            acc[p] += c0 * (d[p, 0, 0] * p0 + d[p, 0, 1] * p1) + c1 * (d[p, 1, 0] * p0 + d[p, 1, 1] * p1)
        lam[i0] = u00 * l0 + u01 * l1
        lam[i1] = u10 * l0 + u11 * l1


@njit(parallel=True, cache=True)
def step_1q(phi, lam, q, uinv, ders, cmask, cval, upd):  # type: ignore[no-untyped-def]
    """Un-apply a (controlled) 1-qubit gate; return <lambda| D_p phi'> per batch member.

    ``uinv``: (Bm, 2, 2) inverse matrices; ``ders``: (Bd, P, 2, 2) base derivatives. ``phi`` is
    updated to ``U^dag phi`` first when ``upd``; ``lam`` is always updated after the read. Only
    the control block (``i & cmask == cval``) is touched: outside it the derivative is zero and
    the inverse is the identity.
    """
    B, N = phi.shape
    P = ders.shape[1]
    su = np.int64(1) if uinv.shape[0] > 1 else np.int64(0)
    sd = np.int64(1) if ders.shape[0] > 1 else np.int64(0)
    half = N >> 1
    out = np.zeros((B, P), dtype=np.complex128)
    if B >= _BATCH_PAR:
        for b in prange(B):
            acc = np.zeros(P, dtype=np.complex128)
            _row_step_1q(phi[b], lam[b], q, uinv[b * su], ders[b * sd], cmask, cval, upd, 0, half, acc)
            out[b] = acc
        return out
    nchunk = min(_NCHUNK, half)
    step = (half + nchunk - 1) // nchunk
    part = np.zeros((B, nchunk, P), dtype=np.complex128)
    for b in range(B):
        for c in prange(nchunk):
            _row_step_1q(phi[b], lam[b], q, uinv[b * su], ders[b * sd], cmask, cval, upd,
                         c * step, min(half, (c + 1) * step), part[b, c])
    for b in range(B):
        for c in range(nchunk):
            out[b] += part[b, c]
    return out


@njit(cache=True)
def _row_step_2q(phi, lam, q0, q1, u, d, cmask, cval, upd, j0, j1, acc):  # type: ignore[no-untyped-def]
    lo = min(q0, q1)
    hi = max(q0, q1)
    b0 = 1 << q0
    b1 = 1 << q1
    P = d.shape[0]
    pv = np.empty(4, dtype=phi.dtype)
    lv = np.empty(4, dtype=lam.dtype)
    idx = np.empty(4, dtype=np.int64)
    for j in range(j0, j1):
        i = ((j >> lo) << (lo + 1)) | (j & ((1 << lo) - 1))
        i = ((i >> hi) << (hi + 1)) | (i & ((1 << hi) - 1))
        if (i & cmask) != cval:
            continue
        idx[0] = i
        idx[1] = i | b0
        idx[2] = i | b1
        idx[3] = i | b0 | b1
        for r in range(4):
            pv[r] = phi[idx[r]]
            lv[r] = lam[idx[r]]
        if upd:
            for r in range(4):
                phi[idx[r]] = u[r, 0] * pv[0] + u[r, 1] * pv[1] + u[r, 2] * pv[2] + u[r, 3] * pv[3]
            for r in range(4):
                pv[r] = phi[idx[r]]
        for p in range(P):
            s = 0j
            for r in range(4):
                s += np.conj(lv[r]) * (d[p, r, 0] * pv[0] + d[p, r, 1] * pv[1] + d[p, r, 2] * pv[2] + d[p, r, 3] * pv[3])
            acc[p] += s
        for r in range(4):
            lam[idx[r]] = u[r, 0] * lv[0] + u[r, 1] * lv[1] + u[r, 2] * lv[2] + u[r, 3] * lv[3]


@njit(parallel=True, cache=True)
def step_2q(phi, lam, q0, q1, uinv, ders, cmask, cval, upd):  # type: ignore[no-untyped-def]
    """As :func:`step_1q` for a (controlled) 2-qubit gate; ``q0`` is the low matrix bit."""
    B, N = phi.shape
    P = ders.shape[1]
    su = np.int64(1) if uinv.shape[0] > 1 else np.int64(0)
    sd = np.int64(1) if ders.shape[0] > 1 else np.int64(0)
    quarter = N >> 2
    out = np.zeros((B, P), dtype=np.complex128)
    if B >= _BATCH_PAR:
        for b in prange(B):
            acc = np.zeros(P, dtype=np.complex128)
            _row_step_2q(phi[b], lam[b], q0, q1, uinv[b * su], ders[b * sd], cmask, cval, upd, 0, quarter, acc)
            out[b] = acc
        return out
    nchunk = min(_NCHUNK, quarter)
    step = (quarter + nchunk - 1) // nchunk
    part = np.zeros((B, nchunk, P), dtype=np.complex128)
    for b in range(B):
        for c in prange(nchunk):
            _row_step_2q(phi[b], lam[b], q0, q1, uinv[b * su], ders[b * sd], cmask, cval, upd,
                         c * step, min(quarter, (c + 1) * step), part[b, c])
    for b in range(B):
        for c in range(nchunk):
            out[b] += part[b, c]
    return out


@njit(cache=True)
def _row_step_diag(phi, lam, qubits, dinv, dd, upd, j0, j1, acc):  # type: ignore[no-untyped-def]
    k = qubits.shape[0]
    P = dd.shape[0]
    for i in range(j0, j1):
        idx = 0
        for t in range(k):
            idx |= ((i >> qubits[t]) & 1) << t
        p = phi[i]
        if upd:
            p = dinv[idx] * p
            phi[i] = p
        lv = lam[i]
        c = np.conj(lv) * p
        for r in range(P):
            acc[r] += c * dd[r, idx]
        lam[i] = dinv[idx] * lv


@njit(parallel=True, cache=True)
def step_diag(phi, lam, qubits, dinv, ders, upd):  # type: ignore[no-untyped-def]
    """As :func:`step_1q` for a diagonal gate over ``qubits`` (controls included):
    ``dinv`` (Bm, 2**k) inverse diagonal, ``ders`` (Bd, P, 2**k) derivative diagonals (zero
    outside the control block)."""
    B, N = phi.shape
    P = ders.shape[1]
    su = np.int64(1) if dinv.shape[0] > 1 else np.int64(0)
    sd = np.int64(1) if ders.shape[0] > 1 else np.int64(0)
    out = np.zeros((B, P), dtype=np.complex128)
    if B >= _BATCH_PAR:
        for b in prange(B):
            acc = np.zeros(P, dtype=np.complex128)
            _row_step_diag(phi[b], lam[b], qubits, dinv[b * su], ders[b * sd], upd, 0, N, acc)
            out[b] = acc
        return out
    nchunk = min(_NCHUNK, N)
    step = (N + nchunk - 1) // nchunk
    part = np.zeros((B, nchunk, P), dtype=np.complex128)
    for b in range(B):
        for c in prange(nchunk):
            _row_step_diag(phi[b], lam[b], qubits, dinv[b * su], ders[b * sd], upd,
                           c * step, min(N, (c + 1) * step), part[b, c])
    for b in range(B):
        for c in range(nchunk):
            out[b] += part[b, c]
    return out


@njit(parallel=True, cache=True)
def project_block(state, cmask, cval):  # type: ignore[no-untyped-def]
    """Zero every amplitude outside the control block (``i & cmask != cval``), in place."""
    B, N = state.shape
    for b in range(B):
        for i in prange(N):
            if (i & cmask) != cval:
                state[b, i] = 0


@njit(parallel=True, cache=True)
def add_pauli(out, psi, xmask, zmask, ny, coeff):  # type: ignore[no-untyped-def]
    """``out += coeff * P psi`` for the Pauli string with masks (x, z) and n_y Y factors.

    ``P|i> = i**n_y (-1)**popcount(i & z) |i ^ x>``, so ``(P psi)[j] = i**n_y
    (-1)**popcount((j ^ x) & z) psi[j ^ x]``.
    """
    B, N = psi.shape
    ph = coeff * (1j) ** (ny % 4)
    for b in range(B):
        for j in prange(N):
            i = j ^ xmask
            v = psi[b, i]
            x = i & zmask
            x ^= x >> 32
            x ^= x >> 16
            x ^= x >> 8
            x ^= x >> 4
            x ^= x >> 2
            x ^= x >> 1
            if x & 1:
                out[b, j] -= ph * v
            else:
                out[b, j] += ph * v


@njit(parallel=True, cache=True)
def vdot_rows(a, b):  # type: ignore[no-untyped-def]
    """``sum_i conj(a[r, i]) b[r, i]`` per row, complex128."""
    B, N = a.shape
    out = np.zeros(B, dtype=np.complex128)
    for r in range(B):
        nchunk = min(_NCHUNK, N)
        step = (N + nchunk - 1) // nchunk
        part = np.zeros(nchunk, dtype=np.complex128)
        for c in prange(nchunk):
            s = 0j
            for i in range(c * step, min(N, (c + 1) * step)):
                s += np.conj(a[r, i]) * b[r, i]
            part[c] = s
        out[r] = part.sum()
    return out


# ----------------------------------------------------------------------------------------
# results and argument handling
# ----------------------------------------------------------------------------------------
@dataclass
class Gradient:
    """Expectation values and their Jacobian.

    Attributes
    ----------
    values: (K, B) expectation values, one row per observable.
    jacobian: (K, B, P): ``jacobian[k]`` is the (B, P) Jacobian of observable k.
    parameters: the P parameters, in the order of the last axis.
    method: ``"adjoint"``, ``"parameter-shift"`` or ``"finite-difference"``.
    """

    values: np.ndarray
    jacobian: np.ndarray
    parameters: list[Parameter]
    method: str


def _observables(observables: ObservablesLike, n_qubits: int) -> list[Observable]:
    if isinstance(observables, (Observable, str)):
        items: list[Any] = [observables]
    elif isinstance(observables, Sequence) and len(observables) > 0:
        items = list(observables)
    else:
        raise SimulationError("observables must be an Observable, a string like 'Z0', or a non-empty list of them")
    out = []
    for o in items:
        obs = Observable.parse(o) if isinstance(o, str) else o
        if not isinstance(obs, Observable):
            raise SimulationError(f"expected an Observable or a string, got {type(o).__name__}")
        if obs.max_qubit >= n_qubits:
            raise SimulationError(f"observable {obs} acts on qubit {obs.max_qubit}, beyond the {n_qubits} qubits")
        out.append(obs)
    return out


def _setup(
    circuit: Circuit, params: Any, wrt: Sequence[Parameter | str] | None, dtype: Any
) -> tuple[dict[Any, Any] | None, list[Parameter], Any]:
    if not isinstance(circuit, Circuit):
        raise SimulationError(f"expected a Circuit, got {type(circuit).__name__}")
    if circuit.has_mid_circuit_ops:
        raise SimulationError("gradients need a circuit without mid-circuit measurement, reset or conditions")
    if any(g.name in ("measure", "reset") for g in circuit):
        raise SimulationError("gradients of expectation values need a circuit without measure/reset instructions")
    dt = _DTYPES.get(np.dtype(dtype))
    if dt is None:
        raise SimulationError(f"dtype must be complex128 or complex64, got {dtype!r}")
    values = _normalise_values(circuit, params)
    missing = [p.name for p in circuit.parameters if values is None or p not in values]
    if missing:
        raise CircuitError(f"parameter(s) {missing} are unbound; pass values for them")
    allp = circuit.parameters
    if wrt is None:
        plist = allp
    else:
        byname = {p.name: p for p in allp}
        plist = []
        for w in wrt:
            name = w.name if isinstance(w, Parameter) else w
            if name not in byname:
                raise CircuitError(f"wrt: the circuit has no parameter {name!r}; its parameters are {sorted(byname)}")
            plist.append(byname[name])
    return values, plist, dt


def _trainable(g: Gate, index: dict[Parameter, int]) -> list[tuple[int, list[tuple[int, float]]]]:
    """(parameter position in the gate, [(column in the Jacobian, d angle / d p)]) pairs."""
    out = []
    for k, p in enumerate(g.params):
        if isinstance(p, ParameterExpression):
            cs = [(index[s], c) for s, c in p.terms.items() if s in index]
            if cs:
                out.append((k, cs))
    return out


def _cstate_masks(g: Gate) -> tuple[int, int, int]:
    cmask = cval = 0
    cstate = g.ctrl_state if g.ctrl_state is not None else (1 << g.ctrl) - 1
    for k, c in enumerate(g.controls):
        cmask |= 1 << c
        if (cstate >> k) & 1:
            cval |= 1 << c
    return cmask, cval, cstate


def _derivatives(g: Gate, values: Mapping[Any, Any] | None, positions: list[int], op: Op) -> np.ndarray:
    """Derivative data for the compiled op: (Bd, P, d, d) matrices or (Bd, P, 2**k) diagonals."""
    d = g.definition
    if d is None or d.dmatrix is None:
        raise SimulationError(f"gate {g.display_name} has parametric angles but no derivative in the gate library")
    ps = [resolve(p, values) for p in g.params]
    mats = [np.asarray(d.dmatrix(*ps, k), dtype=complex) for k in positions]
    lead = np.broadcast_shapes(*(m.shape[:-2] for m in mats))
    dim = mats[0].shape[-1]
    stack = np.stack([np.broadcast_to(m, lead + (dim, dim)) for m in mats], axis=-3)  # (..., P, d, d)
    if stack.ndim == 3:
        stack = stack[None]
    if op.kind == 2:
        base = np.diagonal(stack, axis1=-2, axis2=-1)  # (Bd, P, dt)
        if g.ctrl == 0:
            return np.ascontiguousarray(base, dtype=np.complex128)
        _, _, cstate = _cstate_masks(g)
        full = np.zeros(base.shape[:-1] + (dim << g.ctrl,), dtype=np.complex128)
        idx = np.array([cstate + (t << g.ctrl) for t in range(dim)])
        full[..., idx] = base
        return full
    return np.ascontiguousarray(stack, dtype=np.complex128)


def _inverse(op: Op) -> Op:
    if op.kind == 2:
        data = np.ascontiguousarray(op.data.conj())
    else:
        data = np.ascontiguousarray(op.data.conj().swapaxes(-1, -2))
    return Op(op.kind, op.qubits, data, op.cmask, op.cval)


def _apply_observable(state: np.ndarray, obs: Observable, weights: np.ndarray | None = None) -> np.ndarray:
    out = np.zeros_like(state)
    for c, xm, zm, ny in obs.masks():
        if xm == 0 and zm == 0:
            out += c * state
        else:
            add_pauli(out, state, xm, zm, ny, complex(c))
    if weights is not None:
        out *= weights[:, None].astype(out.real.dtype)
    return out


def _expvals(states: np.ndarray, obs_list: Sequence[Observable]) -> np.ndarray:
    out = np.zeros((len(obs_list), states.shape[0]))
    for k, obs in enumerate(obs_list):
        for c, xm, zm, ny in obs.masks():
            if xm == 0 and zm == 0:
                out[k] += c * np.sum(K.abs2(states), axis=1)
            else:
                out[k] += c * K.pauli_expectation(states, xm, zm, ny)
    return out


# ----------------------------------------------------------------------------------------
# adjoint
# ----------------------------------------------------------------------------------------
def _adjoint_core(
    circuit: Circuit,
    obs_list: list[Observable],
    values: dict[Any, Any] | None,
    plist: list[Parameter],
    initial_state: Any,
    dt: Any,
    weights: np.ndarray | None,
    max_memory: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    init = None if initial_state is None else np.asarray(initial_state)
    batch = batch_size_of(circuit, values, init)
    n = circuit.n_qubits
    nlam = 1 if weights is not None else len(obs_list)
    check_memory(n, batch, dt, max_memory, copies=nlam + 2)
    # forward pass through the engine's fastest path
    phi = np.ascontiguousarray(simulate(circuit, values, initial_state=init, dtype=dt, max_memory=max_memory).states)
    if phi.shape[0] != batch:
        phi = np.ascontiguousarray(np.broadcast_to(phi, (batch, phi.shape[1])))
    if weights is not None:
        if weights.shape != (len(obs_list), batch):
            raise SimulationError(f"cotangent must have shape ({len(obs_list)}, {batch}), got {weights.shape}")
        lam = np.zeros_like(phi)
        for k, obs in enumerate(obs_list):
            lam += _apply_observable(phi, obs, weights[k])
        lams = [lam]
        vals = _expvals(phi, obs_list)
    else:
        lams = [_apply_observable(phi, obs) for obs in obs_list]
        vals = np.stack([vdot_rows(phi, lam).real for lam in lams])
    index = {p: j for j, p in enumerate(plist)}
    jac = np.zeros((nlam, batch, len(plist)))
    gates = [g for g in circuit if g.is_unitary]
    for g in reversed(gates):
        op = compile_gate(g, values, dt)
        inv = _inverse(op)
        train = _trainable(g, index) if index else []
        if not train:
            run_ops(phi, [inv])
            for lam in lams:
                run_ops(lam, [inv])
            continue
        ders = _derivatives(g, values, [k for k, _ in train], op)
        for li, lam in enumerate(lams):
            upd = li == 0
            if op.kind == 0:
                me = step_1q(phi, lam, int(op.qubits[0]), inv.data, ders, op.cmask, op.cval, upd)
            elif op.kind == 1:
                me = step_2q(phi, lam, int(op.qubits[0]), int(op.qubits[1]), inv.data, ders, op.cmask, op.cval, upd)
            elif op.kind == 2:
                me = step_diag(phi, lam, op.qubits, inv.data, ders, upd)
            else:
                me = _step_generic(phi, lam, op, inv, ders, upd)
            for col, (_, coeffs) in enumerate(train):
                gk = 2.0 * me[:, col].real
                for j, c in coeffs:
                    jac[li, :, j] += c * gk
    return vals, jac


def _step_generic(phi: np.ndarray, lam: np.ndarray, op: Op, inv: Op, ders: np.ndarray, upd: bool) -> np.ndarray:
    """Dense k-qubit gates: copy, apply the base derivative in the control block, project the
    rest to zero (the full derivative is zero outside the block), take the inner product."""
    if upd:
        run_ops(phi, [inv])
    out = np.zeros((phi.shape[0], ders.shape[1]), dtype=np.complex128)
    for p in range(ders.shape[1]):
        tmp = phi.copy()
        K.apply_kq(tmp, op.qubits, np.ascontiguousarray(ders[:, p].astype(phi.dtype)), op.cmask, op.cval)
        if op.cmask:
            project_block(tmp, op.cmask, op.cval)
        out[:, p] = vdot_rows(lam, tmp)
    run_ops(lam, [inv])
    return out


def adjoint_jacobian(
    circuit: Circuit,
    observables: ObservablesLike,
    params: Mapping[Any, Any] | Sequence[Any] | None = None,
    *,
    wrt: Sequence[Parameter | str] | None = None,
    initial_state: Any = None,
    dtype: Any = np.complex128,
    max_memory: int | None = None,
) -> Gradient:
    """Expectation values and their exact Jacobian by adjoint differentiation.

    Parameters
    ----------
    circuit: a circuit of unitary gates with symbolic parameters.
    observables: an :class:`Observable`, a string such as ``"Z0 Z1"``, or a list of them.
    params: values of the symbolic parameters (mapping by name/Parameter or a sequence in the
        order of ``circuit.parameters``): numbers or (B,) arrays.
    wrt: the parameters to differentiate (default: all, in ``circuit.parameters`` order).
    initial_state: as for :func:`~qtilab.sim.statevector.simulate`.
    dtype: ``complex128`` (default) or ``complex64``.

    Returns
    -------
    Gradient: ``values`` (K, B) and ``jacobian`` (K, B, P).

    Raises
    ------
    CircuitError: unbound parameters, unknown ``wrt`` names.
    SimulationError: measure/reset in the circuit, bad observables, not enough memory.
    """
    values, plist, dt = _setup(circuit, params, wrt, dtype)
    obs_list = _observables(observables, circuit.n_qubits)
    vals, jac = _adjoint_core(circuit, obs_list, values, plist, initial_state, dt, None, max_memory)
    return Gradient(vals, jac, plist, "adjoint")


def adjoint_vjp(
    circuit: Circuit,
    observables: ObservablesLike,
    cotangent: Any,
    params: Mapping[Any, Any] | Sequence[Any] | None = None,
    *,
    wrt: Sequence[Parameter | str] | None = None,
    initial_state: Any = None,
    dtype: Any = np.complex128,
    max_memory: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Vector-Jacobian product in one backward sweep, whatever the number of observables.

    ``cotangent`` has shape (K, B) (or (K,) for B = 1); returns ``(values (K, B), vjp (B, P))``
    with ``vjp[b, j] = sum_k cotangent[k, b] dE_k[b]/dp_j``. The backward sweep carries one
    vector ``lambda = sum_k w_k O_k psi`` instead of K.
    """
    values, plist, dt = _setup(circuit, params, wrt, dtype)
    obs_list = _observables(observables, circuit.n_qubits)
    w = np.asarray(cotangent, dtype=float)
    if w.ndim == 1:
        w = w[:, None]
    vals, jac = _adjoint_core(circuit, obs_list, values, plist, initial_state, dt, w, max_memory)
    return vals, jac[0]


# ----------------------------------------------------------------------------------------
# parameter shift and finite differences
# ----------------------------------------------------------------------------------------
_ROTATION_LIKE = {"rx", "ry", "rz", "rxx", "ryy", "rzz"}
_C_PLUS = (math.sqrt(2) + 1) / (4 * math.sqrt(2))
_C_MINUS = (math.sqrt(2) - 1) / (4 * math.sqrt(2))


def shift_rule(g: Gate, k: int) -> list[tuple[float, float]]:
    """``[(coefficient, shift)]`` with ``dE/dtheta = sum c * E(theta + shift)`` for parameter k.

    Two-term rule (shifts +-pi/2, coefficients +-1/2) when the generator of the angle has two
    eigenvalues one apart (Pauli rotations, P and controlled P, U's phase angles, uncontrolled
    U theta); the four-term rule for controlled rotations (generator eigenvalues 0, +-1/2).
    """
    two = [(0.5, math.pi / 2), (-0.5, -math.pi / 2)]
    four = [(_C_PLUS, math.pi / 2), (-_C_PLUS, -math.pi / 2), (-_C_MINUS, 3 * math.pi / 2), (_C_MINUS, -3 * math.pi / 2)]
    if g.name == "p" or (g.name == "u" and k in (1, 2)):
        return two
    if g.name in _ROTATION_LIKE or (g.name == "u" and k == 0):
        return two if g.ctrl == 0 else four
    raise SimulationError(f"no parameter-shift rule for gate {g.display_name}; use the adjoint method")


def _run_expvals(n: int, ops: list[Op], batch: int, dt: Any, init: Any, obs_list: list[Observable]) -> np.ndarray:
    state = prepare_state(n, batch, dt, init, None)
    run_ops(state, ops)
    return _expvals(state, obs_list)


def parameter_shift_jacobian(
    circuit: Circuit,
    observables: ObservablesLike,
    params: Mapping[Any, Any] | Sequence[Any] | None = None,
    *,
    wrt: Sequence[Parameter | str] | None = None,
    initial_state: Any = None,
    dtype: Any = np.complex128,
) -> Gradient:
    """Jacobian by the parameter-shift rules (two or four circuit runs per gate angle).

    Same arguments and result as :func:`adjoint_jacobian`. Each gate angle is shifted alone
    (an angle shared by several gates is shifted gate by gate, then the chain rule sums).
    """
    values, plist, dt = _setup(circuit, params, wrt, dtype)
    obs_list = _observables(observables, circuit.n_qubits)
    init = None if initial_state is None else np.asarray(initial_state)
    batch = batch_size_of(circuit, values, init)
    gates = [g for g in circuit if g.is_unitary]
    ops = [compile_gate(g, values, dt) for g in gates]
    vals = _run_expvals(circuit.n_qubits, ops, batch, dt, init, obs_list)
    index = {p: j for j, p in enumerate(plist)}
    jac = np.zeros((len(obs_list), batch, len(plist)))
    for gi, g in enumerate(gates):
        for k, coeffs in _trainable(g, index):
            base = [resolve(p, values) for p in g.params]
            dE = np.zeros((len(obs_list), batch))
            for c, s in shift_rule(g, k):
                shifted = list(base)
                shifted[k] = base[k] + s
                ops2 = list(ops)
                ops2[gi] = compile_gate(g.replace(params=tuple(shifted)), None, dt)
                dE += c * _run_expvals(circuit.n_qubits, ops2, batch, dt, init, obs_list)
            for j, cj in coeffs:
                jac[:, :, j] += cj * dE
    return Gradient(vals, jac, plist, "parameter-shift")


def finite_difference_jacobian(
    circuit: Circuit,
    observables: ObservablesLike,
    params: Mapping[Any, Any] | Sequence[Any] | None = None,
    *,
    wrt: Sequence[Parameter | str] | None = None,
    initial_state: Any = None,
    dtype: Any = np.complex128,
    step: float = 1e-5,
) -> Gradient:
    """Jacobian by central differences ``(E(p + h) - E(p - h)) / 2h`` (error O(h**2)).

    A check that uses neither the gate derivatives nor shift rules; for a (B,) parameter all
    members are shifted together (each member's expectation depends on its own value only).
    """
    if not (isinstance(step, (int, float)) and math.isfinite(step) and step > 0):
        raise SimulationError(f"step must be a positive number, got {step!r}")
    values, plist, dt = _setup(circuit, params, wrt, dtype)
    obs_list = _observables(observables, circuit.n_qubits)
    init = None if initial_state is None else np.asarray(initial_state)
    batch = batch_size_of(circuit, values, init)

    def ev(vals: dict[Any, Any] | None) -> np.ndarray:
        st = simulate(circuit, vals, initial_state=init, dtype=dt).states
        if st.shape[0] != batch:
            st = np.broadcast_to(st, (batch, st.shape[1]))
        return _expvals(np.ascontiguousarray(st), obs_list)

    vals0 = ev(values)
    jac = np.zeros((len(obs_list), batch, len(plist)))
    for j, p in enumerate(plist):
        assert values is not None
        plus = dict(values)
        minus = dict(values)
        plus[p] = values[p] + step
        minus[p] = values[p] - step
        jac[:, :, j] = (ev(plus) - ev(minus)) / (2 * step)
    return Gradient(vals0, jac, plist, "finite-difference")


_METHODS = {
    "adjoint": adjoint_jacobian,
    "parameter-shift": parameter_shift_jacobian,
    "finite-difference": finite_difference_jacobian,
}


def jacobian(
    circuit: Circuit,
    observables: ObservablesLike,
    params: Mapping[Any, Any] | Sequence[Any] | None = None,
    *,
    method: str = "adjoint",
    **kw: Any,
) -> Gradient:
    """Dispatch to :func:`adjoint_jacobian`, :func:`parameter_shift_jacobian` or
    :func:`finite_difference_jacobian` by ``method``."""
    fn = _METHODS.get(method)
    if fn is None:
        raise SimulationError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    return fn(circuit, observables, params, **kw)  # type: ignore[operator]


def expectation_values(
    circuit: Circuit,
    observables: ObservablesLike,
    params: Mapping[Any, Any] | Sequence[Any] | None = None,
    *,
    initial_state: Any = None,
    dtype: Any = np.complex128,
) -> np.ndarray:
    """Expectation values, shape (K, B), without derivatives."""
    values, _, dt = _setup(circuit, params, None, dtype)
    obs_list = _observables(observables, circuit.n_qubits)
    init = None if initial_state is None else np.asarray(initial_state)
    batch = batch_size_of(circuit, values, init)
    st = simulate(circuit, values, initial_state=init, dtype=dt).states
    if st.shape[0] != batch:
        st = np.broadcast_to(st, (batch, st.shape[1]))
    return _expvals(np.ascontiguousarray(st), obs_list)


__all__ = [
    "Gradient",
    "adjoint_jacobian",
    "adjoint_vjp",
    "expectation_values",
    "finite_difference_jacobian",
    "jacobian",
    "parameter_shift_jacobian",
    "shift_rule",
]
