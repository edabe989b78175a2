"""Monte Carlo tests: what a generator's flaws do to physics results with known answers.

- :func:`pi_study`: pi by hit-or-miss and by Buffon's needle, bias and spread against N.
- :func:`random_walk`: +-1 walks; mean, variance and end-point distribution against the binomial law.
- :func:`ising_wolff`: the 2D Ising model on an L x L periodic lattice at the critical coupling
  with the Wolff cluster algorithm; energy per spin with binned errors against the exact
  finite-lattice value :func:`ising_exact_energy` (Kaufman 1949; Ferdinand and Fisher 1969),
  the test with which Ferrenberg, Landau and Wong (PRL 69, 3382, 1992) exposed bad generators.

Every test draws from a :class:`~qtilab.rng.sources.BitSource`: uniforms are the top 53 bits
of 64-bit words, walk steps are single bits.

Examples
--------
>>> from qtilab.rng.sources import make_source
>>> r = ising_wolff(make_source("pcg64", seed=1), L=8, clusters=2000, thermalize=200, bins=10)
>>> abs(r.z) < 5
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numba as nb
import numpy as np

from qtilab.errors import ConfigError

PI = math.pi
#: critical coupling of the square-lattice Ising model, K_c = ln(1 + sqrt 2) / 2
K_CRITICAL = 0.5 * math.log(1.0 + math.sqrt(2.0))


@dataclass
class Estimate:
    """One estimator at one sample size over independent replicas."""

    method: str
    n: int
    replicas: int
    mean: float
    std: float
    exact: float

    @property
    def bias(self) -> float:
        return self.mean - self.exact

    @property
    def exact_std(self) -> float:
        """Standard deviation of one estimate for an ideal generator.

        Hit-or-miss: 4 sqrt(p (1 - p) / N) with p = pi/4, i.e. sqrt(pi (4 - pi) / N). Buffon
        (l = 1, t = 2, hit probability 1/pi, estimate N / hits): pi sqrt((pi - 1) / N) to
        first order (delta method).
        """
        if self.method == "hit-or-miss":
            return math.sqrt(PI * (4 - PI) / self.n)
        return PI * math.sqrt((PI - 1) / self.n)

    @property
    def z(self) -> float:
        """Bias in units of its standard error (std / sqrt(replicas))."""
        se = self.std / math.sqrt(self.replicas)
        return self.bias / se if se > 0 else math.inf


def pi_hit_or_miss(u: np.ndarray) -> float:
    """4 x fraction of points (u[0::2], u[1::2]) inside the unit quarter circle."""
    x, y = u[0::2], u[1::2]
    return 4.0 * float(np.count_nonzero(x * x + y * y < 1.0)) / x.size


def pi_buffon(u: np.ndarray, needle: float = 1.0, spacing: float = 2.0) -> float:
    """Buffon's needle: needles of length l <= t dropped on lines t apart; pi = 2 l N / (t hits).

    The centre's distance to the nearest line is uniform on [0, t/2], the angle on [0, pi/2].
    """
    x = u[0::2] * spacing / 2.0
    theta = u[1::2] * (PI / 2.0)
    hits = int(np.count_nonzero(x <= needle / 2.0 * np.sin(theta)))
    return 2.0 * needle * x.size / (spacing * hits) if hits else math.inf


def pi_study(source: Any, sizes: tuple[int, ...] = (10**3, 10**4, 10**5), replicas: int = 20) -> list[Estimate]:
    """Both pi estimators at each sample size, ``replicas`` independent runs each.

    Buffon uses needle l = 1 and spacing t = 2 (see :attr:`Estimate.exact_std`).
    """
    out = []
    for n in sizes:
        for method, fn in (("hit-or-miss", pi_hit_or_miss), ("buffon", pi_buffon)):
            vals = np.array([fn(source.uniforms(2 * n)) for _ in range(replicas)])
            out.append(Estimate(method, n, replicas, float(vals.mean()), float(vals.std(ddof=1)), PI))
    return out


@dataclass
class WalkResult:
    """+-1 random walks of ``steps`` steps: end-point statistics against the exact law."""

    walkers: int
    steps: int
    mean: float
    mean_z: float
    msd: float
    msd_z: float
    chi2_p: float


def random_walk(source: Any, walkers: int = 10_000, steps: int = 1_000) -> WalkResult:
    """Walks whose steps are the source's bits (1 -> +1, 0 -> -1).

    Exact: E x = 0, Var x = T, E x^2 = T, Var x^2 = 2T^2 - 2T; the end points follow
    x = 2 Binomial(T, 1/2) - T, compared by a chi-square over bins with >= 5 expected counts.
    """
    if walkers < 2 or steps < 1:
        raise ConfigError("random walk needs walkers >= 2 and steps >= 1")
    from scipy import stats as _stats

    b = source.bits(walkers * steps).reshape(walkers, steps)
    k = b.sum(axis=1, dtype=np.int64)  # number of +1 steps
    x = 2 * k - steps
    T = float(steps)
    mean_z = float(x.mean() / math.sqrt(T / walkers))
    msd = float(np.mean(x.astype(np.float64) ** 2))
    msd_z = (msd - T) / math.sqrt((2 * T * T - 2 * T) / walkers) if steps > 1 else 0.0
    # chi-square of k against Binomial(T, 1/2), tails merged until expected counts >= 5
    pmf = _stats.binom.pmf(np.arange(steps + 1), steps, 0.5) * walkers
    obs = np.bincount(k, minlength=steps + 1).astype(np.float64)
    edges = [0]
    acc = 0.0
    for i, e in enumerate(pmf):
        acc += e
        if acc >= 5.0:
            edges.append(i + 1)
            acc = 0.0
    edges[-1] = steps + 1
    exp_b = np.add.reduceat(pmf, edges[:-1])
    obs_b = np.add.reduceat(obs, edges[:-1])
    chi2 = float(np.sum((obs_b - exp_b) ** 2 / exp_b))
    dof = max(len(exp_b) - 1, 1)
    return WalkResult(walkers, steps, float(x.mean()), mean_z, msd, float(msd_z), float(_stats.chi2.sf(chi2, dof)))


# --------------------------------------------------------------------------- Ising


def ising_exact_energy(L: int, K: float = K_CRITICAL, M: int | None = None, dps: int = 40) -> float:
    """Exact energy per spin (J = 1) of the Ising model on an M x L periodic lattice.

    From Kaufman's partition function (Phys. Rev. 76, 1232, 1949; Ferdinand and Fisher,
    Phys. Rev. 185, 832, 1969): Z = 1/2 (2 sinh 2K)^(ML/2) (Z1 + Z2 + Z3 + Z4) with products
    of 2 cosh / 2 sinh (M gamma_k / 2) over odd and even k, cosh gamma_k = cosh 2K coth 2K -
    cos(pi k / L), gamma_0 = 2K + ln tanh K (signed). u = -d ln Z / dK / (M L), differentiated
    numerically in mpmath at ``dps`` digits.

    Examples
    --------
    >>> round(ising_exact_energy(16), 7)  # Ferrenberg, Landau and Wong 1992: 1.4530649
    -1.4530649
    """
    import mpmath

    M = L if M is None else M
    ctx = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else mpmath.mp
    old = ctx.dps
    try:
        ctx.dps = dps

        def ln_z(k: Any) -> Any:
            c = ctx.cosh(2 * k) / ctx.tanh(2 * k)

            def gamma(j: int) -> Any:
                if j == 0:
                    return 2 * k + ctx.log(ctx.tanh(k))
                return ctx.acosh(c - ctx.cos(ctx.pi * j / L))

            odd = [gamma(2 * r + 1) for r in range(L)]
            even = [gamma(2 * r) for r in range(L)]
            z1 = ctx.fprod(2 * ctx.cosh(M * g / 2) for g in odd)
            z2 = ctx.fprod(2 * ctx.sinh(M * g / 2) for g in odd)
            z3 = ctx.fprod(2 * ctx.cosh(M * g / 2) for g in even)
            z4 = ctx.fprod(2 * ctx.sinh(M * g / 2) for g in even)
            return (M * L / ctx.mpf(2)) * ctx.log(2 * ctx.sinh(2 * k)) + ctx.log((z1 + z2 + z3 + z4) / 2)

        return float(-ctx.diff(ln_z, ctx.mpf(K)) / (M * L))
    finally:
        ctx.dps = old


@nb.njit(cache=True)
def _wolff(spins: np.ndarray, L: int, p_add: float, u: np.ndarray, max_clusters: int,
           energies: np.ndarray, start: int, stack: np.ndarray) -> tuple[int, int]:  # pragma: no cover - jit
    """Grow and flip Wolff clusters while enough uniforms remain; record E per spin after each.

    Returns (clusters done, uniforms used). A cluster is only started when at least
    1 + 4 L^2 uniforms remain (the most one cluster can use), so none is cut short.
    """
    N = L * L
    pos = 0
    done = 0
    while done < max_clusters and u.shape[0] - pos >= 1 + 4 * N:
        seed = int(u[pos] * N)
        pos += 1
        if seed >= N:
            seed = N - 1
        s0 = spins[seed]
        spins[seed] = -s0
        top = 0
        stack[top] = seed
        top += 1
        while top > 0:
            top -= 1
            i = stack[top]
            x = i % L
            y = i // L
            for d in range(4):
                if d == 0:
                    j = y * L + (x + 1) % L
                elif d == 1:
                    j = y * L + (x - 1 + L) % L
                elif d == 2:
                    j = ((y + 1) % L) * L + x
                else:
                    j = ((y - 1 + L) % L) * L + x
                if spins[j] == s0:
                    r = u[pos]
                    pos += 1
                    if r < p_add:
                        spins[j] = -s0
                        stack[top] = j
                        top += 1
        e = 0
        for i in range(N):
            x = i % L
            y = i // L
            e -= spins[i] * (spins[y * L + (x + 1) % L] + spins[((y + 1) % L) * L + x])
        energies[start + done] = e / N
        done += 1
    return done, pos


@dataclass
class IsingResult:
    """Wolff simulation of the L x L Ising model: binned energy per spin against the exact value."""

    L: int
    K: float
    clusters: int
    bins: int
    energy: float
    error: float
    exact: float
    bin_means: list[float] = field(default_factory=list)
    uniforms_used: int = 0

    @property
    def z(self) -> float:
        """Deviation from the exact energy in binned standard errors."""
        return (self.energy - self.exact) / self.error if self.error > 0 else math.inf


def ising_wolff(
    source: Any,
    L: int = 16,
    K: float = K_CRITICAL,
    clusters: int = 100_000,
    thermalize: int = 1_000,
    bins: int = 20,
    chunk: int = 1 << 20,
    spin_seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> IsingResult:
    """Wolff cluster simulation; the energy after each cluster flip, averaged in ``bins`` bins.

    The start configuration is random (``spin_seed``, a separate numpy generator so that the
    source under test drives the dynamics alone).
    """
    if L < 2 or clusters < bins or bins < 2 or thermalize < 0:
        raise ConfigError("Ising: need L >= 2, bins >= 2, clusters >= bins, thermalize >= 0")
    N = L * L
    chunk = max(chunk, 2 * (1 + 4 * N))
    spins = np.where(np.random.default_rng(spin_seed).random(N) < 0.5, 1, -1).astype(np.int8)
    p_add = 1.0 - math.exp(-2.0 * K)
    total = thermalize + clusters
    energies = np.empty(total, dtype=np.float64)
    stack = np.empty(N, dtype=np.int64)
    done = 0
    used = 0
    u = source.uniforms(chunk)
    while done < total:
        d, pos = _wolff(spins, L, p_add, u, total - done, energies, done, stack)
        done += d
        used += pos
        if done < total:
            # keep the unused tail so the stream is consumed in order
            u = np.concatenate([u[pos:], source.uniforms(chunk)])
        if progress:
            progress(done)
    e = energies[thermalize:]
    per = clusters // bins
    means = e[: per * bins].reshape(bins, per).mean(axis=1)
    err = float(means.std(ddof=1) / math.sqrt(bins))
    return IsingResult(L, K, clusters, bins, float(means.mean()), err, ising_exact_energy(L, K), means.tolist(), used)


@dataclass(frozen=True)
class MonteCarloConfig:
    """Which Monte Carlo tests to run and how long."""

    tests: tuple[str, ...] = ("pi", "walk", "ising")
    pi_sizes: tuple[int, ...] = (10**3, 10**4, 10**5)
    pi_replicas: int = 20
    walkers: int = 10_000
    steps: int = 1_000
    ising_L: int = 16
    ising_clusters: int = 100_000
    ising_thermalize: int = 1_000
    ising_bins: int = 20


@dataclass
class MonteCarloResult:
    source: str
    pi: list[Estimate] = field(default_factory=list)
    walk: WalkResult | None = None
    ising: IsingResult | None = None


def run_montecarlo(source: Any, config: MonteCarloConfig | None = None,
                   progress: Callable[[str], None] | None = None) -> MonteCarloResult:
    """Run the selected Monte Carlo tests on one source."""
    cfg = config or MonteCarloConfig()
    unknown = set(cfg.tests) - {"pi", "walk", "ising"}
    if unknown:
        raise ConfigError(f"unknown Monte Carlo test(s) {sorted(unknown)}; choose from pi, walk, ising")
    res = MonteCarloResult(getattr(source, "description", str(source)))
    if "pi" in cfg.tests:
        res.pi = pi_study(source, cfg.pi_sizes, cfg.pi_replicas)
        if progress:
            progress("pi")
    if "walk" in cfg.tests:
        res.walk = random_walk(source, cfg.walkers, cfg.steps)
        if progress:
            progress("walk")
    if "ising" in cfg.tests:
        res.ising = ising_wolff(source, cfg.ising_L, clusters=cfg.ising_clusters, thermalize=cfg.ising_thermalize,
                                bins=cfg.ising_bins)
        if progress:
            progress("ising")
    return res
