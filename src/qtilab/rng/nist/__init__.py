"""The 15 tests of NIST SP 800-22 Rev. 1a, one module each, with the reference suite's defaults.

Every test takes a bit sequence (uint8 array of 0/1, a bool array, or a '0'/'1' string;
``bits[0]`` is epsilon_1) and returns a :class:`NistResult`. ``TESTS`` lists them in the
order of the reference suite's report, with each test's minimum input length (``MIN_BITS``)
as SP 800-22 recommends it; :mod:`qtilab.rng.battery` applies those rules.

Examples
--------
>>> from qtilab.rng.nist import frequency
>>> round(frequency("1011010101").p_value, 6)
0.527089
"""

from __future__ import annotations

from qtilab.rng.nist._common import ALPHA, NistResult, as_bits
from qtilab.rng.nist.approximate_entropy import approximate_entropy
from qtilab.rng.nist.block_frequency import block_frequency
from qtilab.rng.nist.cumulative_sums import cumulative_sums
from qtilab.rng.nist.dft import dft
from qtilab.rng.nist.frequency import frequency
from qtilab.rng.nist.linear_complexity import linear_complexity
from qtilab.rng.nist.longest_run import longest_run
from qtilab.rng.nist.non_overlapping_template import non_overlapping_template, templates9
from qtilab.rng.nist.overlapping_template import overlapping_template
from qtilab.rng.nist.random_excursions import random_excursions
from qtilab.rng.nist.random_excursions_variant import random_excursions_variant
from qtilab.rng.nist.rank import rank
from qtilab.rng.nist.runs import runs
from qtilab.rng.nist.serial import serial
from qtilab.rng.nist.universal import universal

__all__ = [
    "ALPHA",
    "NistResult",
    "TESTS",
    "as_bits",
    "approximate_entropy",
    "block_frequency",
    "cumulative_sums",
    "dft",
    "frequency",
    "linear_complexity",
    "longest_run",
    "non_overlapping_template",
    "overlapping_template",
    "random_excursions",
    "random_excursions_variant",
    "rank",
    "runs",
    "serial",
    "templates9",
    "universal",
]

import importlib as _importlib  # noqa: E402
from types import ModuleType as _ModuleType  # noqa: E402

_KEYS = (
    "frequency", "block_frequency", "cumulative_sums", "runs", "longest_run", "rank", "dft",
    "non_overlapping_template", "overlapping_template", "universal", "approximate_entropy",
    "random_excursions", "random_excursions_variant", "serial", "linear_complexity",
)
# the functions shadow their modules' names in this package, so fetch modules explicitly
#: key -> (module, test function), in the reference report's order; keys are the CLI's --tests
TESTS: dict[str, tuple[_ModuleType, object]] = {}
for _k in _KEYS:
    _mod = _importlib.import_module(f"qtilab.rng.nist.{_k}")
    TESTS[_k] = (_mod, getattr(_mod, _k))
