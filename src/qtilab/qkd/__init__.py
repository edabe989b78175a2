"""Quantum key distribution: link simulation, post-processing to a final key, key-rate theory.

Independent of the circuit simulator (it never imports ``qtilab.core`` or ``qtilab.sim``).

* :mod:`qtilab.qkd.theory` -- asymptotic key rates (decoy-state BB84 GLLP, single photons)
  and the literature's parameter sets (``PARAMETER_SETS["gys"]``).
"""

from __future__ import annotations
