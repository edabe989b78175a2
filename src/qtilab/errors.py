"""Exception hierarchy of qtilab.

Every error qtilab raises on purpose is a :class:`QtilabError`; catch that to catch them all.
"""

from __future__ import annotations


class QtilabError(Exception):
    """Base class of every error qtilab raises deliberately."""


class CircuitError(QtilabError, ValueError):
    """A circuit, gate, parameter or observable is malformed."""


class SimulationError(QtilabError, RuntimeError):
    """A simulation cannot run (too much memory, unbound parameters, bad initial state...)."""


class QasmError(QtilabError, ValueError):
    """An OpenQASM program cannot be read; carries file, line, column and token."""

    def __init__(
        self,
        message: str,
        *,
        filename: str | None = None,
        line: int | None = None,
        column: int | None = None,
        token: str | None = None,
    ) -> None:
        self.filename = filename
        self.line = line
        self.column = column
        self.token = token
        where = ""
        if filename is not None or line is not None:
            where = f"{filename or '<string>'}:{line if line is not None else '?'}:{column if column is not None else '?'}: "
        tok = f" (at {token!r})" if token is not None else ""
        super().__init__(f"{where}{message}{tok}")
        self.message = message


class DataError(QtilabError, ValueError):
    """Input data (files, arrays, tables) is malformed or unsuitable."""


class ConfigError(QtilabError, ValueError):
    """A configuration value is impossible or inconsistent."""


class MissingExtraError(QtilabError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""
