"""Key-rate theory of BB84 with weak coherent pulses (decoy states) and single photons.

The model is the one of Ma, Qi, Zhao and Lo, *Practical decoy state for quantum key
distribution*, Phys. Rev. A 72, 012326 (2005) (the "GYS" numbers below are their Table I,
from Gobby, Yuan and Shields, APL 84, 3762 (2004)):

* channel + detector transmittance ``eta = eta_Bob * 10**(-(alpha*L + loss_ins)/10)``;
* yield of an ``i``-photon pulse ``Y_i = Y_0 + 1 - (1 - eta)**i`` (Y_0: background/dark
  detection probability per pulse, counted once for Bob's whole detection unit);
* error rate ``e_i Y_i = e_0 Y_0 + e_d (1 - (1 - eta)**i)`` with ``e_0 = 1/2``;
* signal gain ``Q_mu = Y_0 + 1 - exp(-eta mu)`` and QBER
  ``E_mu Q_mu = e_0 Y_0 + e_d (1 - exp(-eta mu))``;
* GLLP key rate with infinitely many decoys (``Q_1`` and ``e_1`` known exactly)
  ``R = q * (-Q_mu f h(E_mu) + Q_1 (1 - h(e_1)))`` with ``Q_1 = Y_1 mu exp(-mu)``,
  ``q = 1/2`` for standard BB84 sifting, ``f`` the error-correction inefficiency.

Rates are *secret bits per pulse sent by Alice*; multiply by the repetition rate for bit/s.
With the GYS set the optimal signal intensity is about 0.48 and the rate vanishes at about
142 km, the published values (tests check both).

Examples
--------
>>> from qtilab.qkd.theory import decoy_bb84_key_rate, optimal_mu
>>> r = decoy_bb84_key_rate(50.0, "gys")          # bits per pulse at the optimal mu
>>> 1e-4 < r < 1e-3
True
>>> 0.45 < optimal_mu(50.0, "gys") < 0.5
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qtilab.errors import ConfigError

__all__ = [
    "PARAMETER_SETS",
    "LinkParams",
    "binary_entropy",
    "bb84_no_decoy_key_rate",
    "decoy_bb84_key_rate",
    "gain_and_qber",
    "get_params",
    "max_distance",
    "optimal_mu",
    "single_photon_bb84_key_rate",
    "single_photon_gain_and_error",
    "transmittance",
]

#: error rate of a background (dark/noise) click: random bit
E0 = 0.5


def _check_prob(name: str, v: float, *, open_low: bool = False, open_high: bool = False) -> None:
    if not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(float(v)):
        raise ConfigError(f"{name} must be a finite number, got {v!r}")
    lo_bad = v <= 0 if open_low else v < 0
    hi_bad = v >= 1 if open_high else v > 1
    if lo_bad or hi_bad:
        lo = "(0" if open_low else "[0"
        hi = "1)" if open_high else "1]"
        raise ConfigError(f"{name} must be a probability in {lo}, {hi}, got {v!r}")


def _check_nonneg(name: str, v: float) -> None:
    if not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(float(v)):
        raise ConfigError(f"{name} must be a finite number, got {v!r}")
    if v < 0:
        raise ConfigError(f"{name} must be >= 0 (a loss or a time cannot be negative), got {v!r}")


@dataclass(frozen=True)
class LinkParams:
    """Devices and fibre of a point-to-point QKD link (immutable, validated).

    Parameters
    ----------
    attenuation_db_per_km:
        Fibre attenuation alpha in dB/km (>= 0); 0.2 dB/km is standard SMF-28 at 1550 nm.
    detector_efficiency:
        Bob's total detection efficiency eta_Bob (optics and detector), in (0, 1].
    dark_count_prob:
        Y_0, the probability that Bob's detection unit clicks in a pulse slot without a signal
        photon (dark counts and stray light), in [0, 1).
    misalignment:
        e_d, the probability that a signal photon hits the wrong detector, in [0, 1/2].
    ec_efficiency:
        f >= 1, error-correction leakage relative to the Shannon limit n*h(QBER).
    sifting_factor:
        q, the fraction of detections kept after basis sifting: 1/2 for standard BB84 with
        random bases (Ma et al. 2005), close to 1 for efficient (biased-basis) BB84.
    insertion_loss_db:
        Fixed loss independent of distance (connectors, Bob's optics not in eta_Bob), dB >= 0.
    dead_time_ns:
        Detector dead time (simulation only; the asymptotic theory ignores it).
    afterpulse_prob:
        Probability that a click triggers a spurious click in the next slot (simulation only).
    repetition_rate_hz:
        Pulse rate, only used to quote rates in bit/s.
    name:
        Label used in reports.
    """

    attenuation_db_per_km: float
    detector_efficiency: float
    dark_count_prob: float
    misalignment: float
    ec_efficiency: float = 1.22
    sifting_factor: float = 0.5
    insertion_loss_db: float = 0.0
    dead_time_ns: float = 0.0
    afterpulse_prob: float = 0.0
    repetition_rate_hz: float = 2.0e6
    name: str = "custom"

    def __post_init__(self) -> None:
        _check_nonneg("attenuation_db_per_km", self.attenuation_db_per_km)
        _check_nonneg("insertion_loss_db", self.insertion_loss_db)
        _check_prob("detector_efficiency", self.detector_efficiency, open_low=True)
        _check_prob("dark_count_prob", self.dark_count_prob, open_high=True)
        _check_prob("misalignment", self.misalignment)
        if self.misalignment > 0.5:
            raise ConfigError(
                f"misalignment e_d must be <= 0.5 (0.5 means random outcomes), got {self.misalignment!r}"
            )
        if not math.isfinite(self.ec_efficiency) or self.ec_efficiency < 1.0:
            raise ConfigError(
                f"ec_efficiency f must be >= 1 (1 is the Shannon limit), got {self.ec_efficiency!r}"
            )
        _check_prob("sifting_factor", self.sifting_factor, open_low=True)
        _check_nonneg("dead_time_ns", self.dead_time_ns)
        _check_prob("afterpulse_prob", self.afterpulse_prob, open_high=True)
        if not math.isfinite(self.repetition_rate_hz) or self.repetition_rate_hz <= 0:
            raise ConfigError(f"repetition_rate_hz must be > 0, got {self.repetition_rate_hz!r}")

    def replace(self, **changes: Any) -> LinkParams:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Parameter sets of the literature, by name.
PARAMETER_SETS: dict[str, LinkParams] = {
    # Gobby, Yuan, Shields, APL 84, 3762 (2004), as used in Table I of Ma et al., PRA 72,
    # 012326 (2005): lambda 1550 nm, alpha 0.21 dB/km, e_detector 3.3 %, Y0 1.7e-6,
    # eta_Bob 4.5 %, f(E) = 1.22, standard BB84 sifting q = 1/2; GYS ran at 2 MHz.
    "gys": LinkParams(
        attenuation_db_per_km=0.21,
        detector_efficiency=0.045,
        dark_count_prob=1.7e-6,
        misalignment=0.033,
        ec_efficiency=1.22,
        sifting_factor=0.5,
        insertion_loss_db=0.0,
        repetition_rate_hz=2.0e6,
        name="gys",
    ),
}


def get_params(params: str | LinkParams) -> LinkParams:
    """Resolve a parameter-set name (case-insensitive) or pass a :class:`LinkParams` through."""
    if isinstance(params, LinkParams):
        return params
    if isinstance(params, str):
        key = params.strip().lower()
        if key in PARAMETER_SETS:
            return PARAMETER_SETS[key]
        raise ConfigError(
            f"unknown parameter set {params!r}; known sets: {', '.join(sorted(PARAMETER_SETS))}"
        )
    raise ConfigError(f"params must be a set name or a LinkParams, got {type(params).__name__}")


def _distance(distance_km: ArrayLike) -> NDArray[np.float64]:
    d = np.asarray(distance_km, dtype=np.float64)
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise ConfigError(f"distance_km must be finite and >= 0, got {distance_km!r}")
    return d


def _out(x: NDArray[np.float64], like: ArrayLike) -> float | NDArray[np.float64]:
    return float(x) if np.ndim(like) == 0 else x


def binary_entropy(p: ArrayLike) -> NDArray[np.float64]:
    """h(p) = -p log2 p - (1-p) log2 (1-p), with h(0) = h(1) = 0."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = 1.0 - p
        out = -np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0) - np.where(
            q > 0, q * np.log2(np.where(q > 0, q, 1.0)), 0.0
        )
    return out


def transmittance(distance_km: ArrayLike, params: str | LinkParams = "gys") -> float | NDArray[np.float64]:
    """Overall transmittance eta = eta_Bob * 10^(-(alpha L + insertion loss)/10)."""
    p = get_params(params)
    d = _distance(distance_km)
    eta = p.detector_efficiency * 10.0 ** (-(p.attenuation_db_per_km * d + p.insertion_loss_db) / 10.0)
    return _out(eta, distance_km)


def gain_and_qber(
    mu: ArrayLike, distance_km: ArrayLike, params: str | LinkParams = "gys"
) -> tuple[float | NDArray[np.float64], float | NDArray[np.float64]]:
    """Expected gain Q_mu (detection probability per pulse) and QBER E_mu of intensity mu."""
    p = get_params(params)
    mu_a = np.asarray(mu, dtype=np.float64)
    if np.any(mu_a < 0) or not np.all(np.isfinite(mu_a)):
        raise ConfigError(f"intensity mu must be finite and >= 0, got {mu!r}")
    eta = np.asarray(transmittance(distance_km, p))
    y0 = p.dark_count_prob
    det = -np.expm1(-eta * mu_a)
    # Y0 and signal clicks are not exclusive; Ma et al. use the sum (Y0 << 1, exact enough)
    q = y0 + det
    e = (E0 * y0 + p.misalignment * det) / q
    like = np.broadcast_to(np.asarray(mu_a + np.asarray(distance_km, dtype=float)), q.shape)
    return _out(q, like), _out(e, like)


def single_photon_gain_and_error(
    mu: ArrayLike, distance_km: ArrayLike, params: str | LinkParams = "gys"
) -> tuple[float | NDArray[np.float64], float | NDArray[np.float64]]:
    """Single-photon gain Q_1 = Y_1 mu e^-mu and error rate e_1 (infinite-decoy values)."""
    p = get_params(params)
    mu_a = np.asarray(mu, dtype=np.float64)
    eta = np.asarray(transmittance(distance_km, p))
    y1 = p.dark_count_prob + eta
    e1 = (E0 * p.dark_count_prob + p.misalignment * eta) / y1
    q1 = y1 * mu_a * np.exp(-mu_a)
    like = np.broadcast_to(np.asarray(mu_a + np.asarray(distance_km, dtype=float)), np.shape(q1))
    return _out(np.asarray(q1), like), _out(np.broadcast_to(e1, np.shape(q1)).copy(), like)


def _decoy_rate(mu: NDArray[np.float64], eta: NDArray[np.float64], p: LinkParams) -> NDArray[np.float64]:
    y0 = p.dark_count_prob
    det = -np.expm1(-eta * mu)
    q = y0 + det
    e = (E0 * y0 + p.misalignment * det) / q
    y1 = y0 + eta
    e1 = (E0 * y0 + p.misalignment * eta) / y1
    q1 = y1 * mu * np.exp(-mu)
    return p.sifting_factor * (-q * p.ec_efficiency * binary_entropy(e) + q1 * (1.0 - binary_entropy(e1)))


def _golden_max(
    f: Any, lo: float, hi: float, shape: tuple[int, ...], iters: int = 60, grid: int = 64
) -> NDArray[np.float64]:
    """Vectorised maximiser of f(x) on [lo, hi]: a log-spaced grid, then golden section.

    The grid bracket makes the search robust where f is flat (e.g. no key at all) on part of
    the interval; golden section then refines inside the bracket around the best grid point.
    """
    xs = np.geomspace(lo, hi, grid)
    vals = np.stack([f(np.full(shape, x)) for x in xs])  # (grid, *shape)
    k = np.argmax(vals, axis=0)
    a = xs[np.clip(k - 1, 0, grid - 1)]
    b = xs[np.clip(k + 1, 0, grid - 1)]
    g = (math.sqrt(5.0) - 1.0) / 2.0
    c = b - g * (b - a)
    d = a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iters):
        left = fc > fd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        c = b - g * (b - a)
        d = a + g * (b - a)
        fc, fd = f(c), f(d)
    return np.asarray((a + b) / 2.0, dtype=np.float64)


def optimal_mu(distance_km: ArrayLike, params: str | LinkParams = "gys") -> float | NDArray[np.float64]:
    """Signal intensity that maximises :func:`decoy_bb84_key_rate` at each distance.

    Returns NaN where no positive key rate is possible at any intensity.
    """
    p = get_params(params)
    d = _distance(distance_km)
    eta = np.asarray(transmittance(d, p))
    mu = _golden_max(lambda m: _decoy_rate(m, eta, p), 1e-6, 2.0, eta.shape)
    r = _decoy_rate(mu, eta, p)
    mu = np.where(r > 0, mu, np.nan)
    return _out(mu, distance_km)


def decoy_bb84_key_rate(
    distance_km: ArrayLike, params: str | LinkParams = "gys", mu: float | ArrayLike | None = None
) -> float | NDArray[np.float64]:
    """Asymptotic decoy-state BB84 key rate (GLLP, infinitely many decoys), bits per pulse.

    Parameters
    ----------
    distance_km:
        Fibre length(s) in km (scalar or array).
    params:
        A name from :data:`PARAMETER_SETS` or a :class:`LinkParams`.
    mu:
        Signal intensity; ``None`` uses :func:`optimal_mu` at each distance.

    Returns
    -------
    float or ndarray
        ``max(R, 0)`` in secret bits per pulse (same shape as ``distance_km``/``mu``).

    Examples
    --------
    >>> round(decoy_bb84_key_rate(0.0, "gys", mu=0.48) * 1e3, 2)
    2.55
    """
    p = get_params(params)
    d = _distance(distance_km)
    eta = np.asarray(transmittance(d, p))
    if mu is None:
        m = _golden_max(lambda x: _decoy_rate(x, eta, p), 1e-6, 2.0, eta.shape)
        like: ArrayLike = distance_km
    else:
        m = np.asarray(mu, dtype=np.float64)
        if not np.all(np.isfinite(m)) or np.any(m <= 0):
            raise ConfigError(f"signal intensity mu must be > 0, got {mu!r}")
        like = np.asarray(m + d)
    r = np.maximum(_decoy_rate(m, eta, p), 0.0)
    return _out(np.asarray(r), like)


def single_photon_bb84_key_rate(
    distance_km: ArrayLike, params: str | LinkParams = "gys"
) -> float | NDArray[np.float64]:
    """Key rate (bits per pulse) of BB84 with an ideal single-photon source (one photon per pulse).

    ``R = q * Y_1 * (1 - f h(e_1) - h(e_1))`` (Shor-Preskill with the same device model).
    """
    p = get_params(params)
    d = _distance(distance_km)
    eta = np.asarray(transmittance(d, p))
    y1 = p.dark_count_prob + eta
    e1 = (E0 * p.dark_count_prob + p.misalignment * eta) / y1
    r = p.sifting_factor * y1 * (1.0 - (1.0 + p.ec_efficiency) * binary_entropy(e1))
    return _out(np.maximum(r, 0.0), distance_km)


def bb84_no_decoy_key_rate(
    distance_km: ArrayLike, params: str | LinkParams = "gys", mu: float | None = None
) -> float | NDArray[np.float64]:
    """GLLP key rate of weak-coherent-pulse BB84 *without* decoys (worst-case multi-photons).

    All multi-photon pulses are assumed tagged (a photon-number-splitting attack), so the
    untagged fraction is ``Omega = 1 - P(n >= 2) / Q_mu`` and
    ``R = q * (-Q f h(E) + Q Omega (1 - h(E / Omega)))``. ``mu=None`` optimises mu.
    """
    p = get_params(params)
    d = _distance(distance_km)
    eta = np.asarray(transmittance(d, p))

    def rate(m: NDArray[np.float64]) -> NDArray[np.float64]:
        det = -np.expm1(-eta * m)
        q = p.dark_count_prob + det
        e = (E0 * p.dark_count_prob + p.misalignment * det) / q
        pmulti = 1.0 - np.exp(-m) * (1.0 + m)
        omega = np.clip(1.0 - pmulti / q, 1e-300, 1.0)
        eom = np.minimum(e / omega, 0.5)
        val = p.sifting_factor * (-q * p.ec_efficiency * binary_entropy(e) + q * omega * (1.0 - binary_entropy(eom)))
        return np.where(pmulti < q, val, -1.0)

    if mu is None:
        m = _golden_max(rate, 1e-7, 1.0, eta.shape)
    else:
        m = np.full(eta.shape, float(mu))
    return _out(np.maximum(rate(m), 0.0), distance_km)


def max_distance(params: str | LinkParams = "gys", *, protocol: str = "decoy") -> float:
    """Largest distance (km) with a positive asymptotic key rate (``protocol``: decoy, single-photon, no-decoy)."""
    fns = {
        "decoy": decoy_bb84_key_rate,
        "single-photon": single_photon_bb84_key_rate,
        "no-decoy": bb84_no_decoy_key_rate,
    }
    if protocol not in fns:
        raise ConfigError(f"protocol must be one of {sorted(fns)}, got {protocol!r}")
    fn = fns[protocol]
    p = get_params(params)

    def g(dist: float) -> float:
        r = float(fn(dist, p))  # type: ignore[operator]
        return r if r > 0 else -1.0

    if g(0.0) <= 0:
        return 0.0
    hi = 10.0
    while g(hi) > 0:
        hi *= 2
        if hi > 1e5:
            return math.inf
    # bisection on the sign of the rate (it decreases monotonically with distance)
    lo = 0.0
    while hi - lo > 1e-6 * max(hi, 1.0):
        mid = 0.5 * (lo + hi)
        if g(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
