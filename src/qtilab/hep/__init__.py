"""High-energy physics applications: event tables, event generation, the QSVM study.

The submodules are imported on use so that ``import qtilab.hep`` stays light:

- :mod:`qtilab.hep.events` -- the :class:`~qtilab.hep.events.EventTable` (columns + labels +
  schema), its npz/Parquet files, readers for ROOT TTrees (uproot) and CSV files, and the
  shipped ttH(γγ) sample (:func:`~qtilab.hep.events.load_sample`).
- :mod:`qtilab.hep.generation` -- Pythia 8 generation of ttH(H→γγ) and pp→γγ(+jets) with a
  parametric detector response and the diphoton selection.
- :mod:`qtilab.hep.qsvm` -- the quantum-SVM vs classical SVM vs BDT study.
"""

from __future__ import annotations
