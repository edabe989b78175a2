"""Particle tracking with graph neural networks, classical and hybrid quantum (QTrkX).

The chain of Tüysüz et al., "Hybrid quantum classical graph neural networks for particle track
reconstruction", Quantum Mach. Intell. 3, 29 (2021), arXiv:2109.12636, made reproducible on a
laptop. Submodules are imported on use:

- :mod:`~qtilab.hep.tracking.io` -- TrackML CSV events (hits, truth, particles) and hit graphs
  in the HEP.TrkX / Exa.TrkX npz layout (``X``, ``Ri_rows``/``Ri_cols``, ``Ro_rows``/``Ro_cols``, ``y``).
- :mod:`~qtilab.hep.tracking.detector` -- a TrackML-like barrel detector and event generator
  (helices in a 2 T solenoid, minimum-bias pT spectrum with pile-up, multiple scattering,
  resolution, inefficiency, noise and duplicate hits).
- :mod:`~qtilab.hep.tracking.graph` -- hit-graph building (pT cut, duplicate removal, adjacent
  layers, dphi/dr and z0 cuts), vectorised.
- :mod:`~qtilab.hep.tracking.models` -- the classical GNN and the hybrid QGNN (torch, with
  :class:`qtilab.qml.torch.QuantumLayer`), and the segment-BDT baseline.
- :mod:`~qtilab.hep.tracking.metrics` -- edge metrics, track building and the TrackML score.
- :mod:`~qtilab.hep.tracking.study` -- the study: QGNN vs GNN vs BDT on the same graphs.
"""

from __future__ import annotations
