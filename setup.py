"""Build hook: ship the user guide (docs/*.md) inside the package as ``qtilab/_docs``.

Everything else is configured in pyproject.toml. ``qtilab docs`` reads the packaged copy in
an installed wheel and the checkout's docs/ in an editable install (tests/test_docs_cli.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def copy_docs(build_lib: str | Path) -> list[Path]:
    """Copy docs/*.md to BUILD_LIB/qtilab/_docs; return the copies."""
    dest = Path(build_lib) / "qtilab" / "_docs"
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for page in sorted((HERE / "docs").glob("*.md")):
        shutil.copy2(page, dest / page.name)
        out.append(dest / page.name)
    return out


class BuildPyWithDocs(build_py):
    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):  # an editable install reads docs/ itself
            copy_docs(self.build_lib)


setup(cmdclass={"build_py": BuildPyWithDocs})
