"""SP 800-22 section 2.6: discrete Fourier transform (spectral) test, as sts-2.1.2."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qtilab.rng.nist._common import NistResult, as_bits, erfc, not_applicable

NAME = "FFT"
#: SP 800-22 2.6.7: n >= 1000
MIN_BITS = 1000


def dft(bits: Any) -> NistResult:
    """Peaks of the spectrum above the 95 % threshold sqrt(ln(20) n).

    As in the reference code (and unlike the document's worked example, see its erratum), the
    first n/2 moduli counted include the zero frequency, and d = (N1 - N0) / sqrt(0.95 0.05 n / 4).

    Examples
    --------
    >>> round(dft("1001010011").p_value, 6)
    0.46816
    """
    e = as_bits(bits)
    n = e.size
    if n < 2:
        return not_applicable(NAME, f"needs at least 2 bits, got n = {n}")
    x = 2.0 * e - 1.0
    mod = np.abs(np.fft.rfft(x))[: n // 2]
    threshold = math.sqrt(2.995732274 * n)
    n1 = int(np.count_nonzero(mod < threshold))
    n0 = 0.95 * n / 2.0
    d = (n1 - n0) / math.sqrt(n / 4.0 * 0.95 * 0.05)
    return NistResult(NAME, (erfc(abs(d) / math.sqrt(2.0)),), ("",), {"N1": n1, "N0": n0, "d": d})
