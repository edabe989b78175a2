"""The circuit model: gates as data, circuits, parameters, observables (no simulation here)."""

from qtilab.core.circuit import Circuit, Gate
from qtilab.core.observables import Observable
from qtilab.core.parameters import Parameter, ParameterExpression

__all__ = ["Circuit", "Gate", "Observable", "Parameter", "ParameterExpression"]
