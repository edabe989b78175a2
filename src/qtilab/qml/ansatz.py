"""Parametrised circuits (ansatze) with symbolic weights.

Every builder returns a :class:`~qtilab.core.circuit.Circuit` whose weights are
:class:`~qtilab.core.parameters.Parameter` symbols named ``{prefix}0, {prefix}1, ...`` in the
order they appear (so ``circuit.parameters`` is the weight vector order). Bind them with a
sequence or a mapping; differentiate with :mod:`qtilab.sim.gradients`.

* :func:`hardware_efficient` -- rotation layers and an entangling pattern (Kandala et al. 2017).
* :func:`strongly_entangling` -- general rotations and CNOTs with a range that grows with the
  layer (Schuld et al. 2020, PennyLane's ``StronglyEntanglingLayers``).
* :func:`real_amplitudes` -- RY layers and CX entanglers (Qiskit's ``RealAmplitudes``).
* :func:`sim_circuit` -- circuits 1 to 19 of Sim, Johnson and Aspuru-Guzik, "Expressibility and
  entangling capability of parameterized quantum circuits for hybrid quantum-classical
  algorithms", Adv. Quantum Technol. 2, 1900070 (2019), generalised from their 4-qubit
  drawings to n qubits.
* :func:`reuploading_circuit` -- data re-uploading classifier blocks (inputs and weights).

Examples
--------
>>> c = sim_circuit(13, n_qubits=4, layers=1)
>>> c.num_parameters
16
>>> hardware_efficient(4, layers=2).num_parameters
16
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from qtilab.core.circuit import Circuit
from qtilab.core.parameters import Parameter
from qtilab.errors import ConfigError
from qtilab.qml.encodings import entangler_pairs

_ROT = ("rx", "ry", "rz")


class _Weights:
    """Hands out fresh parameters w0, w1, ... in order of use."""

    def __init__(self, prefix: str) -> None:
        if not prefix or not (prefix[0].isalpha() or prefix[0] == "_"):
            raise ConfigError(f"prefix must start with a letter, got {prefix!r}")
        self.prefix = prefix
        self.k = 0

    def __call__(self) -> Parameter:
        p = Parameter(f"{self.prefix}{self.k}")
        self.k += 1
        return p


def _check(n_qubits: Any, layers: Any, min_qubits: int = 1) -> tuple[int, int]:
    for v, name, lo in ((n_qubits, "n_qubits", min_qubits), (layers, "layers", 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ConfigError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(n_qubits), int(layers)


def hardware_efficient(
    n_qubits: int,
    layers: int = 1,
    rotations: Sequence[str] = ("ry", "rz"),
    entanglement: str = "linear",
    entangler: str = "cx",
    final_rotations: bool = False,
    prefix: str = "w",
) -> Circuit:
    """Hardware-efficient ansatz: per layer, the ``rotations`` on every qubit, then
    ``entangler`` (``cx`` or ``cz``) on the ``entanglement`` pairs (``linear``, ``circular``,
    ``full``). ``final_rotations`` adds one more rotation layer at the end.
    Parameters: ``len(rotations) * n_qubits`` per layer.
    """
    n, L = _check(n_qubits, layers)
    for r in rotations:
        if r not in _ROT:
            raise ConfigError(f"rotations must be among {_ROT}, got {r!r}")
    if entangler not in ("cx", "cz"):
        raise ConfigError(f"entangler must be 'cx' or 'cz', got {entangler!r}")
    pairs = entangler_pairs(n, entanglement)
    w = _Weights(prefix)
    c = Circuit(n, name="hardware_efficient")

    def rot_layer() -> None:
        for q in range(n):
            for r in rotations:
                getattr(c, r)(w(), q)

    for _ in range(L):
        rot_layer()
        for a, b in pairs:
            getattr(c, entangler)(a, b)
    if final_rotations:
        rot_layer()
    return c


def strongly_entangling(n_qubits: int, layers: int = 1, prefix: str = "w") -> Circuit:
    """Strongly entangling layers: ``Rot = RZ(c) RY(b) RZ(a)`` on each qubit, then
    ``CX(i, (i + r) mod n)`` with range ``r = (layer mod (n - 1)) + 1``. 3n parameters per layer."""
    n, L = _check(n_qubits, layers)
    w = _Weights(prefix)
    c = Circuit(n, name="strongly_entangling")
    for layer in range(L):
        for q in range(n):
            c.rz(w(), q)
            c.ry(w(), q)
            c.rz(w(), q)
        if n > 1:
            r = (layer % (n - 1)) + 1
            for q in range(n):
                c.cx(q, (q + r) % n)
    return c


def real_amplitudes(n_qubits: int, reps: int = 3, entanglement: str = "linear", prefix: str = "w") -> Circuit:
    """RY on every qubit, then ``reps`` times (CX entanglers, RY layer): real amplitudes only.
    ``(reps + 1) * n`` parameters."""
    n, reps = _check(n_qubits, reps)
    pairs = entangler_pairs(n, entanglement)
    w = _Weights(prefix)
    c = Circuit(n, name="real_amplitudes")
    for q in range(n):
        c.ry(w(), q)
    for _ in range(reps):
        for a, b in pairs:
            c.cx(a, b)
        for q in range(n):
            c.ry(w(), q)
    return c


# ---------------------------------------------------------------------------------------------
# Sim et al. 2019, circuits 1-19
# ---------------------------------------------------------------------------------------------
# Patterns of two-qubit gates, as (control, target) lists, generalising the paper's 4-qubit
# drawings (qubit 0 on top):
def _ladder(n: int) -> list[tuple[int, int]]:
    """(n-1 -> n-2), ..., (1 -> 0): circuits 2, 3, 4, 9."""
    return [(i, i - 1) for i in range(n - 1, 0, -1)]


def _ring_a(n: int) -> list[tuple[int, int]]:
    """(n-1 -> 0), (n-2 -> n-1), ..., (0 -> 1): first ring of circuits 13, 14, 15, 18, 19."""
    return [(n - 1 - k, (n - k) % n) for k in range(n)] if n > 1 else []


def _ring_b(n: int) -> list[tuple[int, int]]:
    """(n-1 -> n-2), (0 -> n-1), (1 -> 0), ..., (n-2 -> n-3): second ring of circuits 13-15."""
    if n < 2:
        return []
    ctrls = [n - 1] + list(range(n - 1))
    return [(cq, (cq - 1) % n) for cq in ctrls]


def _pairs_even(n: int) -> list[tuple[int, int]]:
    """(1 -> 0), (3 -> 2), ...: first brick layer of circuits 7, 8, 11, 12, 16, 17."""
    return [(i + 1, i) for i in range(0, n - 1, 2)]


def _pairs_odd(n: int) -> list[tuple[int, int]]:
    """(2 -> 1), (4 -> 3), ...: second brick layer."""
    return [(i + 1, i) for i in range(1, n - 1, 2)]


def _all_to_all(n: int) -> list[tuple[int, int]]:
    """Every ordered pair, controls from the last qubit up: circuits 5, 6."""
    return [(n - 1 - j, n - 1 - i) for j in range(n) for i in range(n) if i != j]


def _cz_ring(n: int) -> list[tuple[int, int]]:
    """Ladder plus (n-1 -> 0): circuit 10."""
    return _ladder(n) + ([(n - 1, 0)] if n > 2 else [])


def sim_circuit(number: int, n_qubits: int = 4, layers: int = 1, prefix: str = "w") -> Circuit:
    """Circuit ``number`` (1-19) of Sim, Johnson and Aspuru-Guzik (2019), repeated ``layers`` times.

    Parameters per layer for n = 4 qubits (the paper's table): 1: 8, 2: 8, 3: 11, 4: 11, 5: 28,
    6: 28, 7: 19, 8: 19, 9: 4, 10: 8, 11: 12, 12: 12, 13: 16, 14: 16, 15: 8, 16: 11, 17: 11,
    18: 12, 19: 12. For other n the same patterns are generalised (ladders, rings, bricks).
    """
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 19:
        raise ConfigError(f"Sim et al. circuits are numbered 1 to 19, got {number!r}")
    n, L = _check(n_qubits, layers, min_qubits=2)
    w = _Weights(prefix)
    c = Circuit(n, name=f"sim{number}")
    everyone = list(range(n))
    mid = sorted({q for p in _pairs_odd(n) for q in p})  # circuits 11, 12: middle qubits
    # one layer as data: (gate, qubits) for rotations/H, (gate, [(control, target)]) for
    # two-qubit gates (names starting with "c")
    Step = tuple[str, Any]
    layer: dict[int, list[Step]] = {
        1: [("rx", everyone), ("rz", everyone)],
        2: [("rx", everyone), ("rz", everyone), ("cx", _ladder(n))],
        3: [("rx", everyone), ("rz", everyone), ("crz", _ladder(n))],
        4: [("rx", everyone), ("rz", everyone), ("crx", _ladder(n))],
        5: [("rx", everyone), ("rz", everyone), ("crz", _all_to_all(n)), ("rx", everyone), ("rz", everyone)],
        6: [("rx", everyone), ("rz", everyone), ("crx", _all_to_all(n)), ("rx", everyone), ("rz", everyone)],
        7: [("rx", everyone), ("rz", everyone), ("crz", _pairs_even(n)), ("rx", everyone), ("rz", everyone), ("crz", _pairs_odd(n))],
        8: [("rx", everyone), ("rz", everyone), ("crx", _pairs_even(n)), ("rx", everyone), ("rz", everyone), ("crx", _pairs_odd(n))],
        9: [("h", everyone), ("cz", _ladder(n)), ("rx", everyone)],
        10: [("ry", everyone), ("cz", _cz_ring(n)), ("ry", everyone)],
        11: [("ry", everyone), ("rz", everyone), ("cx", _pairs_even(n)), ("ry", mid), ("rz", mid), ("cx", _pairs_odd(n))],
        12: [("ry", everyone), ("rz", everyone), ("cz", _pairs_even(n)), ("ry", mid), ("rz", mid), ("cz", _pairs_odd(n))],
        13: [("ry", everyone), ("crz", _ring_a(n)), ("ry", everyone), ("crz", _ring_b(n))],
        14: [("ry", everyone), ("crx", _ring_a(n)), ("ry", everyone), ("crx", _ring_b(n))],
        15: [("ry", everyone), ("cx", _ring_a(n)), ("ry", everyone), ("cx", _ring_b(n))],
        16: [("rx", everyone), ("rz", everyone), ("crz", _pairs_even(n)), ("crz", _pairs_odd(n))],
        17: [("rx", everyone), ("rz", everyone), ("crx", _pairs_even(n)), ("crx", _pairs_odd(n))],
        18: [("rx", everyone), ("rz", everyone), ("crz", _ring_a(n))],
        19: [("rx", everyone), ("rz", everyone), ("crx", _ring_a(n))],
    }
    for _ in range(L):
        for gate, where in layer[number]:
            if gate == "h":
                for q in where:
                    c.h(q)
            elif gate in ("cx", "cz"):
                for a, b in where:
                    getattr(c, gate)(a, b)
            elif gate.startswith("c"):
                for a, b in where:
                    getattr(c, gate)(w(), a, b)
            else:
                for q in where:
                    getattr(c, gate)(w(), q)
    return c


def reuploading_circuit(
    n_qubits: int, n_features: int, layers: int = 2, scale: float = 1.0, input_prefix: str = "x", prefix: str = "w"
) -> tuple[Circuit, list[Parameter], list[Parameter]]:
    """A data re-uploading classifier (Perez-Salinas et al. 2020): ``layers`` times, upload
    the inputs (``RY(scale x_i)``, ``RZ(scale x_i)`` on qubit ``i mod n``), then a trainable
    ``RY, RZ`` layer and a CZ ladder.

    Returns ``(circuit, inputs, weights)``: the symbolic inputs ``x0..`` and weights ``w0..``.
    """
    from qtilab.qml.encodings import DataReuploading

    n, L = _check(n_qubits, layers)
    enc = DataReuploading(n_features, n, scale, layers=1)
    xs = [Parameter(f"{input_prefix}{i}") for i in range(n_features)]
    w = _Weights(prefix)
    c = Circuit(n, name="reuploading")
    weights: list[Parameter] = []
    for _ in range(L):
        enc.upload(c, [enc.scale * x for x in xs])
        for q in range(n):
            for r in ("ry", "rz"):
                p = w()
                weights.append(p)
                getattr(c, r)(p, q)
        for q in range(n - 1):
            c.cz(q, q + 1)
    return c, xs, weights


#: ansatz builders by name, for estimators and the CLI
ANSATZE: dict[str, Callable[..., Circuit]] = {
    "hardware_efficient": hardware_efficient,
    "strongly_entangling": strongly_entangling,
    "real_amplitudes": real_amplitudes,
}


def make_ansatz(name: str | int, n_qubits: int, layers: int = 1, prefix: str = "w") -> Circuit:
    """Build an ansatz by name (``hardware_efficient``, ``strongly_entangling``,
    ``real_amplitudes``), or a Sim et al. circuit by number or by name ``"sim13"``."""
    if isinstance(name, int) and not isinstance(name, bool):
        return sim_circuit(name, n_qubits, layers, prefix)
    if isinstance(name, str) and name.startswith("sim") and name[3:].isdigit():
        return sim_circuit(int(name[3:]), n_qubits, layers, prefix)
    fn = ANSATZE.get(name) if isinstance(name, str) else None
    if fn is None:
        raise ConfigError(f"unknown ansatz {name!r}; choose one of {sorted(ANSATZE)} or sim1..sim19")
    return fn(n_qubits, layers, prefix=prefix)


__all__ = [
    "ANSATZE",
    "hardware_efficient",
    "make_ansatz",
    "real_amplitudes",
    "reuploading_circuit",
    "sim_circuit",
    "strongly_entangling",
]
