"""Cross-check: qtilab's reading of the OpenQASM corpus against Qiskit's reading of the same files.

Skipped when qiskit is not installed (``pip install 'qtilab[peers]'``). Statevectors are compared
up to a global phase: OpenQASM 2 does not define one, and Qiskit and the OpenQASM 3 standard
library differ on u2/u3's (see docs/qasm.md).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from qtilab.core.qasm import dumps, load, loads
from qtilab.sim.statevector import simulate

pytestmark = pytest.mark.peers
qiskit = pytest.importorskip("qiskit")
qasm2 = pytest.importorskip("qiskit.qasm2")
from qiskit.quantum_info import Statevector  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "qasm" / "corpus"
sys.path.insert(0, str(CORPUS.parent))


def _state(c) -> np.ndarray:  # type: ignore[no-untyped-def]
    from qtilab.core.circuit import Circuit

    u = Circuit(c.n_qubits, c.n_clbits)
    for g in c:
        if g.name != "measure":
            u.append(g)
    return np.asarray(simulate(u).statevector)


def _qiskit_state(qc) -> np.ndarray:  # type: ignore[no-untyped-def]
    qc = qc.remove_final_measurements(inplace=False)
    return np.asarray(Statevector(qc).data)


def _assert_phase_equal(a: np.ndarray, b: np.ndarray) -> None:
    k = int(np.argmax(np.abs(b)))
    ph = b[k] / a[k]
    assert abs(abs(ph) - 1) < 1e-9
    np.testing.assert_allclose(a * ph, b, atol=1e-9)


def _v2_files() -> list[str]:
    out = []
    for p in sorted(CORPUS.glob("*.qasm")):
        c = load(p)
        if not p.name.startswith("v3_") and not c.has_mid_circuit_ops:
            out.append(p.name)
    return out


@pytest.mark.parametrize("name", _v2_files())
def test_openqasm2_corpus_matches_qiskit(name: str) -> None:
    text = (CORPUS / name).read_text()
    qc = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    _assert_phase_equal(_state(load(CORPUS / name)), _qiskit_state(qc))


def test_relative_phase_gates_match_qiskit() -> None:
    text = 'OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; h q; t q[1]; rccx q[0], q[1], q[2]; s q[3]; rc3x q[3], q[0], q[2], q[1];'
    qc = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    _assert_phase_equal(_state(loads(text)), _qiskit_state(qc))


@pytest.mark.parametrize("seed", range(4))
def test_qtilab_output_read_by_qiskit(seed: int) -> None:
    from test_qasm_io import _random_circuit

    c = _random_circuit(np.random.default_rng(100 + seed), 4, 12)
    qc = qasm2.loads(dumps(c, version=2), custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    _assert_phase_equal(_state(c), _qiskit_state(qc))


#: programs Qiskit's OpenQASM 3 importer refuses, with the message it gives: the test checks
#: that it still refuses them this way (so a new Qiskit that reads them is noticed); any other
#: exception from Qiskit fails the test
QISKIT_CANNOT_READ = {"v3_include_local.qasm": "non-stdgates imports not currently supported"}
#: Qiskit's importer maps u2/u3 to its U2/U3 gates, dropping the exp(-i(θ+φ+λ)/2) that the
#: OpenQASM 3 standard library gives u3 relative to U, which ctrl @ makes observable. qtilab
#: follows the specification (checked in tests/qasm); strict: a fixed Qiskit makes this fail.
KNOWN_DIFFERENCES = {"v3_u3_phase.qasm": "qiskit drops stdgates.inc's u2/u3 global phase (visible under ctrl @)"}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(p.name, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=KNOWN_DIFFERENCES[p.name]))
        if p.name in KNOWN_DIFFERENCES else p.name
        for p in sorted(CORPUS.glob("v3_*.qasm")) if not load(p).has_mid_circuit_ops and not load(p).parameters
    ],
)
def test_openqasm3_corpus_matches_qiskit(name: str) -> None:
    pytest.importorskip("qiskit_qasm3_import")
    from qiskit import qasm3

    text = (CORPUS / name).read_text()
    with warnings.catch_warnings():  # Qiskit's own deprecations are not ours to fail on
        warnings.simplefilter("ignore", DeprecationWarning)
        if name in QISKIT_CANNOT_READ:
            with pytest.raises(Exception, match=QISKIT_CANNOT_READ[name]):
                qasm3.loads(text)
            return
        qc = qasm3.loads(text)  # a peer that raises fails the test: it does not skip
    _assert_phase_equal(_state(load(CORPUS / name)), _qiskit_state(qc))


@pytest.mark.parametrize("seed", range(12))
def test_qiskit_exported_programs_read_by_qtilab(seed: int) -> None:
    from qiskit import qasm3
    from qiskit.circuit.random import random_circuit

    qc = random_circuit(4, 6, max_operands=3, seed=seed)
    expected = np.asarray(Statevector(qc).data)
    for text in (qasm2.dumps(qc), qasm3.dumps(qc)):
        _assert_phase_equal(np.asarray(simulate(loads(text)).statevector), expected)
