"""The programme's activities as data (layer 4): partners, countries, papers, commands.

``load()`` reads the shipped ``activities.toml``; ``validate(cat)`` lists its problems;
:mod:`~qtilab.catalogue.worldmap` draws the partner countries; :mod:`~qtilab.catalogue.publish`
generates CITATION.cff, codemeta.json, .zenodo.json and papers.bib from it.
"""

from __future__ import annotations

from qtilab.catalogue.model import Activity, Catalogue, Paper, Partner, load, validate

__all__ = ["Activity", "Catalogue", "Paper", "Partner", "load", "validate"]
