"""Studies over the link simulation: key rate against distance, simulation points on theory.

:func:`scan_key_rate` takes a :class:`KeyRateScanConfig` and returns a :class:`KeyRateScan`;
the CLI (:mod:`qtilab.cli.qkd_link`) turns results into reports (``qkd`` never imports the
report writer, which would pull in the simulator through ``qtilab/__init__``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qtilab.errors import ConfigError
from qtilab.qkd import theory
from qtilab.qkd.protocols import LinkConfig, LinkResult, simulate_link
from qtilab.qkd.theory import LinkParams, get_params

__all__ = ["KeyRateScan", "KeyRateScanConfig", "scan_key_rate"]


@dataclass(frozen=True)
class KeyRateScanConfig:
    """Key rate against distance: the theory curves and simulated points.

    Parameters
    ----------
    start_km, stop_km, points:
        Distance grid of the theory curves.
    params:
        Parameter set (name or LinkParams).
    simulate_at:
        Distances (km) where the link is simulated (decoy BB84 at the optimal mu).
    pulses:
        Pulses per simulated point.
    seed:
        Seed of the simulations.
    """

    start_km: float = 0.0
    stop_km: float = 200.0
    points: int = 201
    params: str | LinkParams = "gys"
    simulate_at: tuple[float, ...] = (25.0, 50.0, 100.0)
    pulses: int = 10_000_000
    seed: int | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start_km) and math.isfinite(self.stop_km)) or self.start_km < 0:
            raise ConfigError(f"distances must be finite and >= 0, got {self.start_km}..{self.stop_km}")
        if self.stop_km <= self.start_km:
            raise ConfigError(f"--to ({self.stop_km}) must be larger than --from ({self.start_km})")
        if self.points < 2 or self.points > 100_000:
            raise ConfigError(f"points must be in [2, 100000], got {self.points}")
        get_params(self.params)
        if any((not math.isfinite(d)) or d < 0 for d in self.simulate_at):
            raise ConfigError(f"simulation distances must be >= 0, got {self.simulate_at}")


@dataclass
class KeyRateScan:
    """Theory curves (bits per pulse) and simulated points."""

    params: LinkParams
    distance_km: NDArray[np.float64]
    decoy: NDArray[np.float64]
    optimal_mu: NDArray[np.float64]
    single_photon: NDArray[np.float64]
    no_decoy: NDArray[np.float64]
    max_distance_km: float
    simulations: list[LinkResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": self.params.to_dict(),
            "max_distance_km": self.max_distance_km,
            "curve": {
                "distance_km": self.distance_km,
                "decoy_bb84": self.decoy,
                "optimal_mu": self.optimal_mu,
                "single_photon_bb84": self.single_photon,
                "bb84_no_decoy": self.no_decoy,
            },
            "simulations": [
                {
                    "distance_km": r.config["distance_km"],
                    "mu": r.config["mu"],
                    "pulses": r.config["pulses"],
                    "key_rate_sim": r.estimates.get("key_rate_sim"),
                    "key_rate_sim_err": r.estimates.get("key_rate_sim_err"),
                    "key_rate_decoy_estimate": r.estimates.get("key_rate_decoy_estimate"),
                    "key_rate_theory": r.estimates.get("key_rate_theory"),
                    "qber_signal": r.stats.get("qber_signal"),
                    "status": r.status,
                }
                for r in self.simulations
            ],
        }


def scan_key_rate(config: KeyRateScanConfig, *, progress: bool | None = None) -> KeyRateScan:
    """Theory curves over the distance grid plus link simulations at ``simulate_at``."""
    p = get_params(config.params)
    d = np.linspace(config.start_km, config.stop_km, config.points)
    scan = KeyRateScan(
        params=p,
        distance_km=d,
        decoy=np.asarray(theory.decoy_bb84_key_rate(d, p)),
        optimal_mu=np.asarray(theory.optimal_mu(d, p)),
        single_photon=np.asarray(theory.single_photon_bb84_key_rate(d, p)),
        no_decoy=np.asarray(theory.bb84_no_decoy_key_rate(d, p)),
        max_distance_km=theory.max_distance(p),
    )
    ss = np.random.SeedSequence(config.seed)
    for dist, child in zip(config.simulate_at, ss.spawn(len(config.simulate_at))):
        cfg = LinkConfig(
            distance_km=float(dist),
            params=p,
            pulses=config.pulses,
            postprocess=False,
            seed=int(child.generate_state(1)[0]),
        )
        scan.simulations.append(simulate_link(cfg, progress=progress))
    return scan
