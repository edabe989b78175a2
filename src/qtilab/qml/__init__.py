"""Quantum machine learning: encodings, ansatze, quantum kernels, estimators, a PyTorch layer.

Modules load lazily; ``torch`` and ``scikit-learn`` are imported only by the parts that need
them (extras ``qtilab[ml]``).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "QuantumKernel": "qtilab.qml.kernels",
    "QSVC": "qtilab.qml.kernels",
    "kernel_target_alignment": "qtilab.qml.kernels",
    "VQC": "qtilab.qml.classifiers",
    "AngleEncoding": "qtilab.qml.encodings",
    "ZZFeatureMap": "qtilab.qml.encodings",
    "IQPEncoding": "qtilab.qml.encodings",
    "AmplitudeEncoding": "qtilab.qml.encodings",
    "DataReuploading": "qtilab.qml.encodings",
    "make_encoding": "qtilab.qml.encodings",
    "hardware_efficient": "qtilab.qml.ansatz",
    "strongly_entangling": "qtilab.qml.ansatz",
    "real_amplitudes": "qtilab.qml.ansatz",
    "sim_circuit": "qtilab.qml.ansatz",
    "QuantumPerceptron": "qtilab.qml.perceptron",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'qtilab.qml' has no attribute {name!r}")
    return getattr(importlib.import_module(mod), name)
