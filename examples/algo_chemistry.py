"""VQE for H2 and LiH (STO-3G) against PySCF's FCI: UCCSD and a hardware-efficient ansatz.

Needs the chem extra: pip install 'qtilab[chem]'. Prints a Markdown table (docs/algorithms.md
quotes it). LiH uses a frozen Li 1s core: 2 electrons in 5 active orbitals (10 qubits), and the
reference is PySCF's FCI (CASCI) in that same active space. BeH2 (linear, Be-H 1.326 A) freezes
the Be 1s core: 4 electrons in 6 orbitals (12 qubits), UCCSD only.
UCCSD starts from the HF state with all amplitudes 0 (deterministic, one run; its time is the
median of ``repeats`` runs). The hardware-efficient ansatz (HF X gates, then
qtilab.qml.ansatz.hardware_efficient: RY RZ on every qubit and a CX ladder per layer) starts
from uniform(-0.1, 0.1) angles; its error is over ``seeds`` seeds (median [min, max]).

Run: python examples/algo_chemistry.py [repeats] [seeds]
"""

import os
import statistics
import sys
import time

import numba
import numpy as np

from qtilab.algorithms import vqe
from qtilab.algorithms.chemistry import hartree_fock_ansatz, molecular_hamiltonian, uccsd_ansatz

numba.set_num_threads(1)  # small circuits: parallel kernels only add thread start-up
repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
# molecule, bond (A), active space, HEA layers (None: UCCSD only)
cases = [("H2", 0.735, None, 2), ("LiH", 1.595, (2, 5), 2), ("BeH2", 1.326, (4, 6), None)]

print(f"load average at start: {os.getloadavg()[0]:.2f}")
print("| molecule | qubits | Pauli terms | HF (Ha) | FCI (Ha) | ansatz | parameters | VQE (Ha) | error (mHa) | time (s) |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, bond, active, layers in cases:
    h, info = molecular_hamiltonian(name, bond_length=bond, active_space=active)
    head = f"| {name} {bond} A | {info.n_qubits} | {info.n_terms} | {info.hf_energy:.6f} | {info.fci_energy:.6f}"
    c = uccsd_ansatz(info)
    times, res = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = vqe(h, c, initial_point=np.zeros(c.num_parameters), exact_max_qubits=0)
        times.append(time.perf_counter() - t0)
    assert res is not None
    print(f"{head} | UCCSD | {c.num_parameters} | {res.energy:.6f} | {1e3 * (res.energy - info.fci_energy):.2e} | "
          f"{statistics.median(times):.1f} [{min(times):.1f}, {max(times):.1f}] |")
    if layers is None:
        continue
    c = hartree_fock_ansatz(info, "hardware_efficient", layers=layers)
    errs, energies, times = [], [], []
    for seed in range(seeds):
        t0 = time.perf_counter()
        res = vqe(h, c, seed=seed, exact_max_qubits=0, maxiter=2000)
        times.append(time.perf_counter() - t0)
        energies.append(res.energy)
        errs.append(1e3 * (res.energy - info.fci_energy))
    print(f"{head} | HF + HEA ({layers} layers) | {c.num_parameters} | {statistics.median(energies):.6f} | "
          f"{statistics.median(errs):.2e} [{min(errs):.2e}, {max(errs):.2e}] | "
          f"{statistics.median(times):.1f} [{min(times):.1f}, {max(times):.1f}] |")
print(f"load average at end: {os.getloadavg()[0]:.2f}")
