"""Parameter estimation: decoy-state bounds and secret-key lengths.

* Asymptotic vacuum + weak decoy bounds of Ma, Qi, Zhao and Lo, PRA 72, 012326 (2005),
  eqs. (34)-(37) for the single-photon yield ``Y1`` and error rate ``e1``:

  ``Y1_L = mu / (mu nu - nu^2) * (Q_nu e^nu - Q_mu e^mu nu^2/mu^2 - (mu^2 - nu^2)/mu^2 Y0)``,
  ``e1_U = (E_nu Q_nu e^nu - e0 Y0) / (Y1_L nu)``.

* Finite-key length of Lim, Curty, Walenta, Xu and Zbinden, *Concise security bounds for
  practical decoy-state quantum key distribution*, PRA 89, 022307 (2014) (three intensities,
  Hoeffding bounds, key from basis X, phase error from basis Z).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qtilab.errors import ConfigError

__all__ = [
    "DecoyBounds",
    "check_decoy_intensities",
    "finite_key_length_lim2014",
    "h2",
    "vacuum_weak_decoy_bounds",
]


def h2(p: float) -> float:
    """Binary entropy in bits (0 at 0 and 1)."""
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return -p * math.log2(p) - (1.0 - p) * math.log2(1.0 - p)


def check_decoy_intensities(mu: float, nu: float, vacuum: float = 0.0) -> None:
    """Raise ConfigError unless ``0 <= vacuum < nu`` and ``nu + vacuum < mu`` (Ma et al. 2005),
    which is also Lim et al.'s condition ``mu1 > mu2 + mu3, mu2 > mu3 >= 0``."""
    for name, v in (("signal intensity mu", mu), ("decoy intensity nu", nu), ("vacuum intensity", vacuum)):
        if not math.isfinite(v) or v < 0:
            raise ConfigError(f"{name} must be finite and >= 0, got {v!r}")
    if not (vacuum < nu and nu + vacuum < mu):
        raise ConfigError(
            "decoy intensities must satisfy 0 <= vacuum < nu and nu + vacuum < mu "
            f"(got mu={mu}, nu={nu}, vacuum={vacuum}); e.g. mu=0.48, nu=0.1, vacuum=0"
        )
    if mu > 10:
        raise ConfigError(f"signal intensity mu={mu} is not a weak coherent pulse (use mu < 10)")


@dataclass(frozen=True)
class DecoyBounds:
    """Single-photon bounds from the decoy method (per pulse of the signal intensity)."""

    y0: float
    y1_lower: float
    q1_lower: float
    e1_upper: float


def vacuum_weak_decoy_bounds(
    mu: float, nu: float, q_mu: float, q_nu: float, e_nu: float, y0: float, e0: float = 0.5
) -> DecoyBounds:
    """Vacuum + weak decoy lower bound on Y1, Q1 and upper bound on e1 (Ma et al. 2005)."""
    check_decoy_intensities(mu, nu, 0.0)
    y1 = (mu / (mu * nu - nu * nu)) * (
        q_nu * math.exp(nu) - q_mu * math.exp(mu) * nu * nu / (mu * mu) - (mu * mu - nu * nu) / (mu * mu) * y0
    )
    y1 = max(y1, 0.0)
    q1 = y1 * mu * math.exp(-mu)
    e1 = (e_nu * q_nu * math.exp(nu) - e0 * y0) / (y1 * nu) if y1 > 0 else 0.5
    e1 = min(max(e1, 0.0), 0.5)
    return DecoyBounds(y0=y0, y1_lower=y1, q1_lower=q1, e1_upper=e1)


def _gamma(a: float, b: float, c: float, d: float) -> float:
    """Lim et al. (2014) eq. (2): the random-sampling correction of the phase error."""
    if b <= 0 or b >= 1 or c <= 0 or d <= 0:
        return 0.0
    inner = (c + d) / (c * d * (1 - b) * b) * (21.0**2) / (a * a)
    return math.sqrt((c + d) * (1 - b) * b / (c * d * math.log(2)) * math.log2(inner))


@dataclass(frozen=True)
class FiniteKey:
    """Outcome of :func:`finite_key_length_lim2014`."""

    length: int
    s_x0: float
    s_x1: float
    s_z1: float
    v_z1: float
    phase_error: float


def finite_key_length_lim2014(
    intensities: tuple[float, float, float],
    probs: tuple[float, float, float],
    n_x: tuple[int, int, int],
    n_z: tuple[int, int, int],
    m_z: tuple[int, int, int],
    leak_ec: float,
    eps_sec: float = 1e-10,
    eps_cor: float = 1e-15,
) -> FiniteKey:
    """Secret-key length of decoy BB84 with finite statistics (Lim et al., PRA 89, 022307, 2014).

    Parameters
    ----------
    intensities:
        (mu1, mu2, mu3) with mu1 > mu2 + mu3 and mu2 > mu3 >= 0.
    probs:
        Probabilities with which Alice chooses them.
    n_x, n_z:
        Sifted detections per intensity in the key basis X and in the test basis Z.
    m_z:
        Bit errors per intensity in basis Z.
    leak_ec:
        Bits disclosed by error correction (and verification, if not counted in eps_cor).
    eps_sec, eps_cor:
        Secrecy and correctness parameters.

    Returns
    -------
    FiniteKey
        ``length`` is ``max(0, floor(l))`` with
        ``l = s_X0 + s_X1 (1 - h(phi_X)) - leak_EC - 6 log2(21/eps_sec) - log2(2/eps_cor)``.
    """
    mu1, mu2, mu3 = intensities
    check_decoy_intensities(mu1, mu2, mu3)
    if any(p <= 0 for p in probs) or abs(sum(probs) - 1) > 1e-9:
        raise ConfigError(f"intensity probabilities must be > 0 and sum to 1, got {probs}")
    ln = math.log(21.0 / eps_sec)

    def tau(nph: int) -> float:
        return sum(p * math.exp(-m) * m**nph / math.factorial(nph) for p, m in zip(probs, intensities))

    def bounds(counts: tuple[int, int, int]) -> tuple[list[float], list[float]]:
        tot = sum(counts)
        d = math.sqrt(tot / 2.0 * ln)
        lo = [math.exp(m) / p * (c - d) for m, p, c in zip(intensities, probs, counts)]
        hi = [math.exp(m) / p * (c + d) for m, p, c in zip(intensities, probs, counts)]
        return lo, hi

    def s0_s1(counts: tuple[int, int, int]) -> tuple[float, float]:
        lo, hi = bounds(counts)
        t0, t1 = tau(0), tau(1)
        s0 = t0 * (mu2 * lo[2] - mu3 * hi[1]) / (mu2 - mu3)
        s0 = max(s0, 0.0)
        den = mu1 * (mu2 - mu3) - mu2**2 + mu3**2
        s1 = t1 * mu1 * (lo[1] - hi[2] - (mu2**2 - mu3**2) / mu1**2 * (hi[0] - s0 / t0)) / den
        return s0, max(s1, 0.0)

    s_x0, s_x1 = s0_s1(n_x)
    _, s_z1 = s0_s1(n_z)
    mlo, mhi = bounds(m_z)
    v_z1 = tau(1) * (mhi[1] - mlo[2]) / (mu2 - mu3)
    v_z1 = max(v_z1, 0.0)
    if s_z1 <= 0 or s_x1 <= 0:
        return FiniteKey(0, s_x0, s_x1, s_z1, v_z1, 0.5)
    ratio = min(v_z1 / s_z1, 0.5)
    phi = min(ratio + _gamma(eps_sec, ratio, s_z1, s_x1), 0.5)
    ell = s_x0 + s_x1 * (1.0 - h2(phi)) - leak_ec - 6.0 * math.log2(21.0 / eps_sec) - math.log2(2.0 / eps_cor)
    return FiniteKey(max(0, int(math.floor(ell))), s_x0, s_x1, s_z1, v_z1, phi)
