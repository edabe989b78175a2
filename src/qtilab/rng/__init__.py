"""Randomness for Monte Carlo: the NIST SP 800-22 battery, bit sources, Monte Carlo tests.

- :mod:`qtilab.rng.nist`: the 15 tests, one module each, reference-suite defaults.
- :mod:`qtilab.rng.battery`: run them on m sequences, second-level analysis, verdicts.
- :mod:`qtilab.rng.sources`: numpy generators, negative controls, simulated and modelled
  QRNGs, extractors, file readers.
- :mod:`qtilab.rng.montecarlo`: pi, Buffon's needle, random walk, 2D Ising (Wolff).

Submodules are imported on use so that ``import qtilab.rng`` is light.
"""

from __future__ import annotations
