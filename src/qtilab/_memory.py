"""The memory guard: one check before every allocation that grows with user input.

Layer 0 (beside :mod:`qtilab.errors`), so that every package can use it: the simulator, the
encodings of qml and the QKD link simulation (which may not import the simulator).

Examples
--------
>>> from qtilab._memory import check_allocation
>>> check_allocation(8 * 1000, "1000 samples")     # fits: returns the bytes asked for
8000
"""

from __future__ import annotations

import os

from qtilab.errors import QtilabError


def available_memory() -> int:
    """Bytes of memory available to a new allocation (MemAvailable on Linux)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - non-Linux
        pass
    try:  # pragma: no cover
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 1 << 62


def format_bytes(n: float) -> str:
    """``n`` bytes in the largest binary unit that keeps the figure >= 1 (``1.50 GiB``)."""
    for unit, k in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << k:
            return f"{n / (1 << k):.2f} {unit}"
    return f"{int(n)} B"


def check_allocation(
    nbytes: float,
    what: str,
    *,
    hint: str = "",
    max_memory: int | None = None,
    error: type[QtilabError] = QtilabError,
) -> int:
    """Raise ``error`` when ``nbytes`` does not fit in memory; return the bytes as an int.

    Parameters
    ----------
    nbytes: the size of the allocation about to be made (a float is accepted, so that a
        product of user inputs cannot overflow before the check).
    what: what is being allocated, for the message (``"a (1000000, 40) feature map"``).
    hint: what the user can do instead (appended to the message).
    max_memory: a limit in bytes; default: the memory available now.
    error: the :class:`QtilabError` subclass to raise.
    """
    limit = available_memory() if max_memory is None else int(max_memory)
    if not nbytes <= limit:  # also catches nan
        allowed = "is available" if max_memory is None else "is allowed (max_memory)"
        msg = f"{what} needs {format_bytes(float(nbytes))}, but only {format_bytes(limit)} {allowed}"
        raise error(f"{msg}; {hint}" if hint else msg)
    return int(nbytes)


__all__ = ["available_memory", "check_allocation", "format_bytes"]
