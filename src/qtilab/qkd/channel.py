"""Fibre channel, threshold detectors and eavesdroppers, simulated pulse by pulse (vectorised).

The model matches :mod:`qtilab.qkd.theory` so that simulation and formulas can be compared:

* every photon survives fibre, fixed insertion loss and Bob's detection efficiency
  independently with probability ``eta`` (binomial thinning of the photon number);
* a surviving photon measured in the basis it was prepared in goes to the wrong detector with
  probability ``e_d`` (misalignment); in the other basis it goes to either detector at random;
* each of Bob's two detectors has a dark-count probability ``p_d`` per slot with
  ``1 - (1 - p_d)**2 = Y0`` (so the unit's background rate is the parameter set's ``Y0``);
* a double click is assigned a random bit (squashing);
* dead time (in slots) blinds Bob's detection unit after every registered click and an
  after-pulse follows a click with probability ``afterpulse_prob`` in the first live slot.

Eavesdroppers act on Alice's output: intercept-resend (on a fraction of the pulses; Eve
measures in a random basis and re-prepares the same photon number in her basis and result) and
photon-number splitting (Eve counts photons, blocks single photons, keeps one photon of every
multi-photon pulse and sends the rest to Bob through a lossless channel, with the blocking
tuned so that Bob's signal detection rate is the expected one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from qtilab.errors import ConfigError

__all__ = ["EveConfig", "apply_dead_time", "detect", "pns_strategy"]

EVE_KINDS = ("none", "intercept-resend", "pns")


@dataclass(frozen=True)
class EveConfig:
    """An eavesdropper.

    Parameters
    ----------
    kind:
        ``"none"``, ``"intercept-resend"`` or ``"pns"`` (photon-number splitting).
    fraction:
        Fraction of the pulses attacked by intercept-resend (1.0 = full attack).
    """

    kind: str = "none"
    fraction: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in EVE_KINDS:
            raise ConfigError(f"eavesdropper kind must be one of {EVE_KINDS}, got {self.kind!r}")
        if not (0.0 <= self.fraction <= 1.0):
            raise ConfigError(f"eavesdropper fraction must be in [0, 1], got {self.fraction!r}")


def pns_strategy(mu: float, eta: float, eta_bob: float, y0: float) -> tuple[float, float]:
    """Blocking probabilities (single-photon, multi-photon) of a PNS attack.

    Eve forwards ``n - 1`` photons of each multi-photon pulse losslessly (Bob detects with
    ``eta_bob``) and blocks single photons so that the signal gain stays the honest
    ``1 - exp(-eta mu)``; at long distance she must also block some multi-photon pulses.
    """
    target = -math.expm1(-eta * mu)
    # expected clicks from forwarded multi-photon pulses: sum_{n>=2} P(n) (1 - (1-eta_bob)^(n-1))
    p0 = math.exp(-mu)
    p1 = mu * p0
    # sum_n P(n) (1-eta_b)^(n-1) over n>=1 = (exp(-mu eta_b) - p0)/(1-eta_b)
    if eta_bob < 1:
        s = (math.exp(-mu * eta_bob) - p0) / (1 - eta_bob)
    else:
        s = p1
    multi = (1 - p0 - p1) - (s - p1)
    single = p1 * eta_bob
    if multi >= target:
        return 1.0, 1.0 - target / multi
    return min(1.0, max(0.0, 1.0 - (target - multi) / single)), 0.0


def detect(
    rng: np.random.Generator,
    photons: NDArray[np.int64],
    eta: float | NDArray[np.float64],
    same_basis: NDArray[np.bool_],
    bit: NDArray[np.uint8],
    misalignment: float,
    dark_per_detector: float,
) -> tuple[NDArray[np.bool_], NDArray[np.uint8], NDArray[np.bool_]]:
    """Bob's threshold detectors for one chunk of pulses.

    Returns ``(clicked, bob_bit, double_click)``; ``bob_bit`` is meaningful where ``clicked``.
    """
    arrive = rng.binomial(photons, eta)
    # probability that an arriving photon goes to detector "1"
    p1 = np.where(same_basis, np.where(bit == 1, 1.0 - misalignment, misalignment), 0.5)
    k1 = rng.binomial(arrive, p1)
    k0 = arrive - k1
    size = photons.shape[0]
    if dark_per_detector > 0:
        d0 = rng.random(size) < dark_per_detector
        d1 = rng.random(size) < dark_per_detector
        c0 = (k0 > 0) | d0
        c1 = (k1 > 0) | d1
    else:
        c0 = k0 > 0
        c1 = k1 > 0
    clicked = c0 | c1
    double = c0 & c1
    bob = c1.astype(np.uint8)
    if np.any(double):
        idx = np.flatnonzero(double)
        bob[idx] = rng.integers(0, 2, idx.size, dtype=np.uint8)
    return clicked, bob, double


@njit(cache=True)
def apply_dead_time(slots: NDArray[np.int64], dead: int, last_click: int) -> NDArray[np.bool_]:
    """Mask of the clicks (sorted slot indices) registered with a dead time of ``dead`` slots.

    ``last_click`` is the slot of the last registered click before these (carried across
    chunks; a very negative number for none).
    """
    keep = np.zeros(slots.shape[0], dtype=np.bool_)
    last = last_click
    for i in range(slots.shape[0]):
        if slots[i] > last + dead:
            keep[i] = True
            last = slots[i]
    return keep
