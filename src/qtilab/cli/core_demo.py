"""The simulator part of ``qtilab demo``: a GHZ state and a QFT, sampled and timed."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def qft_circuit(n: int) -> object:
    """The quantum Fourier transform on n qubits (with the final swaps)."""
    from qtilab import Circuit

    c = Circuit(n, name=f"qft{n}")
    for j in reversed(range(n)):
        c.h(j)
        for k in reversed(range(j)):
            c.cp(np.pi / 2 ** (j - k), k, j)
    for q in range(n // 2):
        c.swap(q, n - 1 - q)
    return c


def demo_part(out_dir: Path, seed: int) -> None:
    from qtilab import Circuit, simulate
    from qtilab.report import Report

    rep = Report("qtilab simulator demo", meta={"seed": seed})
    rows = []
    # the first call loads (or, on a fresh install, compiles) the numba kernels: time it apart
    t0 = time.perf_counter()
    simulate(Circuit(2).h(0).cx(0, 1))
    print(f"engine ready in {time.perf_counter() - t0:.2f} s (numba kernels loaded/compiled once per process)")
    # GHZ on 12 qubits
    n = 12
    ghz = Circuit(n, name="ghz").h(0)
    for q in range(n - 1):
        ghz.cx(q, q + 1)
    t0 = time.perf_counter()
    res = simulate(ghz)
    t_sim = time.perf_counter() - t0
    counts = res.sample(1000, seed=seed).counts
    print(f"GHZ, {n} qubits: simulated in {t_sim * 1e3:.1f} ms; 1000 shots: {counts}")
    print(f"  <Z0 Z{n - 1}> = {res.expectation(f'Z0 Z{n - 1}'):.6f} (exact 1), <X0> = {res.expectation('X0'):.6f} (exact 0)")
    rows.append(["GHZ", n, len(ghz), t_sim, str(counts)])
    # QFT of a basis state: uniform magnitudes, phases of the DFT
    n = 20
    qft = qft_circuit(n)
    x = 5
    init = np.zeros(2**n, dtype=complex)
    init[x] = 1
    t0 = time.perf_counter()
    res = simulate(qft, initial_state=init)  # type: ignore[arg-type]
    t_sim = time.perf_counter() - t0
    k = np.arange(2**n)
    dft_col = np.exp(2j * np.pi * k * x / 2**n) / np.sqrt(2**n)
    err = float(np.max(np.abs(res.statevector - dft_col)))
    t0 = time.perf_counter()
    smp = res.sample(1_000_000, seed=seed)
    t_samp = time.perf_counter() - t0
    top = sorted(smp.counts.items(), key=lambda kv: -kv[1])[:3]
    print(
        f"QFT, {n} qubits ({len(qft)} gates) on |{x}>: simulated in {t_sim * 1e3:.1f} ms; "  # type: ignore[arg-type]
        f"max |psi - DFT column| = {err:.2e}"
    )
    print(f"  1e6 shots sampled in {t_samp * 1e3:.0f} ms; {len(smp.counts)} distinct outcomes, top 3: {top}")
    rows.append(["QFT", n, len(qft), t_sim, f"max error vs DFT {err:.2e}; 1e6 shots in {t_samp:.3f} s"])  # type: ignore[arg-type]
    rep.add_table("Examples", ["circuit", "qubits", "gates", "simulation time (s)", "result"], rows)
    rep.data.update({"ghz_counts": counts, "qft_max_error": err, "sampling_seconds_1e6": t_samp})
    rep.add_headline("QFT on 20 qubits: max |psi - DFT column|", err)
    rep.add_headline("QFT on 20 qubits: simulation time", round(t_sim, 4), unit="s")
    fig = rep.new_figure("qft_counts", caption="Sampled outcome frequencies of QFT|5> on 20 qubits (uniform)")
    ax = fig.gca()
    ax.hist(smp.indices, bins=64, color="tab:blue")
    ax.set_xlabel("outcome index")
    ax.set_ylabel("shots per bin")
    rep.write(out_dir)
