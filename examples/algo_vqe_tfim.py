"""VQE for a transverse-field Ising chain with exact adjoint gradients, beside exact diagonalisation.

Run: python examples/algo_vqe_tfim.py [qubits] [layers]
"""

import sys

from qtilab.algorithms import tfim, vqe

n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
layers = int(sys.argv[2]) if len(sys.argv) > 2 else 3
res = vqe(tfim(n, J=1.0, h=1.0), "hardware_efficient", layers=layers, seed=1)
print(f"TFIM {n} qubits: VQE {res.energy:.8f}, exact {res.exact_energy:.8f}, "
      f"error {res.error:.2e} after {res.evaluations} energy+gradient evaluations")
