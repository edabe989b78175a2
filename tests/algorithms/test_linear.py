"""HHL and VQLS against numpy.linalg.solve."""

from __future__ import annotations

import numpy as np
import pytest

from qtilab.algorithms import AlgorithmError, NotHermitianError, hhl, vqls


def random_hermitian(k: int, seed: int, shift: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    d = 2**k
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    A = (a + a.conj().T) / 2 + shift * np.eye(d)
    return A, rng.normal(size=d) + 1j * rng.normal(size=d)


def fidelity(x, A, b):
    ref = np.linalg.solve(A, b)
    return abs(np.vdot(ref / np.linalg.norm(ref), x / np.linalg.norm(x))) ** 2


def test_hhl_exact_on_grid_eigenvalues():
    # eigenvalues 1, 2, 3, -2 (in units 2 pi / (M t)) are on the 4-qubit clock grid
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
    M, t = 16, 1.0
    unit = 2 * np.pi / (M * t)
    A = q @ np.diag(np.array([1, 2, 3, -2]) * unit) @ q.conj().T
    b = rng.normal(size=4)
    res = hhl(A, b, 4, time=t)
    assert res.fidelity == pytest.approx(1.0, abs=1e-10)
    assert fidelity(res.x, A, b) == pytest.approx(1.0, abs=1e-10)
    # post-selection probability ||C A^-1 b||^2 with C = unit
    assert res.success_probability == pytest.approx(np.linalg.norm(unit * np.linalg.solve(A, b / np.linalg.norm(b))) ** 2, abs=1e-10)


@pytest.mark.parametrize("k", [1, 2])
def test_hhl_generic_systems(k):
    A, b = random_hermitian(k, seed=k)
    fids = [hhl(A, b, m).fidelity for m in (3, 6)]
    assert fids[1] > 0.999
    assert fidelity(hhl(A, b, 6).x, A, b) == pytest.approx(fids[1], abs=1e-12)


@pytest.mark.parametrize("k", [1, 2])
def test_vqls_solves_the_system(k):
    A, b = random_hermitian(k, seed=10 + k)
    A, b = A.real + A.real.T, b.real  # real_amplitudes reaches real solutions
    res = vqls(A, b, seed=1)
    assert fidelity(res.x, A, b) > 0.9999
    assert res.extra["cost"] < 1e-6


def test_linear_bad_input():
    with pytest.raises(NotHermitianError):
        hhl(np.array([[1.0, 2.0], [0.0, 1.0]]), [1, 0])
    with pytest.raises(AlgorithmError, match="singular"):
        hhl(np.diag([1.0, 0.0]), [1, 0])
    with pytest.raises(AlgorithmError):
        hhl(np.eye(3), [1, 0, 0])
    with pytest.raises(AlgorithmError):
        vqls(np.eye(2), [0, 0])
