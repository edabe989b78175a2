"""One helper for optional dependencies (extras)."""

from __future__ import annotations

import importlib
from types import ModuleType

from qtilab.errors import MissingExtraError


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``pip install 'qtilab[extra]'``.

    Examples
    --------
    >>> np = require("numpy", extra="core")
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError(
            f"{module!r} is not installed; it is needed here. Install it with "
            f"pip install 'qtilab[{extra}]'"
        ) from exc
