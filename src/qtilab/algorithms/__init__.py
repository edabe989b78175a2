"""Quantum algorithms as tested building blocks (layer 3: above ``sim`` and ``qml``).

Every algorithm here is validated in ``tests/algorithms`` against an exact classical answer.
Qubit ``q`` is bit ``q`` of the basis-state index throughout.

* Fourier family (:mod:`.fourier`, :mod:`.shor`, :mod:`.amplitude`): QFT (approximate with a
  cut-off), phase estimation (controlled unitaries, Pauli-sum time evolution), order finding and
  Shor, amplitude estimation (canonical, iterative, maximum likelihood).
* Search (:mod:`.search`): Grover, BBHT, Deutsch-Jozsa, Bernstein-Vazirani, Simon,
  hypercube quantum-walk search.
* Variational (:mod:`.variational`): VQE with adjoint gradients or SPSA, QAOA for MaxCut.
* Hamiltonians (:mod:`.hamiltonians`): TFIM, XXZ, Hubbard (Jordan-Wigner), Trotter-Suzuki.
* Linear algebra (:mod:`.linear`): HHL and a variational linear solver.
* Chemistry (:mod:`.chemistry`, optional ``chem`` extra, not imported here): molecular
  Hamiltonians from PySCF via OpenFermion's Jordan-Wigner, UCCSD and HF-started ansatze.
"""

from qtilab.algorithms._base import (
    AlgorithmError,
    FactoringError,
    GraphError,
    NotHermitianError,
    OracleError,
    as_observable,
    ground_state,
    pauli_decompose,
    sparse_matrix,
)
from qtilab.algorithms.amplitude import AEResult, AmplitudeProblem, canonical_ae, iterative_ae, mlae
from qtilab.algorithms.fourier import (
    EnergyEstimate,
    PhaseEstimationResult,
    evolution_matrix,
    hamiltonian_phase_estimation,
    phase_estimation,
    phase_estimation_circuit,
    qft,
    qft_dropped_angle,
)
from qtilab.algorithms.search import (
    Oracle,
    bbht_search,
    bernstein_vazirani,
    deutsch_jozsa,
    grover,
    grover_circuit,
    hypercube_walk_search,
    optimal_iterations,
    simon,
)
from qtilab.algorithms.shor import (
    classical_order,
    continued_fraction_candidates,
    find_order,
    modular_multiplication_matrix,
    shor,
)

__all__ = [
    "AEResult",
    "AlgorithmError",
    "AmplitudeProblem",
    "EnergyEstimate",
    "FactoringError",
    "GraphError",
    "NotHermitianError",
    "Oracle",
    "OracleError",
    "PhaseEstimationResult",
    "as_observable",
    "bbht_search",
    "bernstein_vazirani",
    "canonical_ae",
    "classical_order",
    "continued_fraction_candidates",
    "deutsch_jozsa",
    "evolution_matrix",
    "find_order",
    "grover",
    "grover_circuit",
    "ground_state",
    "hamiltonian_phase_estimation",
    "hypercube_walk_search",
    "iterative_ae",
    "mlae",
    "modular_multiplication_matrix",
    "optimal_iterations",
    "pauli_decompose",
    "phase_estimation",
    "phase_estimation_circuit",
    "qft",
    "qft_dropped_angle",
    "shor",
    "simon",
    "sparse_matrix",
]

from qtilab.algorithms.hamiltonians import (  # noqa: E402
    hubbard,
    lattice,
    tfim,
    trotter_circuit,
    trotter_error,
    xxz,
)
from qtilab.algorithms.variational import (  # noqa: E402
    QAOAResult,
    VQEResult,
    brute_force_maxcut,
    maxcut_observable,
    qaoa_circuit,
    qaoa_maxcut,
    vqe,
)

__all__ += [
    "QAOAResult",
    "VQEResult",
    "brute_force_maxcut",
    "hubbard",
    "lattice",
    "maxcut_observable",
    "qaoa_circuit",
    "qaoa_maxcut",
    "tfim",
    "trotter_circuit",
    "trotter_error",
    "vqe",
    "xxz",
]

from qtilab.algorithms.linear import LinearSolution, hhl, vqls  # noqa: E402

__all__ += ["LinearSolution", "hhl", "vqls"]
