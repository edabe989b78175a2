"""``qtilab qkd ...``: the group is shared by two modules.

``qtilab.cli.qkd_link`` adds the link verbs (simulate, keyrate) and
``qtilab.cli.qkd_kms`` adds ``kms serve|get-key|get-key-with-id`` and the network verbs;
each provides ``register(qkd_subparsers)`` and may provide ``demo_part(out_dir, seed)``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
from pathlib import Path

_PARTS = ("qtilab.cli.qkd_link", "qtilab.cli.qkd_kms")


def _parts() -> list[object]:
    return [importlib.import_module(m) for m in _PARTS if importlib.util.find_spec(m) is not None]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("qkd", help="quantum key distribution: link simulation, key rates, networks, KMS")
    qsub = p.add_subparsers(dest="verb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])
    for mod in _parts():
        mod.register(qsub)  # type: ignore[attr-defined]


def demo_part(out_dir: Path, seed: int) -> None:
    for mod in _parts():
        fn = getattr(mod, "demo_part", None)
        if fn is not None:
            fn(out_dir, seed)
