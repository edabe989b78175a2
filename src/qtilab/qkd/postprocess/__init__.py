"""Classical post-processing of a QKD run: sifting, parameter estimation, Cascade error
correction, verification and privacy amplification.

Submodules: :mod:`.sifting`, :mod:`.estimation` (decoy-state bounds, key lengths),
:mod:`.cascade`, :mod:`.privacy` (Toeplitz hashing by FFT, universal-hash verification).
"""

from __future__ import annotations
