"""The examples in the rng docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "qtilab.rng.nist",
    "qtilab.rng.nist.frequency",
    "qtilab.rng.nist.block_frequency",
    "qtilab.rng.nist.runs",
    "qtilab.rng.nist.longest_run",
    "qtilab.rng.nist.rank",
    "qtilab.rng.nist.dft",
    "qtilab.rng.nist.non_overlapping_template",
    "qtilab.rng.nist.overlapping_template",
    "qtilab.rng.nist.linear_complexity",
    "qtilab.rng.nist.serial",
    "qtilab.rng.nist.approximate_entropy",
    "qtilab.rng.nist.cumulative_sums",
    "qtilab.rng.nist.random_excursions",
    "qtilab.rng.nist.random_excursions_variant",
    "qtilab.rng.battery",
    "qtilab.rng.sources",
    "qtilab.rng.montecarlo",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0
