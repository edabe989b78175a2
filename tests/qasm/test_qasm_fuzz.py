"""Fuzzing the reader: mutated programs raise QasmError or read fine, never anything else."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from qtilab.core.qasm import loads
from qtilab.errors import QasmError

CORPUS = Path(__file__).parent / "corpus"

TOKENS = [
    ";", ",", "(", ")", "[", "]", "{", "}", "->", "==", "@", "=", "!", "+", "-", "*", "/", "^", "**",
    "pi", "π", "q", "c", "q[0]", "q[7]", "c[1]", "0", "1", "2.5", "1e308", "1e999", "1e-320", "99999",
    "gate", "opaque", "qreg", "creg", "qubit", "bit", "input float", "measure", "reset", "barrier",
    "if", "ctrl", "negctrl", "inv", "pow(2)", "ctrl(2) @", "U", "CX", "gphase", "h", "cx", "rz",
    "sin", "ln", "sqrt", "exp", "include", '"qelib1.inc"', '"stdgates.inc"', '"nofile.inc"',
    "OPENQASM 2.0;", "OPENQASM 3.0;", "for", "int", "\n", " ", "/*", "*/", "//", "\x00", "é",
]


def mutate(text: str, rng: np.random.Generator) -> str:
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(7))
        n = len(text)
        i = int(rng.integers(0, n + 1))
        j = min(n, i + int(rng.integers(1, 12)))
        if kind == 0:  # delete a span
            text = text[:i] + text[j:]
        elif kind == 1:  # insert a token
            text = text[:i] + str(rng.choice(TOKENS)) + text[i:]
        elif kind == 2:  # replace a span by a token
            text = text[:i] + str(rng.choice(TOKENS)) + text[j:]
        elif kind == 3:  # duplicate a span
            text = text[:j] + text[i:j] + text[j:]
        elif kind == 4:  # swap two lines
            lines = text.split("\n")
            a, b = rng.integers(0, len(lines), 2)
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif kind == 5:  # flip one character
            if n:
                k = int(rng.integers(0, n))
                text = text[:k] + chr(int(rng.integers(32, 127))) + text[k + 1 :]
        else:  # truncate
            text = text[:i]
    return text


@pytest.mark.timeout(120)
def test_fuzz_only_qasm_errors_escape() -> None:
    sources = [p.read_text() for p in sorted(CORPUS.glob("*.qasm"))]
    rng = np.random.default_rng(20261125)
    n_files = 10_000
    ok = errors = 0
    slowest = 0.0
    for k in range(n_files):
        text = mutate(sources[k % len(sources)], rng)
        t0 = time.perf_counter()
        try:
            c = loads(text)
        except QasmError as exc:
            errors += 1
            assert str(exc)  # a message that says something
        except Exception as exc:  # pragma: no cover - what this test exists to catch
            raise AssertionError(f"{type(exc).__name__}: {exc}\n--- program ---\n{text}") from exc
        else:
            ok += 1
            assert c.n_qubits >= 1
        slowest = max(slowest, time.perf_counter() - t0)
    assert ok + errors == n_files
    # both outcomes occur: the mutations are neither all fatal nor all harmless
    assert ok > 100 and errors > 1000, (ok, errors)
    assert slowest < 10.0, f"one program took {slowest:.1f} s"
