"""Provenance of a report: how the numbers were made, recorded automatically.

:func:`collect` returns a JSON-able dict with the command line, the working folder, the
configuration, the seeds, the versions of qtilab and of the numerical libraries that are loaded
in the process, the input files with their SHA-256, generator settings, the machine, and the
start and wall time. :class:`qtilab.report.Report` calls it when it writes ``report.json``.

Only libraries already imported are listed (``sys.modules``): a library that was never loaded
cannot have computed a number of this report, and importing it just to ask its version would be
slow and misleading.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import os
import platform
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: the version of the ``report.json`` layout; 1 was the layout without provenance (qtilab 0.1 early)
SCHEMA_VERSION = 2

#: import name -> distribution name of the libraries whose versions are recorded when loaded
LIBRARIES: dict[str, str] = {
    "numpy": "numpy",
    "scipy": "scipy",
    "numba": "numba",
    "sklearn": "scikit-learn",
    "torch": "torch",
    "pythia8": "pythia8mc",
    "pythia8mc": "pythia8mc",
    "uproot": "uproot",
    "awkward": "awkward",
    "pyarrow": "pyarrow",
    "networkx": "networkx",
    "matplotlib": "matplotlib",
    "ducc0": "ducc0",
    "lark": "lark",
    "dask": "dask",
    "mpi4py": "mpi4py",
    "cupy": "cupy",
    "cryptography": "cryptography",
    "sqlalchemy": "sqlalchemy",
    "pandas": "pandas",
}

#: config field names taken as seeds
SEED_NAMES = ("seed", "random_state", "rng_seed")


def _process_start() -> float:
    """Unix time at which this process started (Linux /proc), else when this module was loaded."""
    try:
        stat = Path("/proc/self/stat").read_text()
        # field 22 (starttime, clock ticks since boot) counted after the ')' that ends the name
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        btime = next(
            int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime")
        )
        return btime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration, AttributeError):
        return _LOADED


_LOADED = time.time()


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of qtilab, Python and every library of :data:`LIBRARIES` that is imported now."""
    from importlib import metadata

    from qtilab import __version__

    out = {"qtilab": __version__, "python": platform.python_version()}
    for mod, dist in LIBRARIES.items():
        if mod not in sys.modules or dist in out:
            continue
        ver = getattr(sys.modules[mod], "__version__", None)
        if not isinstance(ver, str):
            try:
                ver = metadata.version(dist)
            except metadata.PackageNotFoundError:
                ver = "unknown"
        out[dist] = ver
    return out


def machine() -> dict[str, Any]:
    """Host name, OS, CPU architecture, CPU count, and the load average when known."""
    info: dict[str, Any] = {
        "hostname": platform.node(),
        "system": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }
    try:
        info["cpus_usable"] = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        pass
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        pass
    return info


def config_dict(config: Any) -> dict[str, Any] | None:
    """A dataclass (or mapping) as a plain dict, with the class name under ``__class__``."""
    if config is None:
        return None
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        d = dataclasses.asdict(config)
        d["__class__"] = f"{type(config).__module__}.{type(config).__qualname__}"
        return d
    if isinstance(config, Mapping):
        return dict(config)
    raise TypeError(f"config must be a dataclass instance or a mapping, not {type(config).__name__}")


def find_seeds(*sources: Mapping[str, Any] | None) -> dict[str, Any]:
    """Seeds named ``seed``, ``random_state``, ``*_seed`` in the given mappings (one level deep)."""
    seeds: dict[str, Any] = {}
    for src in sources:
        if not src:
            continue
        for k, v in src.items():
            if (k in SEED_NAMES or str(k).endswith("_seed")) and (v is None or isinstance(v, int)):
                seeds.setdefault(str(k), v)
            elif isinstance(v, Mapping):
                for kk, vv in v.items():
                    if (kk in SEED_NAMES or str(kk).endswith("_seed")) and (vv is None or isinstance(vv, int)):
                        seeds.setdefault(f"{k}.{kk}", vv)
    return seeds


def command() -> dict[str, Any]:
    """The command line of this process, and whether it is a ``qtilab`` command (re-runnable)."""
    argv = list(sys.argv)
    prog = Path(argv[0]).name if argv else ""
    qtilab_args: list[str] | None = None
    if prog in ("qtilab", "qtilab.exe"):
        qtilab_args = argv[1:]
    elif prog == "__main__.py" and "qtilab" in argv[0]:
        qtilab_args = argv[1:]
    return {
        "argv": argv,
        "qtilab_args": qtilab_args,
        "cwd": os.getcwd(),
        "python_executable": sys.executable,
    }


def _iso(t: float) -> str:
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc).isoformat(timespec="seconds")


def collect(
    *,
    created: float,
    config: Any = None,
    meta: Mapping[str, Any] | None = None,
    seeds: Mapping[str, Any] | None = None,
    inputs: list[dict[str, Any]] | None = None,
    generators: list[dict[str, Any]] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Everything needed to say how a report's numbers were made (see the module docstring)."""
    now = time.time()
    started = min(_process_start(), created)
    cfg = config_dict(config)
    found = find_seeds(cfg, meta)
    found.update(seeds or {})
    return {
        "schema": SCHEMA_VERSION,
        "command": command(),
        "out_dir": str(Path(out_dir).resolve()) if out_dir is not None else None,
        "config": cfg,
        "seeds": found,
        "versions": library_versions(),
        "inputs": list(inputs or []),
        "generators": list(generators or []),
        "machine": machine(),
        "process_started": _iso(started),
        "report_created": _iso(created),
        "written": _iso(now),
        "wall_seconds": round(now - started, 3),
    }
