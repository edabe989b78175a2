"""VQE and QAOA against exact diagonalisation, brute force and the p = 1 closed form."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from qtilab import Circuit, Parameter
from qtilab.algorithms import (
    AlgorithmError,
    GraphError,
    NotHermitianError,
    brute_force_maxcut,
    maxcut_observable,
    qaoa_circuit,
    qaoa_maxcut,
    tfim,
    vqe,
)
from qtilab.algorithms.variational import (
    energy_and_gradient,
    interp_parameters,
    regularized_warm_start,
)
from qtilab.qml.ansatz import hardware_efficient
from qtilab.sim.statevector import simulate
from qtilab.testing import dense_unitary


def dense_energy(circ, H, x, n):
    vals = {p: v for p, v in zip(circ.parameters, x)}
    psi = dense_unitary(circ, values=vals)[:, 0]
    return float(np.real(psi.conj() @ H.to_matrix(n) @ psi))


def test_adjoint_gradient_matches_dense_finite_differences():
    c = hardware_efficient(3, 2)
    H = tfim(3, J=1.0, h=0.6)
    x = np.random.default_rng(0).uniform(-1, 1, c.num_parameters)
    e, g = energy_and_gradient(c, H, x)
    assert e == pytest.approx(dense_energy(c, H, x, 3), abs=1e-12)
    h = 1e-6
    fd = [(dense_energy(c, H, x + h * np.eye(len(x))[j], 3) - dense_energy(c, H, x - h * np.eye(len(x))[j], 3)) / (2 * h) for j in range(len(x))]
    assert np.allclose(g, fd, atol=1e-7)


@pytest.mark.parametrize("ansatz,layers", [("real_amplitudes", 2), ("hardware_efficient", 3)])
def test_vqe_reaches_exact_ground_energy(ansatz, layers):
    H = tfim(3, J=1.0, h=0.5)
    e0 = np.linalg.eigvalsh(H.to_matrix(3))[0]
    res = vqe(H, ansatz, layers=layers, seed=1)
    assert res.energy == pytest.approx(e0, abs=1e-5)
    assert res.exact_energy == pytest.approx(e0, abs=1e-12)
    assert res.history[-1] == res.energy and res.history[0] > res.energy


def test_vqe_accepts_hermitian_matrix_and_custom_circuit():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(4, 4))
    h = a + a.T
    t = [Parameter(f"t{i}") for i in range(8)]
    c = Circuit(2).ry(t[0], 0).ry(t[1], 1).cx(0, 1).ry(t[2], 0).ry(t[3], 1).cx(1, 0).ry(t[4], 0).ry(t[5], 1).cx(0, 1).ry(t[6], 0).ry(t[7], 1)
    res = vqe(h, c, seed=2, optimizer="BFGS")
    assert res.energy == pytest.approx(np.linalg.eigvalsh(h)[0], abs=1e-6)


def test_vqe_spsa_with_shots():
    H = tfim(2, J=1.0, h=0.7)
    e0 = np.linalg.eigvalsh(H.to_matrix(2))[0]
    res = vqe(H, "real_amplitudes", layers=1, optimizer="SPSA", shots=2000, maxiter=150, seed=4)
    assert abs(res.energy - e0) < 0.05


def test_vqe_bad_input():
    with pytest.raises(NotHermitianError):
        vqe(np.array([[0, 1], [0, 0]]))
    with pytest.raises(NotHermitianError):
        vqe([(1j, {0: "Z"})])
    with pytest.raises(AlgorithmError, match="SPSA"):
        vqe("Z0", "real_amplitudes", shots=100)


def p1_closed_form(g, gamma, beta):
    """Wang, Hadfield, Jiang & Rieffel, PRA 97, 022304 (2018), Theorem 1: for an unweighted
    graph, edge (u, v) with d = deg(u) - 1, e = deg(v) - 1 and f common neighbours (triangles):
    <C_uv> = 1/2 + 1/4 sin(4b) sin(g) (cos^d g + cos^e g)
             - 1/4 sin^2(2b) cos^(d + e - 2f) g (1 - cos^f (2g))."""
    gamma, beta = np.asarray(gamma, float), np.asarray(beta, float)
    tot = np.zeros(np.broadcast_shapes(gamma.shape, beta.shape))
    for u, v in g.edges:
        d, e = g.degree(u) - 1, g.degree(v) - 1
        f = len(set(g[u]) & set(g[v]))
        tot += (0.5 + 0.25 * np.sin(4 * beta) * np.sin(gamma) * (np.cos(gamma) ** d + np.cos(gamma) ** e)
                - 0.25 * np.sin(2 * beta) ** 2 * np.cos(gamma) ** (d + e - 2 * f) * (1 - np.cos(2 * gamma) ** f))
    return tot


@pytest.mark.parametrize("graph", [nx.random_regular_graph(3, 8, seed=1), nx.random_regular_graph(4, 7, seed=2), nx.erdos_renyi_graph(7, 0.6, seed=3)])
def test_qaoa_p1_matches_closed_form(graph):
    c = qaoa_circuit(graph, 1)
    C = maxcut_observable(graph)
    for gamma, beta in [(0.4, 0.3), (1.1, -0.7), (2.5, 1.2)]:
        e = simulate(c, {"gamma0": gamma, "beta0": beta}).expectation(C)
        assert e == pytest.approx(p1_closed_form(graph, gamma, beta), abs=1e-10)


def test_qaoa_p1_optimum_equals_closed_form_maximum():
    g = nx.random_regular_graph(3, 10, seed=4)
    res = qaoa_maxcut(g, 1, restarts=4, seed=1)
    gs, bs = np.meshgrid(np.linspace(0, np.pi, 181), np.linspace(-np.pi / 2, np.pi / 2, 181))
    grid = float(p1_closed_form(g, gs, bs).max())
    assert res.expectation >= grid - 1e-9
    assert res.expectation == pytest.approx(p1_closed_form(g, res.gammas[0], res.betas[0]), abs=1e-10)


def brute(g):
    best = 0.0
    for bits in itertools.product([0, 1], repeat=g.number_of_nodes()):
        best = max(best, sum(d.get("weight", 1.0) for u, v, d in g.edges(data=True) if bits[u] != bits[v]))
    return best


def test_brute_force_and_qaoa_depth_transfer():
    g = nx.random_regular_graph(3, 8, seed=1)
    opt, x = brute_force_maxcut(g)
    assert opt == brute(g)
    res = qaoa_maxcut(g, 3, restarts=2, seed=1)
    assert res.optimum == opt
    ratios = [layer["expectation"] / opt for layer in res.layers]
    assert ratios[-1] > ratios[0] and ratios[-1] > 0.9
    assert 0 < res.p_optimal <= 1 and res.expectation <= opt + 1e-9


def test_weighted_maxcut_and_warm_start():
    g = nx.erdos_renyi_graph(7, 0.5, seed=8)
    rng = np.random.default_rng(1)
    for u, v in g.edges:
        g[u][v]["weight"] = float(rng.uniform(0.2, 2.0))
    opt, _ = brute_force_maxcut(g)
    assert opt == pytest.approx(brute(g))
    cs = regularized_warm_start(g, 0.25, seed=2)
    prod = sum(d["weight"] * (cs[u] * (1 - cs[v]) + cs[v] * (1 - cs[u])) for u, v, d in g.edges(data=True))
    ws = qaoa_maxcut(g, 1, warm_start=cs, restarts=2, seed=3)
    # at beta = 0 the circuit leaves the product state's expected cut: the optimum is no worse
    assert ws.expectation >= prod - 1e-9
    assert ws.expectation <= opt + 1e-9


def test_interp():
    g, b = interp_parameters([0.2, 0.4], [0.6, 0.3])
    assert np.allclose(g, [0.2, 0.3, 0.4]) and np.allclose(b, [0.6, 0.45, 0.3])


def test_graph_errors():
    g = nx.path_graph(3)
    g.add_edge(2, 2)
    with pytest.raises(GraphError, match="self-loop"):
        qaoa_maxcut(g)
    h = nx.path_graph(3)
    h[0][1]["weight"] = -1.0
    with pytest.raises(GraphError, match="negative"):
        maxcut_observable(h)
    with pytest.raises(GraphError):
        brute_force_maxcut(nx.empty_graph(3))


@pytest.mark.parametrize("warm", [False, True])
def test_qaoa_objective_equals_engine_adjoint(warm):
    from qtilab.algorithms.variational import QAOAObjective
    from qtilab.sim.gradients import adjoint_jacobian

    g = nx.erdos_renyi_graph(7, 0.5, seed=8)
    rng = np.random.default_rng(1)
    for u, v in g.edges:
        g[u][v]["weight"] = float(rng.uniform(0.2, 2.0))
    ws = rng.uniform(0.1, 0.9, 7) if warm else None
    p = 3
    x = rng.uniform(-2, 2, 2 * p)
    e, grad = QAOAObjective(g, p, ws)(x)
    c = qaoa_circuit(g, p, ws)
    names = [q.name for q in c.parameters]
    order = [f"gamma{k}" for k in range(p)] + [f"beta{k}" for k in range(p)]
    ref = adjoint_jacobian(c, maxcut_observable(g), [x[order.index(nm)] for nm in names])
    assert e == pytest.approx(float(ref.values[0, 0]), abs=1e-10)
    assert np.allclose(grad, [ref.jacobian[0, 0][names.index(nm)] for nm in order], atol=1e-10)
    # and the state against the dense reference simulator, up to the global phase the circuit
    # leaves out (RZZ drops exp(-i gamma w / 2) per edge)
    psi = dense_unitary(c, values={q: x[order.index(q.name)] for q in c.parameters})[:, 0]
    assert abs(np.vdot(psi, QAOAObjective(g, p, ws).state(x))) == pytest.approx(1.0, abs=1e-10)
