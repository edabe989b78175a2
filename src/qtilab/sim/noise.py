"""Noise channels as data, and the :class:`NoiseModel` that attaches them to a circuit.

A channel is a small immutable value (:class:`Channel`: a library name and its parameters, or
an explicit Kraus set) whose Kraus operators are defined once, in :data:`CHANNELS`, in the
gate library's style. Engines never look at names: they ask a channel for its Kraus operators
(:meth:`Channel.kraus`), its superoperator on the doubled register
(:meth:`Channel.superoperator`, for the density-matrix engine) or its decomposition as a
mixture of unitaries (:meth:`Channel.mixture`, which lets the trajectory engine draw the
unitaries before the run, independent of the state).

Conventions
-----------
* A channel on qubits ``(q0, q1, ...)`` uses the gate library's index convention: ``q0`` is
  the low bit of the Kraus matrices' index.
* ``depolarizing(p, k)`` is ``rho -> (1 - p) rho + p tr(rho) I / 2**k`` (Qiskit Aer's and
  Qibo's convention), valid for ``0 <= p <= 4**k / (4**k - 1)``.
* Readout errors are confusion matrices ``A[true, reported]`` (rows sum to one), as in Aer.
* ``thermal_relaxation(t1, t2, time)`` is amplitude damping with ``gamma = 1 - exp(-t/T1)``
  followed by pure dephasing with ``1/T_phi = 1/T2 - 1/(2 T1)``, so that populations relax as
  ``exp(-t/T1)`` and coherences as ``exp(-t/T2)``; it needs ``T2 <= 2 T1``.

Examples
--------
>>> from qtilab.sim.noise import NoiseModel, depolarizing, readout_error
>>> model = NoiseModel().add(depolarizing(0.01), gates=["h", "rx"]).add(depolarizing(0.05, 2), gates=["cx"])
>>> model = model.add_readout(readout_error(0.02, 0.05))
>>> depolarizing(0.01).kraus()[0].round(4)
array([[0.995+0.j, 0.   +0.j],
       [0.   +0.j, 0.995+0.j]])
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtilab.errors import ConfigError

#: tolerance of the trace-preservation check of Kraus sets and of confusion-matrix rows
CPTP_ATOL = 1e-9

_I = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_PAULI = {"I": _I, "X": _X, "Y": _Y, "Z": _Z}


def pauli_matrix(label: str) -> np.ndarray:
    """Matrix of a Pauli string; ``label[t]`` acts on the channel's t-th qubit (low bit first)."""
    m = np.ones((1, 1), dtype=complex)
    for s in label:  # t-th letter is bit t: it goes to the right of the Kronecker product
        m = np.kron(_PAULI[s], m)
    return m


def _prob(name: str, value: Any, hi: float = 1.0) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number in [0, {hi:g}], got {value!r}") from None
    if not np.isfinite(v) or v < 0.0 or v > hi + 1e-12:
        raise ConfigError(f"{name} must be in [0, {hi:g}], got {v!r}")
    return min(max(v, 0.0), hi)


def _positive(name: str, value: Any, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a positive number, got {value!r}") from None
    if not np.isfinite(v) and v != np.inf:
        raise ConfigError(f"{name} must be a positive number, got {v!r}")
    if v < 0 or (v == 0 and not allow_zero):
        raise ConfigError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {v!r}")
    return v


# -- the channel library ----------------------------------------------------------------
def _pauli_mixture(probs: Mapping[str, float]) -> tuple[np.ndarray, list[np.ndarray]]:
    labels = list(probs)
    return np.array([probs[k] for k in labels]), [pauli_matrix(k) for k in labels]


def _depolarizing_probs(p: float, k: int) -> dict[str, float]:
    d2 = 4**k
    out = {}
    for lab in itertools.product("IXYZ", repeat=k):
        s = "".join(lab)
        out[s] = 1.0 - p + p / d2 if set(s) == {"I"} else p / d2
    return out


def _depolarizing_mix(p: float, k: float) -> tuple[np.ndarray, list[np.ndarray]]:
    return _pauli_mixture(_depolarizing_probs(p, int(k)))


def _mix_to_kraus(mix: tuple[np.ndarray, list[np.ndarray]]) -> list[np.ndarray]:
    probs, us = mix
    return [np.sqrt(pr) * u for pr, u in zip(probs, us) if pr > 0]


def _amplitude_damping(gamma: float) -> list[np.ndarray]:
    return [
        np.array([[1, 0], [0, np.sqrt(1 - gamma)]], dtype=complex),
        np.array([[0, np.sqrt(gamma)], [0, 0]], dtype=complex),
    ]


def _phase_damping(lam: float) -> list[np.ndarray]:
    return [
        np.array([[1, 0], [0, np.sqrt(1 - lam)]], dtype=complex),
        np.array([[0, 0], [0, np.sqrt(lam)]], dtype=complex),
    ]


def _phase_damping_mix(lam: float) -> tuple[np.ndarray, list[np.ndarray]]:
    # K0, K1 above equal the mixture (1 - q) I + q Z with 1 - 2 q = sqrt(1 - lam): both leave
    # populations alone and scale coherences by sqrt(1 - lam)
    q = (1.0 - np.sqrt(1.0 - lam)) / 2.0
    return np.array([1.0 - q, q]), [_I, _Z]


def _thermal_relaxation(t1: float, t2: float, time: float) -> list[np.ndarray]:
    gamma = 1.0 - np.exp(-time / t1) if np.isfinite(t1) else 0.0
    inv_tphi = 1.0 / t2 - 0.5 / t1 if np.isfinite(t2) else 0.0
    inv_tphi = max(inv_tphi, 0.0)
    lam = 1.0 - np.exp(-2.0 * time * inv_tphi)
    out = []
    for a in _amplitude_damping(gamma):
        for b in _phase_damping(lam):
            m = b @ a
            if np.any(m):
                out.append(m)
    return out


@dataclass(frozen=True)
class ChannelDef:
    """Definition of a library channel.

    ``kraus(*params)`` returns its Kraus operators; ``mixture(*params)``, where the channel is
    a mixture of unitaries whatever the parameters, returns ``(probabilities, unitaries)``.
    """

    name: str
    num_qubits: int
    param_names: tuple[str, ...]
    kraus: Callable[..., list[np.ndarray]]
    mixture: Callable[..., tuple[np.ndarray, list[np.ndarray]]] | None = None


CHANNELS: dict[str, ChannelDef] = {
    c.name: c
    for c in [
        ChannelDef("depolarizing", 1, ("p", "num_qubits"), lambda p, k: _mix_to_kraus(_depolarizing_mix(p, k)), _depolarizing_mix),
        ChannelDef("amplitude_damping", 1, ("gamma",), _amplitude_damping),
        ChannelDef("phase_damping", 1, ("lambda",), _phase_damping, _phase_damping_mix),
        ChannelDef("thermal_relaxation", 1, ("t1", "t2", "time"), _thermal_relaxation),
    ]
}


@dataclass(frozen=True, eq=False)
class Channel:
    """A quantum channel on ``num_qubits`` qubits: a library name with parameters, or explicit
    Kraus operators (``name="kraus"``) or a Pauli mixture (``name="pauli"``)."""

    name: str
    num_qubits: int
    params: tuple[float, ...] = ()
    _kraus: tuple[np.ndarray, ...] = field(default=(), repr=False)
    _mixture: tuple[np.ndarray, tuple[np.ndarray, ...]] | None = field(default=None, repr=False)

    def kraus(self) -> list[np.ndarray]:
        """The Kraus operators, each (2**k, 2**k)."""
        if self._kraus:
            return [k.copy() for k in self._kraus]
        return CHANNELS[self.name].kraus(*self.params)

    def mixture(self) -> tuple[np.ndarray, list[np.ndarray]] | None:
        """``(probabilities, unitaries)`` when the channel is a mixture of unitaries, else None."""
        if self._mixture is not None:
            return self._mixture[0].copy(), list(self._mixture[1])
        d = CHANNELS.get(self.name)
        if d is None or d.mixture is None:
            return None
        return d.mixture(*self.params)

    def superoperator(self) -> np.ndarray:
        """``sum_K conj(K) (x) K``: the channel on vec(rho) over (qubits, qubits + n).

        vec(rho)[i + 2**n j] = rho[i, j]: the row index is the low register, the column index
        the high one, so a Kraus operator acts as K on the low and conj(K) on the high qubits.
        """
        cached = self.__dict__.get("_superop")
        if cached is None:  # a channel is immutable: compute once (16 Kraus products for 2 qubits)
            cached = np.asarray(sum(np.kron(k.conj(), k) for k in self.kraus()))
            cached.setflags(write=False)
            self.__dict__["_superop"] = cached
        out: np.ndarray = cached
        return out

    def __repr__(self) -> str:
        ps = ", ".join(f"{v:g}" for v in self.params)
        return f"Channel({self.name}({ps}), {self.num_qubits} qubit{'s' if self.num_qubits > 1 else ''})"


def check_cptp(kraus_ops: Sequence[Any], atol: float = CPTP_ATOL) -> list[np.ndarray]:
    """Check that ``kraus_ops`` is a trace-preserving Kraus set; return them as arrays."""
    if len(kraus_ops) == 0:
        raise ConfigError("a Kraus channel needs at least one operator")
    ks = []
    for i, k in enumerate(kraus_ops):
        a = np.asarray(k, dtype=complex)
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] & (a.shape[0] - 1) or a.shape[0] < 2:
            raise ConfigError(f"Kraus operator {i} must be a (2**k, 2**k) matrix, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ConfigError(f"Kraus operator {i} has NaN or infinite entries")
        ks.append(a)
    d = ks[0].shape[0]
    if any(k.shape != (d, d) for k in ks):
        raise ConfigError(f"Kraus operators have different shapes {[k.shape for k in ks]}")
    s = sum(k.conj().T @ k for k in ks)
    err = float(np.max(np.abs(s - np.eye(d))))
    if err > atol:
        raise ConfigError(
            f"the Kraus operators are not trace preserving: sum K^dagger K differs from the identity "
            f"by {err:.3g} (diagonal {np.real(np.diag(s)).round(6).tolist()}); rescale them so the sum is I"
        )
    return ks


def depolarizing(p: float, num_qubits: int = 1) -> Channel:
    """``rho -> (1 - p) rho + p I / 2**k`` on ``num_qubits`` (1 or 2) qubits."""
    if num_qubits not in (1, 2):
        raise ConfigError(f"depolarizing acts on 1 or 2 qubits, got num_qubits={num_qubits!r}")
    hi = 4**num_qubits / (4**num_qubits - 1)
    return Channel("depolarizing", num_qubits, (_prob("depolarizing p", p, hi), float(num_qubits)))


def amplitude_damping(gamma: float) -> Channel:
    """Energy relaxation |1> -> |0> with probability ``gamma``."""
    return Channel("amplitude_damping", 1, (_prob("amplitude damping gamma", gamma),))


def phase_damping(lam: float) -> Channel:
    """Pure dephasing: coherences scaled by ``sqrt(1 - lam)``."""
    return Channel("phase_damping", 1, (_prob("phase damping lambda", lam),))


def thermal_relaxation(t1: float, t2: float, time: float) -> Channel:
    """Relaxation (T1) and dephasing (T2) for a duration ``time`` (same units); T2 <= 2 T1."""
    t1 = _positive("T1", t1)
    t2 = _positive("T2", t2)
    time = _positive("gate time", time, allow_zero=True)
    if t2 > 2 * t1 * (1 + 1e-12):
        raise ConfigError(f"T2 = {t2:g} exceeds 2 T1 = {2 * t1:g}, which no physical qubit allows; check the units")
    return Channel("thermal_relaxation", 1, (t1, t2, time))


def pauli_channel(probs: Mapping[str, float] | None = None, *, px: float = 0.0, py: float = 0.0, pz: float = 0.0) -> Channel:
    """A Pauli channel: ``{"X": 0.01, "Z": 0.02}`` (or ``px=``, ``py=``, ``pz=``) on one qubit,
    ``{"XI": ..., "ZZ": ...}`` on two (letter ``t`` acts on the channel's t-th qubit). The
    identity takes the remaining probability."""
    if probs is None:
        probs = {"X": px, "Y": py, "Z": pz}
    if not probs:
        raise ConfigError("pauli_channel needs at least one Pauli probability")
    ks = {len(k) for k in probs}
    if len(ks) != 1 or any(set(k) - set("IXYZ") for k in probs):
        raise ConfigError(f"Pauli labels must be strings of I, X, Y, Z of one length, got {sorted(probs)}")
    k = ks.pop()
    full: dict[str, float] = {}
    for lab, v in probs.items():
        full[lab] = full.get(lab, 0.0) + _prob(f"Pauli probability of {lab}", v)
    ident = "I" * k
    rest = 1.0 - sum(v for lab, v in full.items() if lab != ident)
    if ident in full:
        rest = full[ident] if abs(sum(full.values()) - 1) < 1e-9 else rest
    if rest < -1e-12:
        raise ConfigError(f"Pauli probabilities sum to {1 - rest:.6g} > 1; they must sum to at most 1")
    full[ident] = max(rest, 0.0)
    labels = [lab for lab in sorted(full) if full[lab] > 0]
    pr = np.array([full[lab] for lab in labels])
    us = tuple(pauli_matrix(lab) for lab in labels)
    kraus = tuple(np.sqrt(p) * u for p, u in zip(pr, us))
    return Channel("pauli", k, tuple(float(full[lab]) for lab in sorted(full)), kraus, (pr, us))


def kraus_channel(operators: Sequence[Any], atol: float = CPTP_ATOL) -> Channel:
    """A general channel from its Kraus operators (checked to be trace preserving)."""
    ks = check_cptp(operators, atol)
    k = int(ks[0].shape[0]).bit_length() - 1
    return Channel("kraus", k, (), tuple(ks))


# -- readout errors ---------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ReadoutError:
    """A confusion matrix ``A[true, reported]`` on ``num_qubits`` qubits (rows sum to one).

    For several qubits the index convention is the gate library's: the first qubit the readout
    error is attached to is the low bit.
    """

    matrix: np.ndarray

    def __post_init__(self) -> None:
        a = np.asarray(self.matrix, dtype=float)
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2 or a.shape[0] & (a.shape[0] - 1):
            raise ConfigError(f"a confusion matrix must be (2**k, 2**k), got shape {a.shape}")
        if not np.all(np.isfinite(a)) or np.any(a < -1e-12) or np.any(a > 1 + 1e-12):
            bad = a[~np.isfinite(a) | (a < -1e-12) | (a > 1 + 1e-12)]
            raise ConfigError(f"confusion-matrix entries are probabilities in [0, 1], got {bad[:4].tolist()}")
        rows = a.sum(axis=1)
        if np.any(np.abs(rows - 1) > CPTP_ATOL * 1e3):
            raise ConfigError(f"each row of a confusion matrix A[true, reported] must sum to 1, got row sums {rows.round(6).tolist()}")
        object.__setattr__(self, "matrix", np.clip(a, 0.0, 1.0))

    @property
    def num_qubits(self) -> int:
        return int(self.matrix.shape[0]).bit_length() - 1


def readout_error(p1_given_0: float, p0_given_1: float | None = None) -> ReadoutError:
    """Single-qubit readout error: reads 1 for a true 0 with ``p1_given_0``, 0 for a true 1 with
    ``p0_given_1`` (default: the same)."""
    a = _prob("readout P(1|0)", p1_given_0)
    b = a if p0_given_1 is None else _prob("readout P(0|1)", p0_given_1)
    return ReadoutError(np.array([[1 - a, a], [b, 1 - b]]))


# -- the noise model --------------------------------------------------------------------
@dataclass(frozen=True)
class _Rule:
    channel: Channel | None  # None: per_qubit holds a 1-qubit channel per qubit
    gates: frozenset[str] | None  # gate names, None for every gate
    qubits: tuple[int, ...] | None  # the gate's qubits must be exactly these (in any order)
    per_qubit: Mapping[int, Channel] | None = None


@dataclass(frozen=True)
class NoiseSite:
    """A channel applied after instruction ``index`` of the circuit on ``qubits``."""

    index: int
    channel: Channel
    qubits: tuple[int, ...]


class NoiseModel:
    """Channels attached to gates (by name, on all or specific qubits) and readout errors.

    After each unitary gate, every matching rule applies its channel, in the order the rules
    were added. A rule matches a gate when the gate's name (``"cx"``, ``"rz"``; see
    :attr:`qtilab.core.circuit.Gate.display_name`) is in ``gates`` (or ``gates`` is None) and,
    when ``qubits`` is given, the gate acts on exactly those qubits. A channel on as many qubits
    as the gate acts on the gate's qubits (in the gate's qubit order); a 1-qubit channel
    attached to a larger gate acts on each of its qubits.

    Readout errors act on the classical outcomes of sampling (:meth:`sample`), not on the state:
    probabilities and expectation values are those of the state.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._rules: list[_Rule] = []
        self._readout: dict[tuple[int, ...], ReadoutError] = {}
        self._default_readout: ReadoutError | None = None
        #: the number of qubits of the device a model was built from (None otherwise)
        self.device_qubits: int | None = None

    # building ----------------------------------------------------------------------------
    def add(self, channel: Channel, gates: Iterable[str] | str | None = None, qubits: Sequence[int] | None = None) -> NoiseModel:
        """Attach ``channel`` after the gates named ``gates`` (all gates when None), optionally
        only those acting on exactly ``qubits``. Returns the model, for chaining."""
        if not isinstance(channel, Channel):
            raise ConfigError(f"add() takes a Channel (e.g. depolarizing(0.01)), got {type(channel).__name__}")
        names = frozenset([gates] if isinstance(gates, str) else gates) if gates is not None else None
        qs = None
        if qubits is not None:
            qs = tuple(int(q) for q in qubits)
            if any(q < 0 for q in qs) or len(set(qs)) != len(qs):
                raise ConfigError(f"noise qubits must be distinct non-negative integers, got {list(qubits)}")
            if channel.num_qubits not in (1, len(qs)):
                raise ConfigError(f"a {channel.num_qubits}-qubit channel cannot act after gates on the {len(qs)} qubits {list(qs)}")
        self._rules.append(_Rule(channel, names, qs))
        return self

    def add_per_qubit(self, channels: Mapping[int, Channel], gates: Iterable[str] | str | None = None) -> NoiseModel:
        """After each gate named ``gates`` (all when None), apply ``channels[q]`` (1-qubit
        channels) on each gate qubit ``q`` that has one: e.g. each qubit's own relaxation."""
        chans: dict[int, Channel] = {}
        for q, ch in channels.items():
            if not isinstance(ch, Channel) or ch.num_qubits != 1:
                raise ConfigError(f"add_per_qubit takes 1-qubit channels, got {ch!r} for qubit {q}")
            if int(q) < 0:
                raise ConfigError(f"noise qubits must be non-negative integers, got {q}")
            chans[int(q)] = ch
        names = frozenset([gates] if isinstance(gates, str) else gates) if gates is not None else None
        self._rules.append(_Rule(None, names, None, chans))
        return self

    def add_readout(self, error: ReadoutError, qubits: Sequence[int] | None = None) -> NoiseModel:
        """Attach a readout error to ``qubits`` (all qubits, one by one, when None and the
        error is single-qubit; a correlated error names its qubits, low bit first)."""
        if not isinstance(error, ReadoutError):
            raise ConfigError(f"add_readout() takes a ReadoutError, got {type(error).__name__}")
        if qubits is None:
            if error.num_qubits != 1:
                raise ConfigError(f"a {error.num_qubits}-qubit readout error needs its qubits")
            self._default_readout = error
            return self
        qs = tuple(int(q) for q in qubits)
        if len(qs) != error.num_qubits or len(set(qs)) != len(qs) or any(q < 0 for q in qs):
            raise ConfigError(f"a {error.num_qubits}-qubit readout error needs {error.num_qubits} distinct qubits, got {list(qubits)}")
        for key in list(self._readout):
            if set(key) & set(qs):
                raise ConfigError(f"qubits {sorted(set(key) & set(qs))} already have a readout error")
        self._readout[qs] = error
        return self

    # queries -------------------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return not self._rules and not self._readout and self._default_readout is None

    def max_qubit(self) -> int:
        """The highest qubit the model names explicitly (-1 when none)."""
        qs = [q for r in self._rules if r.qubits for q in r.qubits]
        qs += [q for r in self._rules if r.per_qubit and self.device_qubits is None for q in r.per_qubit]
        qs += [q for key in self._readout for q in key]
        return max(qs, default=-1)

    def check(self, n_qubits: int) -> None:
        """Raise :class:`ConfigError` when the model names a qubit beyond ``n_qubits``."""
        if self.device_qubits is not None and n_qubits > self.device_qubits:
            raise ConfigError(
                f"the circuit has {n_qubits} qubits, but the device model {self.name!r} describes "
                f"{self.device_qubits}; use a circuit of at most {self.device_qubits} qubits"
            )
        if self.device_qubits is not None:  # a circuit runs on the device's first qubits
            return
        for r in self._rules:
            if r.per_qubit and self.device_qubits is None and max(r.per_qubit) >= n_qubits:
                raise ConfigError(
                    f"the noise model attaches a channel to qubit {max(r.per_qubit)}, but the circuit has "
                    f"{n_qubits} qubits (0..{n_qubits - 1})"
                )
            if r.qubits and max(r.qubits) >= n_qubits:
                raise ConfigError(
                    f"the noise model attaches {r.channel!r} to qubit {max(r.qubits)}, but the circuit has "
                    f"{n_qubits} qubits (0..{n_qubits - 1})"
                )
        for key in self._readout:
            if max(key) >= n_qubits:
                raise ConfigError(
                    f"the noise model has a readout error on qubit {max(key)}, but the circuit has {n_qubits} qubits"
                )

    def sites(self, circuit: Any) -> list[NoiseSite]:
        """The channels the model places in ``circuit``, in circuit order."""
        self.check(circuit.n_qubits)
        out: list[NoiseSite] = []
        for i, g in enumerate(circuit):
            if not g.is_unitary:
                continue
            name = g.display_name
            for r in self._rules:
                if r.gates is not None and name not in r.gates:
                    continue
                if r.qubits is not None and set(r.qubits) != set(g.qubits):
                    continue
                if r.channel is None:
                    assert r.per_qubit is not None
                    out.extend(NoiseSite(i, r.per_qubit[q], (q,)) for q in g.qubits if q in r.per_qubit)
                    continue
                k = r.channel.num_qubits
                if k == len(g.qubits):
                    out.append(NoiseSite(i, r.channel, tuple(g.qubits)))
                elif k == 1:
                    out.extend(NoiseSite(i, r.channel, (q,)) for q in g.qubits)
                else:
                    raise ConfigError(
                        f"a {k}-qubit channel {r.channel!r} is attached to gate {name} on {len(g.qubits)} qubits "
                        f"{list(g.qubits)}; attach it to {k}-qubit gates only (gates=[...])"
                    )
        return out

    def readout_for(self, qubits: Sequence[int]) -> list[tuple[tuple[int, ...], np.ndarray]]:
        """Confusion matrices touching ``qubits``: ``[(their qubits, A[true, reported]), ...]``."""
        qs = set(int(q) for q in qubits)
        out: list[tuple[tuple[int, ...], np.ndarray]] = []
        covered: set[int] = set()
        for key, err in self._readout.items():
            if qs & set(key):
                out.append((key, err.matrix))
                covered |= set(key)
        if self._default_readout is not None:
            out.extend(((q,), self._default_readout.matrix) for q in sorted(qs - covered))
        return out

    @property
    def has_readout(self) -> bool:
        return bool(self._readout) or self._default_readout is not None

    def __repr__(self) -> str:
        return f"NoiseModel({self.name!r}, {len(self._rules)} gate rules, readout on {len(self._readout)} qubit sets{' + all' if self._default_readout else ''})"

    # devices -------------------------------------------------------------------------------
    @classmethod
    def from_device(cls, device: Mapping[str, Any] | str | Path) -> NoiseModel:
        """A device-like model from a description (a mapping, or a TOML/JSON file).

        Keys (times in any one unit, e.g. microseconds)::

            name = "toy-5"
            [gate_times]            # duration of each gate by name; "1q" and "2q" as defaults
            "1q" = 0.035
            "2q" = 0.3
            [[qubits]]              # one table per qubit, in order
            t1 = 100.0
            t2 = 80.0
            error_1q = 0.001        # depolarizing probability after each 1-qubit gate
            readout = [0.02, 0.04]  # P(1|0), P(0|1)
            [[pairs]]               # 2-qubit gate errors, per pair
            qubits = [0, 1]
            error_2q = 0.01

        After a gate: a depolarizing channel of the gate's error, then thermal relaxation over
        the gate's duration on each of its qubits; readout errors per qubit. ``error_2q`` and
        ``gate_times`` may also be given at the top level as defaults.
        """
        data = _load_device(device)
        model = cls(str(data.get("name", "device")))
        known = {"name", "gate_times", "qubits", "pairs", "error_2q", "error_1q", "description"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"device description: unknown key(s) {unknown}; known: {sorted(known)}")
        qubits = data.get("qubits", [])
        if not isinstance(qubits, list) or not qubits:
            raise ConfigError("device description: 'qubits' must be a non-empty list of tables (t1, t2, ...)")
        times = dict(data.get("gate_times", {}))
        t1q = float(times.pop("1q", 0.0))
        t2q = float(times.pop("2q", 0.0))
        qkeys = {"t1", "t2", "error_1q", "readout"}
        dep1: dict[int, Channel] = {}
        relax1: dict[int, Channel] = {}
        relax2: dict[int, Channel] = {}
        for i, q in enumerate(qubits):
            if not isinstance(q, Mapping):
                raise ConfigError(f"device description: qubit {i} must be a table (t1, t2, error_1q, readout), got {q!r}")
            bad = sorted(set(q) - qkeys)
            if bad:
                raise ConfigError(f"device description: qubit {i} has unknown key(s) {bad}; known: {sorted(qkeys)}")
            e1 = q.get("error_1q", data.get("error_1q", 0.0))
            if e1:
                dep1[i] = depolarizing(_prob(f"qubit {i} error_1q", e1, 4 / 3), 1)
            if "t1" in q or "t2" in q:
                t1 = _positive(f"qubit {i} t1", q.get("t1", np.inf))
                t2 = _positive(f"qubit {i} t2", q.get("t2", np.inf))
                if t2 > 2 * t1:
                    raise ConfigError(f"device description: qubit {i} has T2 = {t2:g} > 2 T1 = {2 * t1:g}; T2 can be at most 2 T1")
                if t1q > 0:
                    relax1[i] = thermal_relaxation(t1, t2, t1q)
                if t2q > 0:
                    relax2[i] = thermal_relaxation(t1, t2, t2q)
            if "readout" in q:
                ro = q["readout"]
                ro = [ro, ro] if np.isscalar(ro) else list(ro)
                if len(ro) != 2:
                    raise ConfigError(f"device description: qubit {i} readout must be [P(1|0), P(0|1)], got {q['readout']!r}")
                model.add_readout(readout_error(*ro), [i])
        n = len(qubits)
        if dep1:
            model.add_per_qubit(dep1, gates=ONE_QUBIT_GATES)
        pairs = data.get("pairs", [])
        default2 = data.get("error_2q", None)
        seen: set[tuple[int, ...]] = set()
        for p in pairs:
            qs = tuple(int(v) for v in p.get("qubits", ()))
            if len(qs) != 2 or max(qs) >= n or min(qs) < 0 or qs[0] == qs[1]:
                raise ConfigError(f"device description: pair {p!r} must name two distinct qubits of 0..{n - 1}")
            seen.add(tuple(sorted(qs)))
            e2 = p.get("error_2q", default2)
            if e2:
                model.add(depolarizing(_prob(f"pair {list(qs)} error_2q", e2, 16 / 15), 2), gates=TWO_QUBIT_GATES, qubits=qs)
        if default2:
            ch = depolarizing(_prob("error_2q", default2, 16 / 15), 2)
            for a in range(n):
                for b in range(a + 1, n):
                    if (a, b) not in seen:
                        model.add(ch, gates=TWO_QUBIT_GATES, qubits=(a, b))
        if relax1:
            model.add_per_qubit(relax1, gates=ONE_QUBIT_GATES)
        if relax2:
            model.add_per_qubit(relax2, gates=TWO_QUBIT_GATES)
        model.device_qubits = n
        return model


#: gate names a device description's 1-qubit and 2-qubit errors attach to
ONE_QUBIT_GATES = ("id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg", "rx", "ry", "rz", "p", "u", "unitary")
TWO_QUBIT_GATES = ("cx", "cy", "cz", "ch", "cp", "crx", "cry", "crz", "swap", "iswap", "iswapdg", "rxx", "ryy", "rzz", "cu3", "csx", "cs", "csdg", "ct", "ctdg")


def _load_device(device: Mapping[str, Any] | str | Path) -> dict[str, Any]:
    if isinstance(device, Mapping):
        return dict(device)
    path = Path(device)
    if not path.exists():
        raise ConfigError(f"no such device description: {path}")
    text = path.read_text()
    if path.suffix.lower() == ".json":
        try:
            out = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    else:
        import tomllib

        try:
            out = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if not isinstance(out, dict):
        raise ConfigError(f"{path}: a device description is a table/object at the top level")
    return out


__all__ = [
    "CHANNELS",
    "Channel",
    "ChannelDef",
    "NoiseModel",
    "NoiseSite",
    "ReadoutError",
    "amplitude_damping",
    "check_cptp",
    "depolarizing",
    "kraus_channel",
    "pauli_channel",
    "pauli_matrix",
    "phase_damping",
    "readout_error",
    "thermal_relaxation",
]
