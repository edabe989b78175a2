"""Every code block of README.md and docs/*.md runs as written.

How a page's fenced blocks are treated (the convention is also described in docs/index.md,
"Examples in these pages are tested"):

- ```python blocks run as Python, in page order, sharing one namespace per page;
- ```bash, ```sh and ```shell blocks run with ``bash -e`` (a failing command fails the test);
- any other block (```text, ```console, ```toml, no language...) is not run;
- a block preceded by ``<!-- file: NAME -->`` is written to the file NAME instead of being run
  (so a page can create the configuration files its commands use);
- ``<!-- docs-test: env NAME=VALUE ... -->`` sets environment variables for the rest of the
  page (used to run long examples with reduced sizes through their documented variables);
- ``<!-- docs-test: replace "OLD" "NEW" -->`` before a block runs it with OLD replaced by NEW (a
  documented option set to a smaller size; the page shows the command as a reader runs it).

Each page runs in its own temporary working directory holding a copy of ``examples/``, with the
venv's ``bin`` first on PATH (so ``qtilab`` is the checkout's) and ``MPLBACKEND=Agg``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RUN_PYTHON = {"python", "py", "python3"}
RUN_SHELL = {"bash", "sh", "shell"}

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_FILE = re.compile(r"<!--\s*file:\s*(?P<name>\S+)\s*-->")
_ENV = re.compile(r"<!--\s*docs-test:\s*env\s+(?P<pairs>.*?)\s*-->")
_REPLACE = re.compile(r"<!--\s*docs-test:\s*replace\s+(?P<args>.*?)\s*-->")


@dataclass
class Block:
    lang: str
    code: str
    line: int
    file: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    replace: list[tuple[str, str]] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.file is not None:
            return "file"
        if self.lang in RUN_PYTHON:
            return "python"
        if self.lang in RUN_SHELL:
            return "bash"
        return "none"


def extract_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text, with the directives that precede them."""
    lines = text.splitlines()
    blocks: list[Block] = []
    pending_file: str | None = None
    pending_replace: list[tuple[str, str]] = []
    env: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := _FILE.search(line):
            pending_file = m["name"]
        if m := _ENV.search(line):
            for pair in shlex.split(m["pairs"]):
                k, _, v = pair.partition("=")
                env[k] = v
        if m := _REPLACE.search(line):
            old, new = shlex.split(m["args"])
            pending_replace.append((old, new))
        m = _FENCE.match(line)
        if m:
            fence = m["fence"]
            lang = m["info"].strip().split(" ")[0].lower() if m["info"].strip() else ""
            body: list[str] = []
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(fence):
                body.append(lines[j][len(m["indent"]):] if lines[j].startswith(m["indent"]) else lines[j])
                j += 1
            blocks.append(Block(lang, "\n".join(body) + "\n", i + 1, pending_file, dict(env), pending_replace))
            pending_file, pending_replace = None, []
            i = j + 1
            continue
        i += 1
    return blocks


# runs inside the page's subprocess: Python blocks share one namespace, shell blocks use bash
_DRIVER = r'''
import json, os, subprocess, sys, time, traceback
with open(sys.argv[1]) as fh:
    blocks = json.load(fh)
ns = {"__name__": "__main__"}
for b in blocks:
    env = dict(os.environ, **b["env"])
    t0 = time.perf_counter()
    print(f"--- {b['page']}:{b['line']} ({b['action']})", flush=True)
    if b["action"] == "file":
        os.makedirs(os.path.dirname(b["file"]) or ".", exist_ok=True)
        with open(b["file"], "w") as fh:
            fh.write(b["code"])
    elif b["action"] == "python":
        os.environ.clear(); os.environ.update(env)
        try:
            exec(compile(b["code"], f"{b['page']}:{b['line']}", "exec"), ns)
        except BaseException:
            traceback.print_exc()
            print(f"FAILED: python block at {b['page']}:{b['line']}", flush=True)
            sys.exit(1)
    elif b["action"] == "bash":
        proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", b["code"]], env=env)
        if proc.returncode != 0:
            print(f"FAILED: bash block at {b['page']}:{b['line']} (exit {proc.returncode})", flush=True)
            sys.exit(1)
    print(f"    {time.perf_counter() - t0:.1f} s", flush=True)
'''


def _page_id(p: Path) -> str:
    return str(p.relative_to(REPO))


def test_pages_have_runnable_examples() -> None:
    # the test must find the blocks: a broken extractor would pass every page silently
    readme = extract_blocks((REPO / "README.md").read_text())
    assert any(b.action == "python" for b in readme)
    assert any(b.action == "bash" for b in readme)


def test_extractor_conventions() -> None:
    text = (
        "<!-- docs-test: env A=1 B='x y' -->\n"
        "<!-- file: cfg/a.toml -->\n```toml\nk = 1\n```\n"
        "```console\n$ not run\n```\n"
        '<!-- docs-test: replace "--n 100" "--n 2" -->\n```bash\necho --n 100\n```\n'
        "```python\nx = 1\n```\n"
    )
    b = extract_blocks(text)
    assert [x.action for x in b] == ["file", "none", "bash", "python"]
    assert b[0].file == "cfg/a.toml" and b[0].code == "k = 1\n"
    assert b[2].replace == [("--n 100", "--n 2")] and b[3].replace == []
    assert b[3].env == {"A": "1", "B": "x y"}


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_page_examples_run(page: Path, tmp_path: Path) -> None:
    blocks = []
    for b in extract_blocks(page.read_text()):
        if b.action == "none":
            continue
        code = b.code
        for old, new in b.replace:
            assert old in code, f"{page.name}:{b.line}: replace directive does not match {old!r}"
            code = code.replace(old, new)
        blocks.append({"page": page.name, "line": b.line, "action": b.action, "code": code,
                       "file": b.file, "env": b.env})
    if not any(b["action"] in ("python", "bash") for b in blocks):
        pytest.skip(f"{page.name} has no runnable example")  # pragma: no cover
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    (tmp_path / "blocks.json").write_text(json.dumps(blocks))
    (tmp_path / "driver.py").write_text(_DRIVER)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["MPLBACKEND"] = "Agg"
    env["PYTHONWARNINGS"] = "default"
    env.pop("PYTHONPATH", None)
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "driver.py", "blocks.json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=1800)
    elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    # shown with `pytest -s`: wall time depends on the machine's load, CPU time much less
    print(f"\n[docs test] {page.name}: {elapsed:.0f} s wall, {cpu:.0f} s CPU (load average {os.getloadavg()[0]:.1f})")
    out = proc.stdout[-6000:] + "\n" + proc.stderr[-6000:]
    assert proc.returncode == 0, f"{page.name} ({elapsed:.0f} s):\n{out}"
