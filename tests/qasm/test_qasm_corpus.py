"""The corpus (tests/qasm/corpus): every file read and checked against an independent reference.

References are closed forms (GHZ, W, DFT, adders, Grover's success probability, teleportation
statistics) or dense unitaries built here from explicit matrices with np.kron (qasm_dense).
OpenQASM 2 cannot observe a global phase, so v2 files are compared up to one; OpenQASM 3 files
are compared exactly (their global phases are part of the program: ctrl @ makes them visible).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qasm_dense import (
    I2,
    RX,
    RXX,
    RY,
    RZ,
    RZZ,
    SDG,
    SWAP,
    SX,
    SXDG,
    TDG,
    H,
    P,
    Ref,
    S,
    T,
    U,
    X,
    Y,
    Z,
    same_up_to_phase,
    unitary_of,
)

from qtilab.core.circuit import Circuit
from qtilab.core.qasm import load
from qtilab.sim.shots import run_shots

CORPUS = Path(__file__).parent / "corpus"
pi = math.pi

EXPECT: dict[str, Callable[[], tuple[str, Any]]] = {}


def expect(name: str) -> Callable[[Callable[[], tuple[str, Any]]], Callable[[], tuple[str, Any]]]:
    def deco(f: Callable[[], tuple[str, Any]]) -> Callable[[], tuple[str, Any]]:
        EXPECT[name] = f
        return f

    return deco


def basis(n: int, *terms: tuple[int, complex]) -> np.ndarray:
    v = np.zeros(2**n, dtype=complex)
    for i, a in terms:
        v[i] = a
    return v


def dft(n: int) -> np.ndarray:
    d = 2**n
    j, k = np.meshgrid(np.arange(d), np.arange(d), indexing="ij")
    return np.exp(2j * pi * j * k / d) / math.sqrt(d)


# -- OpenQASM 2 ------------------------------------------------------------------------------
@expect("ghz3.qasm")
def _() -> tuple[str, Any]:
    return "state~", basis(3, (0, 1 / math.sqrt(2)), (7, 1 / math.sqrt(2)))


@expect("bell_broadcast.qasm")
def _() -> tuple[str, Any]:
    r = Ref(4).g(H, 0).g(H, 1).c(X, [0], [2]).c(X, [1], [3])
    return "unitary~", r.u


@expect("qft4.qasm")
def _() -> tuple[str, Any]:
    return "unitary~", dft(4)


@expect("grover2.qasm")
def _() -> tuple[str, Any]:
    return "probs", basis(2, (3, 1)).real


@expect("grover3.qasm")
def _() -> tuple[str, Any]:
    th = math.asin(1 / math.sqrt(8))
    p = math.sin(5 * th) ** 2
    probs = np.full(8, (1 - p) / 7)
    probs[0b101] = p
    return "probs", probs


def _adder(nbits: int) -> tuple[str, Any]:
    # qubits: cin (0), a (1..n), b (n+1..2n), cout (2n+1)
    n = 2 * nbits + 2
    perm = {}
    for a in range(2**nbits):
        for b in range(2**nbits):
            src = (a << 1) | (b << (nbits + 1))
            s = a + b
            dst = (a << 1) | ((s % 2**nbits) << (nbits + 1)) | ((s >> nbits) << (2 * nbits + 1))
            perm[src] = dst
    return "perm", (n, perm)


EXPECT["adder2.qasm"] = lambda: _adder(2)
EXPECT["adder3.qasm"] = lambda: _adder(3)


@expect("teleport.qasm")
def _() -> tuple[str, Any]:
    # clbits: m0 (0), m1 (1), r (2)
    return "stats", {2: math.sin(1.1 / 2) ** 2, 0: 0.5, 1: 0.5}


@expect("custom_nested.qasm")
def _() -> tuple[str, Any]:
    r = Ref(3)

    def rot(a: float, b: float, q: int) -> None:
        r.g(RZ(a), q).g(RY(b), q).g(RZ(-a), q)

    def ent(t: float, x: int, y: int) -> None:
        rot(t, t / 2, x)
        r.c(X, [x], [y])
        rot(2 * t, pi - t, y)

    ent(0.4, 0, 2)
    ent(-0.4, 2, 0)
    ent(1.3, 1, 0)
    return "unitary~", r.u


@expect("expressions.qasm")
def _() -> tuple[str, Any]:
    angles = [
        math.sin(pi / 6) + math.cos(0.5) ** 2,
        -math.tan(0.3) * 2,
        math.exp(0.1) - math.log(2.5),
        math.sqrt(2) / (1 + 2 * 3),
        pi / 4 + 0.5,
    ]
    r = Ref(5)
    for q, a in enumerate(angles):
        r.g(RZ(a), q)
    for q in range(5):
        r.g(H, q)
    return "unitary~", r.u


@expect("builtins.qasm")
def _() -> tuple[str, Any]:
    return "unitary~", Ref(2).g(U(pi / 2, 0, pi), 0).c(X, [0], [1]).g(U(0.3, 0.2, 0.1), 1).u


@expect("qelib1_1q.qasm")
def _() -> tuple[str, Any]:
    r = Ref(3)
    for m, q in [
        (X, 0), (Y, 1), (Z, 2), (H, 0), (S, 1), (SDG, 2), (T, 0), (TDG, 1), (SX, 2),
        (SXDG, 0), (RX(0.1), 1), (RY(0.2), 2), (RZ(0.3), 0), (P(0.4), 1), (U(pi / 2, 0.5, 0.6), 2),
        (U(0.7, 0.8, 0.9), 0), (P(1.0), 1), (I2, 2), (I2, 0), (U(1.1, 1.2, 1.3), 1), (H, 2),
    ]:
        r.g(m, q)
    return "unitary~", r.u


@expect("qelib1_2q.qasm")
def _() -> tuple[str, Any]:
    r = Ref(3).g(H, 0).g(H, 1).g(H, 2)
    r.c(X, [0], [1]).c(Y, [1], [2]).c(Z, [2], [0]).c(H, [0], [2])
    r.g(SWAP, 1, 2).c(RX(0.1), [0], [1]).c(RY(0.2), [1], [2]).c(RZ(0.3), [2], [0])
    r.c(P(0.4), [0], [1]).c(P(0.5), [1], [2]).c(U(0.6, 0.7, 0.8), [2], [1])
    r.c(SX, [0], [2]).c(np.exp(1.2j) * U(0.9, 1.0, 1.1), [1], [0]).g(RXX(1.3), 0, 1).g(RZZ(1.4), 1, 2)
    return "unitary~", r.u


@expect("qelib1_multi.qasm")
def _() -> tuple[str, Any]:
    r = Ref(5)
    for q in range(5):
        r.g(H, q)
    r.c(X, [0, 1], [2]).c(SWAP, [3], [0, 4]).c(X, [4, 1, 2], [0]).c(SX, [0, 2, 3], [1]).c(X, [1, 2, 3, 4], [0])
    return "unitary~", r.u


@expect("reset_measure.qasm")
def _() -> tuple[str, Any]:
    return "stats", {0: 0.0, 1: 0.5}


@expect("if_register.qasm")
def _() -> tuple[str, Any]:
    return "counts", "111"


@expect("barrier_comments.qasm")
def _() -> tuple[str, Any]:
    return "unitary~", Ref(3).g(H, 0).c(X, [0], [1]).g(RZ(pi / 3), 2).u


@expect("bernstein_vazirani.qasm")
def _() -> tuple[str, Any]:
    return "counts", "1011"


@expect("deutsch_jozsa.qasm")
def _() -> tuple[str, Any]:
    return "counts", "101"


@expect("swap_test.qasm")
def _() -> tuple[str, Any]:
    p0 = (1 + math.cos(0.35) ** 2) / 2
    return "marginal0", p0


@expect("w_state.qasm")
def _() -> tuple[str, Any]:
    a = 1 / math.sqrt(3)
    return "state~", basis(3, (1, a), (2, a), (4, a))


# -- OpenQASM 3 (exact, global phase included) -------------------------------------------------
@expect("v3_ghz.qasm")
def _() -> tuple[str, Any]:
    return "state", basis(4, (0, 1 / math.sqrt(2)), (15, 1 / math.sqrt(2)))


@expect("v3_ctrl.qasm")
def _() -> tuple[str, Any]:
    r = Ref(4)
    for q in range(4):
        r.g(H, q)
    r.c(H, [0], [1]).c(RX(0.3), [1, 2], [3]).c(X, [3], [0], state=0).c(Z, [0, 1], [2], state=0)
    r.c(RY(0.7), [2, 3], [0], state=0b01)
    return "unitary", r.u


@expect("v3_inv.qasm")
def _() -> tuple[str, Any]:
    r = Ref(2).g(H, 0).g(H, 1).g(SDG, 0)
    r.g(SDG, 1).c(X, [0], [1]).g(RZ(-0.7), 1).g(H, 0)
    r.g(T, 1)
    return "unitary", r.u


@expect("v3_pow.qasm")
def _() -> tuple[str, Any]:
    h15 = (np.eye(2) + H) / 2 - 1j * (np.eye(2) - H) / 2
    r = Ref(3).g(H, 0).g(H, 1).g(H, 2)
    r.g(X, 0).g(SX, 1).g(TDG, 2).g(RZ(0.6), 0).g(h15, 1)
    return "unitary", r.u


@expect("v3_inputs.qasm")
def _() -> tuple[str, Any]:
    th, ph = 0.3, -0.4
    r = Ref(2).g(H, 0).g(RX(2 * th + ph), 0).c(RZ(th - 0.5), [0], [1]).g(RY(-ph / 2), 1)
    return "unitary@", ({"theta": th, "phi": ph}, r.u)


@expect("v3_gphase_ctrl.qasm")
def _() -> tuple[str, Any]:
    r = Ref(2).g(H, 0).g(H, 1).g(P(0.8), 0).g(np.diag([np.exp(-0.3j), 1]), 1)
    return "unitary", np.exp(0.25j) * r.u


@expect("v3_custom_ctrl.qasm")
def _() -> tuple[str, Any]:
    def m(a: float) -> np.ndarray:
        return np.exp(1j * a) * Ref(2).g(RZ(a), 0).c(X, [0], [1]).g(SX, 1).u

    r = Ref(3).g(H, 0).g(H, 1).g(H, 2)
    r.c(m(0.6), [2], [0, 1]).c(m(-1.1), [0], [1, 2], state=0)
    return "unitary", r.u


@expect("v3_u3_phase.qasm")
def _() -> tuple[str, Any]:
    u3 = np.exp(-0.5j * (0.4 + 0.5 + 0.6)) * U(0.4, 0.5, 0.6)
    u2 = np.exp(-0.5j * (pi / 2 + 0.7 + 0.8)) * U(pi / 2, 0.7, 0.8)
    r = Ref(2).g(H, 0).c(u3, [0], [1]).c(u2, [1], [0]).c(U(0.9, 1.0, 1.1), [0], [1])
    return "unitary", r.u


@expect("v3_if_bits.qasm")
def _() -> tuple[str, Any]:
    return "counts", "110"


@expect("v3_qft.qasm")
def _() -> tuple[str, Any]:
    return "unitary", dft(3)


@expect("v3_include_local.qasm")
def _() -> tuple[str, Any]:
    return "unitary", Ref(2).g(H, 0).c(X, [0], [1]).g(RX(0.3), 1).g(RZ(0.15), 1).u


@expect("v3_teleport.qasm")
def _() -> tuple[str, Any]:
    return "stats", {2: math.sin(0.4) ** 2, 0: 0.5, 1: 0.5}


@expect("v3_reset_broadcast.qasm")
def _() -> tuple[str, Any]:
    return "counts", "100"


@expect("v3_no_header.qasm")
def _() -> tuple[str, Any]:
    return "state", basis(3, (7, 1))


FILES = sorted(p.name for p in CORPUS.glob("*.qasm"))


def test_corpus_is_complete() -> None:
    assert len(FILES) >= 30
    assert set(FILES) == set(EXPECT), set(FILES) ^ set(EXPECT)


@pytest.mark.parametrize("name", FILES)
def test_corpus_file(name: str) -> None:
    c = load(CORPUS / name)
    # every gate the reader produced is valid for Circuit.append (the reader skips it for speed)
    again = Circuit(c.n_qubits, c.n_clbits)
    for g in c:
        again.append(g)
    kind, exp = EXPECT[name]()
    if kind in ("unitary", "unitary~"):
        u = unitary_of(c)
        if kind == "unitary":
            np.testing.assert_allclose(u, exp, atol=1e-9)
        else:
            assert same_up_to_phase(u, exp), f"{name}: unitary differs beyond a global phase"
    elif kind == "unitary@":
        values, u_exp = exp
        np.testing.assert_allclose(unitary_of(c, values), u_exp, atol=1e-9)
    elif kind in ("state", "state~"):
        psi = unitary_of(c)[:, 0]
        if kind == "state":
            np.testing.assert_allclose(psi, exp, atol=1e-9)
        else:
            assert same_up_to_phase(psi, exp)
    elif kind == "probs":
        psi = unitary_of(c)[:, 0]
        np.testing.assert_allclose(np.abs(psi) ** 2, exp, atol=1e-9)
    elif kind == "marginal0":
        psi = unitary_of(c)[:, 0]
        p0 = float(np.sum(np.abs(psi[0::2]) ** 2))
        assert abs(p0 - exp) < 1e-9
    elif kind == "perm":
        n, perm = exp
        assert c.n_qubits == n
        u = unitary_of(c)
        for src, dst in perm.items():
            assert abs(abs(u[dst, src]) - 1) < 1e-9, (src, dst)
    elif kind == "counts":
        res = run_shots(c, 200, seed=5)
        assert res.counts == {exp: 200}
    elif kind == "stats":
        shots = 20000
        res = run_shots(c, shots, seed=11)
        bits = res.bits
        for bit, p in exp.items():
            phat = bits[:, bit].mean()
            sigma = math.sqrt(max(p * (1 - p), 1e-12) / shots)
            assert abs(phat - p) < 5 * sigma + 1e-12, (bit, phat, p)
    else:  # pragma: no cover
        raise AssertionError(kind)
