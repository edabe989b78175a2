"""When to show a progress bar: by default on a terminal, never in a pipe or a log file."""

from __future__ import annotations

import sys


def show_progress(progress: bool | None) -> bool:
    """``progress`` if given, else whether standard error is a terminal (tqdm writes there)."""
    if progress is None:
        try:
            return sys.stderr.isatty()
        except (AttributeError, ValueError):  # a closed or replaced stream
            return False
    return bool(progress)
