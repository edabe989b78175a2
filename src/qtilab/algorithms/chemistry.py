"""Molecular Hamiltonians (PySCF + OpenFermion) and a UCCSD ansatz -- the optional ``chem`` extra.

Needs ``pip install 'qtilab[chem]'`` (PySCF and OpenFermion); without it the functions raise
:class:`~qtilab.errors.MissingExtraError`. ``import qtilab.algorithms`` does not import them.

* :func:`molecular_hamiltonian` -- restricted Hartree-Fock with PySCF, molecular-orbital
  integrals of an active space (PySCF's CASCI: the frozen core orbitals are folded into the
  constant and the one-body term), the second-quantised Hamiltonian as OpenFermion's
  ``InteractionOperator`` and its Jordan-Wigner transform by OpenFermion
  (``openfermion.jordan_wigner``), converted to a qtilab :class:`Observable`.
  Spin orbital ``2 p`` is spatial orbital ``p`` with spin up, ``2 p + 1`` with spin down
  (OpenFermion's order); spin orbital ``k`` is qubit ``k``. The metadata carry PySCF's HF
  energy and its FCI energy in the same active space (CASCI), the independent reference.
* :func:`uccsd_ansatz` -- unitary coupled cluster with spin-conserving singles and doubles
  from the Hartree-Fock state: X gates on the occupied spin orbitals, then for each excitation
  ``exp(theta (T - T^dag))`` with ``T - T^dag`` mapped by Jordan-Wigner (OpenFermion) to a sum
  of commuting Pauli strings, each one ``exp(-i angle P / 2)`` rotation
  (:func:`~qtilab.algorithms.hamiltonians.append_pauli_rotation`). One first-order Trotter
  step over the excitations; each excitation is exact because its strings commute.
* :func:`hartree_fock_ansatz` -- a :mod:`qtilab.qml.ansatz` circuit (hardware-efficient by
  default) after X gates preparing the Hartree-Fock state.

Molecules by name: ``"H2"``, ``"LiH"`` (on the z axis, the first atom at the origin) and the
linear ``"BeH2"`` (H-Be-H, ``bond_length`` = each Be-H distance), bond lengths in Angstrom;
or a PySCF atom string / list of ``(symbol, (x, y, z))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab.algorithms._base import AlgorithmError
from qtilab.core.circuit import Circuit
from qtilab.core.observables import Observable
from qtilab.core.parameters import Parameter

#: equilibrium-like bond lengths (Angstrom) used when ``bond_length`` is not given
DEFAULT_BOND_LENGTHS: dict[str, float] = {"H2": 0.735, "LiH": 1.595, "BeH2": 1.326}


@dataclass
class MoleculeInfo:
    """What :func:`molecular_hamiltonian` built: sizes and PySCF's reference energies (Hartree).

    ``fci_energy`` is the exact ground energy of the same active space (PySCF CASCI; full FCI
    when there is no active space); ``hf_energy`` the RHF energy; ``core_energy`` the constant
    (nuclear repulsion plus the frozen core); ``hf_occupation`` the qubits set in the
    Hartree-Fock state."""

    name: str
    atom: str
    basis: str
    n_qubits: int
    n_electrons: int
    n_orbitals: int
    n_frozen: int
    nuclear_repulsion: float
    core_energy: float
    hf_energy: float
    fci_energy: float
    hf_occupation: list[int] = field(default_factory=list)
    n_terms: int = 0


def _atom_string(molecule: str | Sequence[Any], bond_length: float | None) -> tuple[str, str]:
    if isinstance(molecule, str):
        key = {k.lower(): k for k in DEFAULT_BOND_LENGTHS}.get(molecule.strip().lower())
        if key is None:
            if bond_length is not None or ";" not in molecule and "\n" not in molecule:
                raise AlgorithmError(
                    f"unknown molecule {molecule!r}: give one of {sorted(DEFAULT_BOND_LENGTHS)} or a "
                    "PySCF geometry such as 'H 0 0 0; H 0 0 0.735' (Angstrom)"
                )
            return "custom", molecule
        d = DEFAULT_BOND_LENGTHS[key] if bond_length is None else float(bond_length)
        if not np.isfinite(d) or d <= 0:
            raise AlgorithmError(f"bond_length must be a positive number of Angstrom, got {bond_length!r}")
        geo = {
            "H2": f"H 0 0 0; H 0 0 {d}",
            "LiH": f"Li 0 0 0; H 0 0 {d}",
            "BeH2": f"H 0 0 {-d}; Be 0 0 0; H 0 0 {d}",
        }[key]
        return key, geo
    atoms: Sequence[Any] = molecule
    try:
        parts = [f"{s} {float(x)} {float(y)} {float(z)}" for s, (x, y, z) in atoms]
    except (TypeError, ValueError) as exc:
        raise AlgorithmError("a geometry must be a list of (symbol, (x, y, z)) in Angstrom") from exc
    if not parts:
        raise AlgorithmError("the geometry has no atoms")
    return "custom", "; ".join(parts)


def qubit_operator_to_observable(op: Any, *, atol: float = 1e-12) -> Observable:
    """An OpenFermion ``QubitOperator`` (Hermitian) as a qtilab :class:`Observable`."""
    terms: list[tuple[float, dict[int, str]]] = []
    for term, coeff in op.terms.items():
        c = complex(coeff)
        if abs(c.imag) > 1e-9:
            raise AlgorithmError(f"qubit operator term {term} has a complex coefficient {c}; it is not Hermitian")
        if abs(c.real) > atol:
            terms.append((c.real, {int(q): str(s) for q, s in term}))
    return Observable(terms)


def molecular_hamiltonian(
    molecule: str | Sequence[Any],
    *,
    bond_length: float | None = None,
    basis: str = "sto-3g",
    active_space: tuple[int, int] | None = None,
    charge: int = 0,
    spin: int = 0,
) -> tuple[Observable, MoleculeInfo]:
    """The Jordan-Wigner qubit Hamiltonian of ``molecule`` and its :class:`MoleculeInfo`.

    ``active_space = (n_electrons, n_orbitals)`` keeps that many electrons in that many spatial
    orbitals around the Fermi level (PySCF CASCI convention; the lower orbitals are frozen
    doubly occupied), giving ``2 n_orbitals`` qubits; None keeps every orbital.
    ``spin`` is ``2 S`` (PySCF). Raises :class:`AlgorithmError` for an unknown molecule or an
    inconsistent active space.
    """
    gto = require("pyscf.gto", extra="chem")
    scf = require("pyscf.scf", extra="chem")
    mcscf = require("pyscf.mcscf", extra="chem")
    ao2mo = require("pyscf.ao2mo", extra="chem")
    of = require("openfermion", extra="chem")
    spinorb_from_spatial = require("openfermion.chem.molecular_data", extra="chem").spinorb_from_spatial

    name, atom = _atom_string(molecule, bond_length)
    try:
        mol = gto.M(atom=atom, basis=basis, charge=charge, spin=spin, unit="Angstrom", verbose=0)
    except Exception as exc:  # PySCF raises bare Exceptions/KeyErrors for bad atoms or bases
        raise AlgorithmError(f"PySCF could not build the molecule {atom!r} in basis {basis!r}: {exc}") from exc
    mf = (scf.RHF(mol) if spin == 0 else scf.ROHF(mol)).run()
    if not mf.converged:
        raise AlgorithmError(f"Hartree-Fock did not converge for {atom!r}")
    n_orb = int(mol.nao_nr())
    n_el = int(mol.nelectron)
    if active_space is None:
        ncas, nelecas = n_orb, n_el
    else:
        nelecas, ncas = (int(v) for v in active_space)
        if not (0 < ncas <= n_orb and 0 < nelecas <= 2 * ncas and (n_el - nelecas) % 2 == 0 and nelecas <= n_el):
            raise AlgorithmError(
                f"active_space {active_space!r} does not fit {n_el} electrons in {n_orb} orbitals: give "
                "(n_electrons, n_orbitals) with n_electrons <= 2 n_orbitals and an even number of frozen electrons"
            )
        if (n_el - nelecas) // 2 + ncas > n_orb:
            raise AlgorithmError(f"active_space {active_space!r} reaches beyond the {n_orb} orbitals")
    mc = mcscf.CASCI(mf, ncas, nelecas)
    h1, ecore = mc.get_h1eff()
    h2 = ao2mo.restore(1, mc.get_h2eff(), ncas)  # chemists' (pq|rs)
    e_fci = float(mc.kernel()[0])
    # OpenFermion's convention: H = c + sum h_pq a+_p a_q + 1/2 sum <pq|rs>-ordered (ps|qr) a+_p a+_q a_r a_s
    one_so, two_so = spinorb_from_spatial(np.asarray(h1), np.asarray(h2).transpose(0, 2, 3, 1))
    iop = of.InteractionOperator(float(ecore), one_so, 0.5 * two_so)
    obs = qubit_operator_to_observable(of.jordan_wigner(iop))
    n_alpha, n_beta = (nelecas + spin) // 2, (nelecas - spin) // 2
    occ = sorted([2 * i for i in range(n_alpha)] + [2 * i + 1 for i in range(n_beta)])
    info = MoleculeInfo(
        name=name,
        atom=atom,
        basis=basis,
        n_qubits=2 * ncas,
        n_electrons=nelecas,
        n_orbitals=ncas,
        n_frozen=(n_el - nelecas) // 2,
        nuclear_repulsion=float(mol.energy_nuc()),
        core_energy=float(ecore),
        hf_energy=float(mf.e_tot),
        fci_energy=e_fci,
        hf_occupation=occ,
        n_terms=len(obs.terms),
    )
    return obs, info


def hartree_fock_circuit(info: MoleculeInfo) -> Circuit:
    """X gates on the occupied spin orbitals of ``info`` (the Hartree-Fock determinant)."""
    c = Circuit(info.n_qubits, name="hartree_fock")
    for q in info.hf_occupation:
        c.x(q)
    return c


def excitations(info: MoleculeInfo) -> list[tuple[int, ...]]:
    """Spin-conserving single ``(i, a)`` and double ``(i, j, a, b)`` excitations from the HF
    determinant (``i < j`` occupied, ``a < b`` virtual spin orbitals; parity 0 = up)."""
    occ = list(info.hf_occupation)
    virt = [q for q in range(info.n_qubits) if q not in occ]
    singles = [(i, a) for i in occ for a in virt if i % 2 == a % 2]
    doubles = [
        (i, j, a, b)
        for ii, i in enumerate(occ)
        for j in occ[ii + 1 :]
        for aa, a in enumerate(virt)
        for b in virt[aa + 1 :]
        if sorted((i % 2, j % 2)) == sorted((a % 2, b % 2))
    ]
    return [*singles, *doubles]


def uccsd_ansatz(info: MoleculeInfo, prefix: str = "t") -> Circuit:
    """UCCSD circuit: the HF state, then ``exp(theta_k (T_k - T_k^dag))`` for each excitation
    of :func:`excitations` (one parameter each; ``T = a+_a a_i`` or ``a+_a a+_b a_j a_i``)."""
    of = require("openfermion", extra="chem")
    from qtilab.algorithms.hamiltonians import append_pauli_rotation

    c = hartree_fock_circuit(info)
    c.name = "uccsd"
    for k, ex in enumerate(excitations(info)):
        if len(ex) == 2:
            i, a = ex
            t = of.FermionOperator(((a, 1), (i, 0)))
        else:
            i, j, a, b = ex
            t = of.FermionOperator(((a, 1), (b, 1), (j, 0), (i, 0)))
        gen = of.jordan_wigner(t - of.hermitian_conjugated(t))  # anti-Hermitian: sum (i c_m) P_m
        theta = Parameter(f"{prefix}{k}")
        for term, coeff in sorted(gen.terms.items()):
            cm = complex(coeff)
            if abs(cm) < 1e-12:
                continue
            # exp(theta * i c P) = exp(-i (-2 c theta) P / 2)
            append_pauli_rotation(c, {int(q): str(s) for q, s in term}, -2.0 * cm.imag * theta)
    return c


def hartree_fock_ansatz(info: MoleculeInfo, name: str = "hardware_efficient", layers: int = 2) -> Circuit:
    """The HF state followed by ``qtilab.qml.ansatz.make_ansatz(name, n_qubits, layers)``."""
    from qtilab.qml.ansatz import make_ansatz

    body = make_ansatz(name, info.n_qubits, layers)
    c = hartree_fock_circuit(info)
    c.name = f"hf+{body.name}"
    for g in body:
        c.append(g)
    return c


__all__ = [
    "DEFAULT_BOND_LENGTHS",
    "MoleculeInfo",
    "excitations",
    "hartree_fock_ansatz",
    "hartree_fock_circuit",
    "molecular_hamiltonian",
    "qubit_operator_to_observable",
    "uccsd_ansatz",
]
