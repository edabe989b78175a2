"""Hardware-noise studies: a GHZ fidelity curve and the QSVM under device-like noise.

* :func:`ghz_fidelity` -- the fidelity ``<GHZ|rho|GHZ>`` of an n-qubit GHZ preparation (H and
  a CX chain) under a device model, for each size (density-matrix engine, exact).
* :func:`noisy_qsvm` -- the IQP-kernel QSVM of the HEP study on the shipped ttH(γγ) sample:
  each kernel entry ``|<phi(x')|phi(x)>|**2`` is estimated as a device would, from the
  all-zeros frequency of the compute-uncompute circuit ``U(x) U(x')^dagger`` with ``shots``
  shots, under the noise model (gate noise and readout errors), with and without tensored
  readout-error mitigation; the test AUC is compared with the noiseless exact kernel.

Examples
--------
>>> r = ghz_fidelity(GHZConfig(sizes=(2, 3)))
>>> [round(f, 3) for f in r.fidelities]        # doctest: +SKIP
[0.962, 0.936]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit
from qtilab.errors import ConfigError


def device_like(n_qubits: int, t1: float = 100.0, t2: float = 80.0, error_1q: float = 5e-4, error_2q: float = 1e-2,
                readout: tuple[float, float] = (0.02, 0.04), time_1q: float = 0.035, time_2q: float = 0.3) -> dict[str, Any]:
    """A uniform device description (times in microseconds) of the kind
    :meth:`qtilab.sim.noise.NoiseModel.from_device` reads; defaults are typical of 2021
    superconducting devices (T1 ~ 100 us, 2-qubit error ~ 1 %, readout error 2-4 %)."""
    return {
        "name": f"device-like-{n_qubits}",
        "gate_times": {"1q": time_1q, "2q": time_2q},
        "error_2q": error_2q,
        "qubits": [{"t1": t1, "t2": t2, "error_1q": error_1q, "readout": list(readout)} for _ in range(n_qubits)],
    }


@dataclass
class GHZConfig:
    """Sizes of the GHZ curve and the device parameters (see :func:`device_like`)."""

    sizes: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8)
    device: dict[str, Any] = field(default_factory=dict)


@dataclass
class GHZResult:
    sizes: list[int]
    fidelities: list[float]


def ghz_fidelity(cfg: GHZConfig) -> GHZResult:
    """Fidelity of the GHZ state prepared under the device model, for each size."""
    from qtilab.sim.engine import simulate
    from qtilab.sim.noise import NoiseModel

    if not cfg.sizes or min(cfg.sizes) < 1:
        raise ConfigError(f"GHZ sizes must be positive integers, got {cfg.sizes}")
    fids = []
    for n in cfg.sizes:
        dev = dict(cfg.device) or device_like(n)
        model = NoiseModel.from_device(dev)
        c = Circuit(n).h(0)
        for q in range(n - 1):
            c.cx(q, q + 1)
        ghz = np.zeros(2**n)
        ghz[0] = ghz[-1] = 2**-0.5
        fids.append(float(simulate(c, noise=model, method="density_matrix").fidelity(ghz)))
    return GHZResult(list(cfg.sizes), fids)


@dataclass
class NoisyQSVMConfig:
    """Settings of :func:`noisy_qsvm` (events per split, half signal and half background)."""

    qubits: int = 8
    train: int = 60
    test: int = 60
    shots: int = 1000
    scale: float = 0.3
    c_value: float = 1.0
    seed: int = 1
    device: dict[str, Any] = field(default_factory=dict)
    chunk: int = 128


@dataclass
class NoisyQSVMResult:
    auc_exact: float
    auc_noisy: float
    auc_mitigated: float
    kernel_error_noisy: float
    kernel_error_mitigated: float
    config: NoisyQSVMConfig


def _pair_circuit(enc: Any, A: np.ndarray, B: np.ndarray) -> Circuit:
    c = enc.circuit(A).compose(enc.circuit(B).inverse())
    n = c.n_qubits
    out = Circuit(n, n)
    for g in c:
        out.append(g)
    out.measure(list(range(n)), list(range(n)))
    return out


def noisy_qsvm(cfg: NoisyQSVMConfig, progress: bool = False) -> NoisyQSVMResult:
    """Test AUC of the IQP-kernel QSVM: exact kernel, noisy shot-estimated kernel, and the same
    with readout mitigation. Kernel entries are computed in batches on the density-matrix
    engine (one batch member per pair of events)."""
    from sklearn.decomposition import PCA
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    from sklearn.svm import SVC

    from qtilab.hep.events import load_sample
    from qtilab.qml.encodings import IQPEncoding
    from qtilab.sim.engine import simulate
    from qtilab.sim.mitigation import ReadoutMitigator
    from qtilab.sim.noise import NoiseModel

    q = cfg.qubits
    rng = np.random.default_rng(cfg.seed)
    table = load_sample()
    X = table.features(table.default_features())
    y = table.label.astype(int)
    ok = np.all(np.isfinite(X), axis=1)
    X, y = X[ok], y[ok]
    idx = []
    for label, count in ((1, (cfg.train + cfg.test) // 2), (0, (cfg.train + cfg.test) - (cfg.train + cfg.test) // 2)):
        pool = np.flatnonzero(y == label)
        if pool.size < count:
            raise ConfigError(f"the sample has {pool.size} events of class {label}, fewer than the {count} asked")
        idx.append(rng.choice(pool, count, replace=False))
    sel = rng.permutation(np.concatenate(idx))
    tr, te = sel[: cfg.train], sel[cfg.train:]
    pre = StandardScaler().fit(X[tr])
    pca = PCA(q, random_state=cfg.seed).fit(pre.transform(X[tr]))
    mm = MinMaxScaler((-np.pi, np.pi)).fit(pca.transform(pre.transform(X[tr])))

    def feats(i: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.clip(mm.transform(pca.transform(pre.transform(X[i]))), -np.pi, np.pi)
        return out

    Ftr, Fte = feats(tr), feats(te)
    enc = IQPEncoding(q, q, scale=cfg.scale, entanglement="linear")
    model = NoiseModel.from_device(dict(cfg.device) or device_like(q))
    ro = model.readout_for(range(q))
    mats = [dict(ro).get((k,), np.eye(2)) for k in range(q)]
    mitigator = ReadoutMitigator(mats)
    inv = [np.linalg.inv(a) for a in mitigator.matrices]

    def exact(A: np.ndarray, B: np.ndarray) -> np.ndarray:
        sa, sb = enc.states(A), enc.states(B)
        out: np.ndarray = np.abs(sa.conj() @ sb.T) ** 2
        return out

    pairs_tr = [(i, j) for i in range(len(tr)) for j in range(i, len(tr))]
    pairs_te = [(i, j) for i in range(len(te)) for j in range(len(tr))]
    todo = [(Fte[i], Ftr[j]) for i, j in pairs_te] + [(Ftr[i], Ftr[j]) for i, j in pairs_tr]
    noisy = np.empty(len(todo))
    mitig = np.empty(len(todo))
    it: Any = range(0, len(todo), cfg.chunk)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="noisy kernel", unit="batch")
    for s in it:
        part = todo[s:s + cfg.chunk]
        A = np.stack([a for a, _ in part])
        B = np.stack([b for _, b in part])
        res = simulate(_pair_circuit(enc, A, B), noise=model, method="density_matrix")
        samples = res.sample(cfg.shots, seed=rng)
        idx_ = np.atleast_2d(samples.indices)
        noisy[s:s + len(part)] = (idx_ == 0).mean(axis=1)
        # tensored inverse for the all-zeros entry: mean over shots of prod_k Ainv_k[bit_k, 0]
        w = np.ones(idx_.shape)
        for k in range(q):
            w = w * np.asarray([inv[k][0, 0], inv[k][1, 0]])[(idx_ >> k) & 1]
        mitig[s:s + len(part)] = np.clip(w.mean(axis=1), 0.0, 1.0)
    nte = len(pairs_te)

    def assemble(vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Kte = vals[:nte].reshape(len(te), len(tr))
        Ktr = np.zeros((len(tr), len(tr)))
        for (i, j), v in zip(pairs_tr, vals[nte:]):
            Ktr[i, j] = Ktr[j, i] = v
        return Ktr, Kte

    def auc(Ktr: np.ndarray, Kte: np.ndarray) -> float:
        svc = SVC(kernel="precomputed", C=cfg.c_value).fit(Ktr, y[tr])
        return float(roc_auc_score(y[te], svc.decision_function(Kte)))

    Etr, Ete = exact(Ftr, Ftr), exact(Fte, Ftr)
    Ntr, Nte = assemble(noisy)
    Mtr, Mte = assemble(mitig)
    return NoisyQSVMResult(
        auc_exact=auc(Etr, Ete), auc_noisy=auc(Ntr, Nte), auc_mitigated=auc(Mtr, Mte),
        kernel_error_noisy=float(np.mean(np.abs(Nte - Ete))), kernel_error_mitigated=float(np.mean(np.abs(Mte - Ete))),
        config=cfg,
    )


__all__ = ["GHZConfig", "GHZResult", "NoisyQSVMConfig", "NoisyQSVMResult", "device_like", "ghz_fidelity", "noisy_qsvm"]
