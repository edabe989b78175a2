"""Ctrl-C or SIGTERM during `qtilab hep generate --workers 2` stops the workers at once, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pythia8mc")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        f = task / "children"
        if f.exists():
            kids += [int(x) for x in f.read_text().split()]
    return kids


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def _as_in_a_terminal() -> None:
    # A runner that starts the suite in the background (``cmd &`` in a non-interactive shell)
    # hands its children SIGINT ignored, and Python then never raises KeyboardInterrupt. A
    # terminal's Ctrl-C reaches a foreground program with the default disposition: restore it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the workers")
@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_interrupt_stops_the_workers(how: str, tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "qtilab"
    proc = subprocess.Popen(
        [str(exe), "hep", "generate", "tth-yy", "--events", "2000", "--workers", "2", "--seed", "1",
         "--out", str(tmp_path / "x.npz")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=_as_in_a_terminal,
    )
    try:
        deadline = time.monotonic() + 120
        kids: list[int] = []
        while time.monotonic() < deadline and len(kids) < 2:
            assert proc.poll() is None, proc.communicate()
            kids = _children(proc.pid)
            time.sleep(0.2)
        assert len(kids) >= 2, "the two workers did not start"
        time.sleep(1.0)  # let them get into Pythia
        t0 = time.monotonic()
        if how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)
        else:  # a terminal sends SIGINT to the whole foreground process group
            os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        main_exit = time.monotonic() - t0
        while any(_alive(k) for k in kids) and time.monotonic() - t0 < 10:
            time.sleep(0.05)
        workers_gone = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err, err[-2000:]
    assert not any(_alive(k) for k in kids), "orphaned workers"
    # "within a second" on an idle machine; the bound leaves room for a loaded CI runner
    assert main_exit < 3.0 and workers_gone < 3.0, (main_exit, workers_gone)
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.slow
def test_two_workers_give_the_same_table_as_one() -> None:
    import numpy as np

    from qtilab.hep.generation import GenerationConfig, generate

    one = generate(GenerationConfig(events=6, chunk=3, seed=5, workers=1), progress=False)
    two = generate(GenerationConfig(events=6, chunk=3, seed=5, workers=2), progress=False)
    assert one.columns == two.columns
    np.testing.assert_array_equal(one.data, two.data)
    np.testing.assert_array_equal(one.label, two.label)
