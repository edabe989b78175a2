"""Bit sources: numpy generators, negative controls, quantum sources, extractors, files.

Every source is a :class:`BitSource`: ``bits(n)`` returns the next n bits (uint8 0/1), and
``uniforms(k)`` the next k doubles in [0, 1) built from 53 bits of each 64-bit word, so the
Monte Carlo tests consume exactly the stream the battery tests. Sources are seeded
explicitly; the same seed gives the same stream.

Examples
--------
>>> from qtilab.rng.sources import make_source
>>> src = make_source("pcg64", seed=1)
>>> src.bits(8).tolist()  # doctest: +SKIP
[0, 1, 1, 0, 1, 0, 0, 1]
>>> make_source("biased:0.51", seed=1).bits(100_000).mean().round(2)
np.float64(0.51)
"""

from __future__ import annotations

import io
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numba as nb
import numpy as np

from qtilab.errors import ConfigError, DataError

Seed = int | np.random.Generator | None


def _rng(seed: Seed) -> np.random.Generator:
    from qtilab._validate import as_generator

    return as_generator(seed, error=ConfigError)


def _words_to_bits(words: np.ndarray, width: int) -> np.ndarray:
    """Unpack unsigned words of ``width`` bits, most significant bit first."""
    w = np.ascontiguousarray(words.astype(f">u{width // 8}"))
    return np.unpackbits(w.view(np.uint8))


class BitSource:
    """A stream of bits. Subclasses implement :meth:`_generate`.

    ``_generate(n)`` returns at least ``n`` new bits; surplus bits are kept for the next call,
    so ``bits(a)`` then ``bits(b)`` equals ``bits(a + b)``.
    """

    name: str = "source"
    description: str = ""
    #: largest number of bits asked of :meth:`_generate` at once
    MAX_REQUEST = 1 << 22

    def __init__(self) -> None:
        self._buf = np.zeros(0, dtype=np.uint8)

    def _generate(self, n: int) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def bits(self, n: int) -> np.ndarray:
        """The next ``n`` bits as a uint8 array of 0/1."""
        if isinstance(n, bool) or int(n) != n or n < 0:
            raise ConfigError(f"number of bits must be a non-negative integer, got {n!r}")
        n = int(n)
        parts = [self._buf]
        have = self._buf.size
        while have < n:
            # bounded requests keep the generators' temporaries small (a float per bit for some)
            new = np.asarray(self._generate(min(n - have, self.MAX_REQUEST)), dtype=np.uint8)
            if new.size == 0:
                raise DataError(f"{self.name}: the source ended after {have} of the {n} bits requested")
            parts.append(new)
            have += new.size
        allbits = np.concatenate(parts) if len(parts) > 1 else parts[0]
        self._buf = allbits[n:].copy()
        return np.ascontiguousarray(allbits[:n])

    def words(self, k: int) -> np.ndarray:
        """The next ``k`` 64-bit words (64 bits each, first bit most significant)."""
        b = self.bits(64 * k)
        return np.packbits(b).view(">u8").astype(np.uint64)

    def uniforms(self, k: int) -> np.ndarray:
        """The next ``k`` doubles in [0, 1): the top 53 bits of each 64-bit word."""
        return (self.words(k) >> np.uint64(11)).astype(np.float64) * 2.0**-53

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class NumpySource(BitSource):
    """numpy bit generator output: 64-bit words from ``random_raw``, most significant bit first."""

    KINDS = {"pcg64": np.random.PCG64, "mt19937": np.random.MT19937, "philox": np.random.Philox, "sfc64": np.random.SFC64}

    def __init__(self, kind: str = "pcg64", seed: int | None = None) -> None:
        super().__init__()
        if kind not in self.KINDS:
            raise ConfigError(f"unknown numpy bit generator {kind!r}; choose one of {sorted(self.KINDS)}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ConfigError(f"seed must be None or a non-negative integer, got {seed!r}")
        self.bitgen = self.KINDS[kind](seed)
        # MT19937's raw output is 32 bits wide (in a uint64); the others give 64 bits
        self.width = 32 if kind == "mt19937" else 64
        self.name = kind
        self.description = f"numpy {self.KINDS[kind].__name__} (seed {seed}), {self.width}-bit raw words"

    def _generate(self, n: int) -> np.ndarray:
        raw = np.asarray(self.bitgen.random_raw(-(-n // self.width)), dtype=np.uint64)
        return _words_to_bits(raw, self.width)

    def words(self, k: int) -> np.ndarray:
        if self._buf.size == 0 and self.width == 64:  # fast path: the raw words themselves
            return np.asarray(self.bitgen.random_raw(k), dtype=np.uint64)
        return super().words(k)


@nb.njit(cache=True)
def _lcg(state: int, a: int, c: int, mod_bits: int, count: int) -> tuple[np.ndarray, int]:  # pragma: no cover - jit
    out = np.empty(count, dtype=np.uint64)
    mask = (1 << mod_bits) - 1
    x = state
    for i in range(count):
        x = (a * x + c) & mask
        out[i] = x
    return out, x


class LCGSource(BitSource):
    """A linear congruential generator x <- (a x + c) mod 2^k, every output word emitted in full.

    ``randu`` (a = 65539, c = 0, mod 2^31; each 31-bit output written as a 32-bit word) and
    ``lcg16`` (a = 25173, c = 13849, mod 2^16, 16-bit words, period 2^16 words = 2^20 bits)
    are negative controls: their low bits have short periods, so the battery must reject them.
    """

    PRESETS = {"randu": (65539, 0, 31, 32), "lcg16": (25173, 13849, 16, 16)}

    def __init__(self, kind: str = "randu", seed: int | None = 1) -> None:
        super().__init__()
        if kind not in self.PRESETS:
            raise ConfigError(f"unknown LCG {kind!r}; choose one of {sorted(self.PRESETS)}")
        self.a, self.c, self.k, self.width = self.PRESETS[kind]
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ConfigError(f"seed must be None or an integer, got {seed!r}")
        s = int(seed if seed is not None else 1) & ((1 << self.k) - 1)
        if kind == "randu":
            s |= 1  # RANDU needs an odd seed
        self.state = s
        self.name = kind
        self.description = f"LCG a={self.a} c={self.c} mod 2^{self.k}, {self.width}-bit words (negative control)"

    def _generate(self, n: int) -> np.ndarray:
        count = -(-n // self.width)
        out, self.state = _lcg(self.state, self.a, self.c, self.k, count)
        return _words_to_bits(out, self.width if self.width in (16, 32, 64) else 64)


class BiasedSource(BitSource):
    """Independent bits with P(1) = p (negative control for p != 0.5)."""

    def __init__(self, p: float = 0.51, seed: Seed = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ConfigError(f"bias p must be in [0, 1], got {p}")
        self.p = p
        self.gen = _rng(seed)
        self.name = f"biased:{p:g}"
        self.description = f"independent bits with P(1) = {p:g} (negative control)"

    def _generate(self, n: int) -> np.ndarray:
        return (self.gen.random(n) < self.p).astype(np.uint8)


class CorrelatedSource(BitSource):
    """Balanced bits with serial correlation: each bit repeats the previous with P = (1 + rho)/2."""

    def __init__(self, rho: float = 0.02, seed: Seed = None) -> None:
        super().__init__()
        if not -1.0 <= rho <= 1.0:
            raise ConfigError(f"correlation rho must be in [-1, 1], got {rho}")
        self.rho = rho
        self.gen = _rng(seed)
        self.last = np.uint8(self.gen.integers(0, 2))
        self.name = f"correlated:{rho:g}"
        self.description = f"Markov bits, lag-1 correlation {rho:g} (negative control)"

    def _generate(self, n: int) -> np.ndarray:
        flips = (self.gen.random(n) < (1.0 - self.rho) / 2.0).astype(np.uint8)
        out = np.bitwise_xor.accumulate(flips) ^ self.last
        self.last = out[-1]
        return out


class SimulatedQRNG(BitSource):
    """Ideal QRNG on the qtilab simulator: n qubits in |+> = H|0>, measured in Z.

    Each shot yields ``n_qubits`` bits (qubit 0 first). The randomness of the outcomes comes
    from the simulator's sampler (seeded), so this checks the circuit-to-bits path, not physics.
    """

    def __init__(self, n_qubits: int = 16, seed: Seed = None) -> None:
        super().__init__()
        if not 1 <= n_qubits <= 24:
            raise ConfigError(f"n_qubits must be in 1..24, got {n_qubits}")
        from qtilab import Circuit, simulate  # the simulator only loads for this source

        c = Circuit(n_qubits)
        for q in range(n_qubits):
            c.h(q)
        self.result = simulate(c)
        self.n_qubits = n_qubits
        self.gen = _rng(seed)
        self.name = "qrng-sim"
        self.description = f"simulated QRNG: {n_qubits} qubits H|0>, Z measurements on the qtilab simulator"

    def _generate(self, n: int) -> np.ndarray:
        shots = -(-n // self.n_qubits)
        bits: np.ndarray = np.asarray(self.result.sample(shots, seed=self.gen).bits, dtype=np.uint8)
        return bits.reshape(-1)


@nb.njit(cache=True)
def _beam_splitter(c0: np.ndarray, c1: np.ndarray, dead: int, dead0: int, dead1: int) -> tuple[np.ndarray, int, int, int]:  # pragma: no cover - jit
    """Apply detector dead time to click candidates; return bits (-1 = no bit) and dead counters."""
    n = c0.shape[0]
    out = np.full(n, -1, dtype=np.int8)
    k = 0
    for i in range(n):
        a = c0[i] and dead0 == 0
        b = c1[i] and dead1 == 0
        if dead0 > 0:
            dead0 -= 1
        if dead1 > 0:
            dead1 -= 1
        if a:
            dead0 = dead
        if b:
            dead1 = dead
        if a and not b:
            out[k] = 0
            k += 1
        elif b and not a:
            out[k] = 1
            k += 1
    return out[:k], k, dead0, dead1


class BeamSplitterQRNG(BitSource):
    """Physical model of a beam-splitter QRNG: one photon stream, a 50:50 splitter, two detectors.

    Per time slot the source emits Poisson(``mu``) photons; each goes to detector 0 with
    probability ``split``; detector i sees each photon with efficiency ``eta[i]`` (thinning of
    a Poisson stream is exact), fires a dark count with probability ``dark``, and is blind for
    ``dead_slots`` slots after a click. A slot with exactly one click gives a bit (0 or 1);
    empty and double-click slots give none. Imbalanced efficiencies bias the bits and dead
    time anti-correlates consecutive bits, so the raw output needs an extractor.
    """

    def __init__(
        self,
        mu: float = 1.0,
        eta: tuple[float, float] = (0.60, 0.55),
        dark: float = 1e-4,
        dead_slots: int = 2,
        split: float = 0.5,
        seed: Seed = None,
    ) -> None:
        super().__init__()
        if mu <= 0 or not all(0 < e <= 1 for e in eta) or not 0 <= dark < 1 or dead_slots < 0 or not 0 < split < 1:
            raise ConfigError("beam splitter: need mu > 0, 0 < eta <= 1, 0 <= dark < 1, dead_slots >= 0, 0 < split < 1")
        self.mu, self.eta, self.dark, self.dead_slots, self.split = mu, eta, dark, int(dead_slots), split
        self.gen = _rng(seed)
        self._dead = (0, 0)
        self.name = "beamsplitter"
        self.description = (
            f"beam-splitter QRNG model: mu={mu}, eta={eta}, dark={dark}, dead time {dead_slots} slots (raw bits)"
        )

    #: slots simulated per call; fixed, so the stream does not depend on how bits are requested
    SLOTS = 1 << 18

    def _generate(self, n: int) -> np.ndarray:
        # P(click) per slot and detector: a detected photon (Poisson thinning) or a dark count
        q0 = 1 - math.exp(-self.mu * self.split * self.eta[0]) * (1 - self.dark)
        q1 = 1 - math.exp(-self.mu * (1 - self.split) * self.eta[1]) * (1 - self.dark)
        slots = self.SLOTS
        c0 = self.gen.random(slots) < q0
        c1 = self.gen.random(slots) < q1
        out, _, d0, d1 = _beam_splitter(c0, c1, self.dead_slots, self._dead[0], self._dead[1])
        self._dead = (d0, d1)
        return out.astype(np.uint8)


class VonNeumann(BitSource):
    """Von Neumann extractor: pairs 01 -> 0, 10 -> 1, 00 and 11 dropped (unbiases independent bits)."""

    def __init__(self, inner: BitSource) -> None:
        super().__init__()
        self.inner = inner
        self.name = f"{inner.name}+vn"
        self.description = f"{inner.description}; von Neumann extractor"

    def _generate(self, n: int) -> np.ndarray:
        pairs = self.inner.bits(2 * (2 * n + 64)).reshape(-1, 2)
        keep = pairs[:, 0] != pairs[:, 1]
        out: np.ndarray = pairs[keep, 0].copy()
        return out


def toeplitz_hash(x: np.ndarray, seed_bits: np.ndarray, n_out: int) -> np.ndarray:
    """Multiply blocks of bits by a binary Toeplitz matrix over GF(2).

    ``x`` has shape (B, n_in); the matrix T[i, j] = seed[i - j + n_in - 1] is defined by
    ``seed_bits`` of length n_in + n_out - 1. Computed as a convolution by FFT (integer sums
    below 2^52 are exact after rounding), then reduced mod 2.
    """
    B, n_in = x.shape
    if seed_bits.size != n_in + n_out - 1:
        raise ConfigError(f"Toeplitz seed needs {n_in + n_out - 1} bits, got {seed_bits.size}")
    L = 1 << int(math.ceil(math.log2(n_in + seed_bits.size)))
    fx = np.fft.rfft(x.astype(np.float64), L, axis=1)
    fs = np.fft.rfft(seed_bits.astype(np.float64), L)
    conv = np.fft.irfft(fx * fs[None, :], L, axis=1)[:, n_in - 1 : n_in - 1 + n_out]
    return (np.rint(conv).astype(np.int64) & 1).astype(np.uint8)


class ToeplitzExtractor(BitSource):
    """Toeplitz-hashing extractor: each block of ``n_in`` raw bits -> ``n_out`` output bits.

    Choose n_out below the raw min-entropy of a block (minus a security margin); the default
    n_out = n_in / 2 suits raw bits with min-entropy above about 0.6 per bit. The seed matrix
    comes from ``seed`` (a fixed public seed, as in practice).
    """

    def __init__(self, inner: BitSource, n_in: int = 1024, n_out: int | None = None, seed: Seed = 12345) -> None:
        super().__init__()
        n_out = n_in // 2 if n_out is None else n_out
        if not 0 < n_out <= n_in:
            raise ConfigError(f"Toeplitz extractor needs 0 < n_out <= n_in, got {n_out}, {n_in}")
        self.inner, self.n_in, self.n_out = inner, n_in, n_out
        self.seed_bits = _rng(seed).integers(0, 2, n_in + n_out - 1).astype(np.uint8)
        self.name = f"{inner.name}+toeplitz"
        self.description = f"{inner.description}; Toeplitz extractor {n_in} -> {n_out}"

    def _generate(self, n: int) -> np.ndarray:
        blocks = min(-(-n // self.n_out), 1 << 12)
        x = self.inner.bits(blocks * self.n_in).reshape(blocks, self.n_in)
        return toeplitz_hash(x, self.seed_bits, self.n_out).reshape(-1)


_WS = frozenset(b" \t\r\n")


class FileSource(BitSource):
    """Bits from a file or binary stream of hardware output, read in chunks.

    Formats: ``binary`` (raw bytes), ``hex`` (hex digits, two per byte; whitespace ignored),
    ``ascii`` (characters '0'/'1'; whitespace ignored). ``bit_order`` ``msb`` takes each byte's
    most significant bit first, ``lsb`` the least significant (binary and hex only). Any other
    character is a :class:`~qtilab.errors.DataError` naming its byte offset in the file.
    """

    FORMATS = ("binary", "hex", "ascii")

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        fmt: str = "binary",
        bit_order: str = "msb",
        stream: BinaryIO | None = None,
        chunk_bytes: int = 1 << 20,
    ) -> None:
        super().__init__()
        if fmt not in self.FORMATS:
            raise ConfigError(f"unknown file format {fmt!r}; choose one of {self.FORMATS}")
        if bit_order not in ("msb", "lsb"):
            raise ConfigError(f"bit order must be 'msb' or 'lsb', got {bit_order!r}")
        self.fmt, self.bit_order, self.chunk = fmt, bit_order, int(chunk_bytes)
        if stream is not None:
            self._f: BinaryIO = stream
            self.name = "stream"
        elif path is None:
            raise ConfigError("FileSource needs a path or a stream")
        elif str(path) == "-":
            self._f = sys.stdin.buffer
            self.name = "stdin"
        else:
            p = Path(path)
            try:
                self._f = open(p, "rb")  # noqa: SIM115 - kept open while streaming
            except OSError as exc:
                raise DataError(f"cannot read bit file {str(p)!r}: {exc.strerror or exc}") from exc
            self.name = f"file:{p.name}"
        self.description = f"{self.name} ({fmt}, {bit_order} first)"
        self._offset = 0  # bytes consumed from the file
        self._carry = b""  # a pending hex digit

    def close(self) -> None:
        if self._f is not sys.stdin.buffer:
            self._f.close()

    def _read(self) -> bytes:
        try:
            data = self._f.read(self.chunk)
        except OSError as exc:
            raise DataError(f"{self.name}: read failed at byte {self._offset}: {exc}") from exc
        return data or b""

    def _bad(self, raw: np.ndarray, ok: np.ndarray, base: int, what: str) -> None:
        i = int(np.flatnonzero(~ok)[0])
        ch = bytes([int(raw[i])])
        raise DataError(
            f"{self.name}: character {ch!r} at byte offset {base + i} is not {what}; "
            f"fix the file or choose another --format"
        )

    def _generate(self, n: int) -> np.ndarray:
        out: list[np.ndarray] = []
        got = 0
        while got < n:
            data = self._read()
            base = self._offset
            self._offset += len(data)
            if not data:
                if self._carry:
                    raise DataError(f"{self.name}: odd number of hex digits (a byte is two digits)")
                break
            raw = np.frombuffer(data, dtype=np.uint8)
            ws = np.isin(raw, np.frombuffer(bytes(_WS), dtype=np.uint8))
            if self.fmt == "binary":
                bits = np.unpackbits(raw, bitorder="big" if self.bit_order == "msb" else "little")
            elif self.fmt == "ascii":
                ok = (raw == 48) | (raw == 49) | ws
                if not ok.all():
                    self._bad(raw, ok, base, "'0', '1' or whitespace")
                bits = raw[~ws] - np.uint8(48)
            else:
                lower = raw | np.uint8(0x20)
                isdig = (raw >= 48) & (raw <= 57)
                ishex = isdig | ((lower >= 97) & (lower <= 102))
                if not (ishex | ws).all():
                    self._bad(raw, ishex | ws, base, "a hex digit or whitespace")
                digits = raw[ishex]
                vals = np.where((digits >= 48) & (digits <= 57), digits - 48, (digits | 0x20) - 87).astype(np.uint8)
                if self._carry:
                    vals = np.concatenate([np.frombuffer(self._carry, dtype=np.uint8), vals])
                    self._carry = b""
                if vals.size % 2:
                    self._carry = bytes(vals[-1:])
                    vals = vals[:-1]
                byts = ((vals[0::2] << np.uint8(4)) | vals[1::2]).astype(np.uint8)
                bits = np.unpackbits(byts, bitorder="big" if self.bit_order == "msb" else "little")
            out.append(bits)
            got += bits.size
        return np.concatenate(out) if out else np.zeros(0, dtype=np.uint8)


def read_bits(path: str | os.PathLike[str], fmt: str = "binary", bit_order: str = "msb", max_bits: int | None = None) -> np.ndarray:
    """All bits of a file (or the first ``max_bits``), read in chunks."""
    src = FileSource(path, fmt=fmt, bit_order=bit_order)
    try:
        parts = []
        total = 0
        while max_bits is None or total < max_bits:
            chunk = src._generate(1)
            if chunk.size == 0:
                break
            parts.append(chunk)
            total += chunk.size
        bits = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)
        return bits if max_bits is None else bits[:max_bits]
    finally:
        src.close()


#: source names for :func:`make_source`, with a one-line description
SOURCES: dict[str, str] = {
    "pcg64": "numpy PCG64",
    "mt19937": "numpy MT19937",
    "philox": "numpy Philox",
    "sfc64": "numpy SFC64",
    "randu": "RANDU LCG, full 32-bit words (negative control)",
    "lcg16": "16-bit LCG, period 2^16 words (negative control)",
    "biased[:p]": "independent bits with P(1) = p, default 0.51 (negative control)",
    "correlated[:rho]": "bits with lag-1 correlation rho, default 0.02 (negative control)",
    "qrng-sim": "simulated QRNG: |+> states measured on the qtilab simulator",
    "beamsplitter": "beam-splitter QRNG model, raw bits",
    "beamsplitter+vn": "beam-splitter QRNG model, von Neumann extractor",
    "beamsplitter+toeplitz": "beam-splitter QRNG model, Toeplitz extractor",
    "file:PATH[:binary|hex|ascii[:msb|lsb]]": "hardware output from a file ('-' = stdin)",
}


def make_source(spec: str, seed: int | None = None) -> BitSource:
    """Build a source from a short name (see :data:`SOURCES`).

    Examples
    --------
    >>> make_source("correlated:0.1", seed=3).name
    'correlated:0.1'
    """
    name, _, arg = spec.partition(":")
    name = name.lower()
    factories: dict[str, Callable[[], BitSource]] = {
        "randu": lambda: LCGSource("randu", seed if seed is not None else 1),
        "lcg16": lambda: LCGSource("lcg16", seed if seed is not None else 1),
        "biased": lambda: BiasedSource(float(arg) if arg else 0.51, seed),
        "correlated": lambda: CorrelatedSource(float(arg) if arg else 0.02, seed),
        "qrng-sim": lambda: SimulatedQRNG(16, seed),
        "beamsplitter": lambda: BeamSplitterQRNG(seed=seed),
        "beamsplitter+vn": lambda: VonNeumann(BeamSplitterQRNG(seed=seed)),
        "beamsplitter+toeplitz": lambda: ToeplitzExtractor(BeamSplitterQRNG(seed=seed)),
    }
    try:
        if name in NumpySource.KINDS:
            return NumpySource(name, seed)
        if name in factories:
            return factories[name]()
        if name == "file":
            path, _, rest = arg.partition(":") if not arg.startswith("-") else ("-", "", arg[2:])
            fmt, _, order = rest.partition(":")
            return FileSource(path, fmt=fmt or "binary", bit_order=order or "msb")
    except ValueError as exc:
        if isinstance(exc, (ConfigError, DataError)):
            raise
        raise ConfigError(f"bad argument in source {spec!r}: {exc}") from exc
    if Path(spec).exists():
        return FileSource(spec)
    raise ConfigError(f"unknown source {spec!r}; choose one of {', '.join(SOURCES)} or an existing file")


def stream_source(data: bytes, fmt: str = "binary", bit_order: str = "msb") -> FileSource:
    """A :class:`FileSource` over bytes in memory (for tests and pipes)."""
    return FileSource(stream=io.BytesIO(data), fmt=fmt, bit_order=bit_order)


def describe(src: BitSource) -> dict[str, Any]:
    return {"name": src.name, "description": src.description}
