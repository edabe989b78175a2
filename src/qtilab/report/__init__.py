"""Reports, provenance, the shared plot style and the static site (layer 4).

``from qtilab.report import Report`` is the entry point of every study; see
:mod:`qtilab.report.core`. Submodules: :mod:`~qtilab.report.provenance`,
:mod:`~qtilab.report.render`, :mod:`~qtilab.report.quantities`, :mod:`~qtilab.report.style`,
:mod:`~qtilab.report.compare` (``qtilab report diff`` / ``rerun``), :mod:`~qtilab.report.site`
(``qtilab report site``) and :mod:`~qtilab.report.onepager`.
"""

from __future__ import annotations

from qtilab.report.core import Report, _fmt, _jsonable
from qtilab.report.provenance import SCHEMA_VERSION
from qtilab.report.quantities import Quantity

__all__ = ["SCHEMA_VERSION", "Quantity", "Report", "_fmt", "_jsonable"]
