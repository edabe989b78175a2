"""Earth observation and scenario forecasting with hybrid quantum models.

* :mod:`qtilab.eo.datasets` -- EuroSAT readers (RGB JPEG folders, 13-band GeoTIFFs), band
  selection, normalisation, spectral indices (NDVI, NDWI, NDBI), stratified splits, and the
  reduced real EuroSAT subset shipped with qtilab (:func:`~qtilab.eo.datasets.load_subset`).
* :mod:`qtilab.eo.models` -- the QNN4EO pairwise hybrid (CNN -> 1-qubit layer), the JSTARS
  multi-class hybrid (CNN -> n-qubit circuit -> class scores) and the classical CNN baseline
  with the same feature extractor and a matching parameter count.
* :mod:`qtilab.eo.study` -- the classification study behind ``qtilab eo classify``.
* :mod:`qtilab.eo.forecast` -- quantum reservoir and variational quantum forecasters against
  ARIMA, ETS and an echo-state network, behind ``qtilab eo forecast``.

Everything heavy (torch, statsmodels, tifffile, pandas) is imported by the module that needs
it: ``pip install 'qtilab[eo]'``.
"""

from __future__ import annotations
