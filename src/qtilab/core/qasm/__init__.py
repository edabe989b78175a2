"""OpenQASM 2.0 and 3 (a subset) in and out.

>>> from qtilab.core.qasm import loads, dumps
>>> c = loads('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0]; cx q[0], q[1];')
>>> print(dumps(c, version=3).splitlines()[0])
OPENQASM 3.0;

Reading uses lark (the ``qasm`` extra): ``pip install 'qtilab[qasm]'``. See docs/qasm.md for
what is supported; anything else raises :class:`~qtilab.errors.QasmError` with file, line,
column and the offending token.
"""

from __future__ import annotations

from qtilab.core.qasm.reader import QasmLimits, load, loads
from qtilab.core.qasm.writer import dump, dumps
from qtilab.errors import QasmError

__all__ = ["load", "loads", "dump", "dumps", "QasmError", "QasmLimits"]
