"""Molecular Hamiltonians and UCCSD VQE (the optional ``chem`` extra).

PySCF and OpenFermion are an optional extra that CI does not install: ``pytest.importorskip``
skips this module cleanly where they are absent (install with ``pip install 'qtilab[chem]'``).
The independent reference is PySCF's FCI (CASCI in the same active space), computed by PySCF's
own determinant solver, not by the qubit Hamiltonian under test.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg as spla

pytest.importorskip("pyscf")
pytest.importorskip("openfermion")

from qtilab.algorithms import AlgorithmError, sparse_matrix, vqe  # noqa: E402
from qtilab.algorithms.chemistry import (  # noqa: E402
    excitations,
    hartree_fock_ansatz,
    molecular_hamiltonian,
    uccsd_ansatz,
)
from qtilab.errors import QtilabError  # noqa: E402

CHEM_ACC = 1.6e-3  # chemical accuracy, Hartree


@pytest.fixture(scope="module")
def h2() -> tuple:
    return molecular_hamiltonian("H2", bond_length=0.735)


@pytest.fixture(scope="module")
def lih() -> tuple:
    return molecular_hamiltonian("LiH", bond_length=1.595, active_space=(2, 5))


def _lowest(h, n: int) -> float:
    return float(spla.eigsh(sparse_matrix(h, n), k=1, which="SA")[0][0])


def test_h2_lowest_eigenvalue_is_pyscf_fci(h2: tuple) -> None:
    h, info = h2
    assert info.n_qubits == 4 and info.n_electrons == 2
    assert _lowest(h, 4) == pytest.approx(info.fci_energy, abs=1e-6)
    # published STO-3G H2 at 0.735 A: FCI -1.13730 Ha, HF -1.11700 Ha (e.g. OpenFermion/Qiskit tutorials)
    assert info.fci_energy == pytest.approx(-1.13730, abs=1e-4)
    assert info.hf_energy == pytest.approx(-1.11700, abs=1e-4)


def test_lih_active_space_lowest_eigenvalue_is_pyscf_casci(lih: tuple) -> None:
    h, info = lih
    assert (info.n_qubits, info.n_electrons, info.n_frozen) == (10, 2, 1)
    assert _lowest(h, 10) == pytest.approx(info.fci_energy, abs=1e-6)
    # the HF determinant's energy <HF|H|HF> is PySCF's RHF energy
    idx = sum(1 << q for q in info.hf_occupation)
    diag = sparse_matrix(h, 10).diagonal()
    assert diag[idx].real == pytest.approx(info.hf_energy, abs=1e-8)


def test_uccsd_vqe_h2_and_lih_within_chemical_accuracy(h2: tuple, lih: tuple) -> None:
    for h, info in (h2, lih):
        c = uccsd_ansatz(info)
        assert c.num_parameters == len(excitations(info))
        res = vqe(h, c, initial_point=np.zeros(c.num_parameters), exact_max_qubits=0)
        assert abs(res.energy - info.fci_energy) < CHEM_ACC
        # correlation is recovered: well below HF
        assert res.energy < info.hf_energy - 0.5 * (info.hf_energy - info.fci_energy)


def test_hardware_efficient_vqe_h2_within_chemical_accuracy(h2: tuple) -> None:
    h, info = h2
    c = hartree_fock_ansatz(info, layers=2)
    res = vqe(h, c, seed=0, exact_max_qubits=0, maxiter=2000)
    assert abs(res.energy - info.fci_energy) < CHEM_ACC


def test_unknown_molecule_and_bad_active_space() -> None:
    with pytest.raises(AlgorithmError, match="unknown molecule"):
        molecular_hamiltonian("H2O2X")
    with pytest.raises(QtilabError, match="active_space"):
        molecular_hamiltonian("H2", active_space=(4, 1))
    with pytest.raises(AlgorithmError, match="bond_length"):
        molecular_hamiltonian("H2", bond_length=-1.0)
