"""A newcomer's first hour (issue 21): errors not tracebacks, seeds, first-use messages, progress."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qtilab.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("argv, words", [
    (["qml", "kernel", "--features", "0"], "--features must be at least 1"),
    (["qml", "kernel", "--samples", "2"], "--samples must be at least 10"),
    (["demo", "--only", "nope"], "no demo part 'nope'; the parts are: core"),
])
def test_bad_input_is_an_error_message(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_counts_accept_scientific_notation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(REPO / "examples" / "ghz.json"), "--shots", "1e3", "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["shots"] == 1000 and sum(out["counts"].values()) == 1000
    with pytest.raises(SystemExit):
        main(["run", str(REPO / "examples" / "ghz.json"), "--shots", "1.5"])


def test_a_command_without_seed_prints_the_seed_it_drew(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(REPO / "examples" / "ghz.json"), "--shots", "100", "--json"]) == 0
    cap = capsys.readouterr()
    seed = json.loads(cap.out)["seed"]
    assert isinstance(seed, int) and f"add --seed {seed} to repeat this run" in cap.err
    counts = json.loads(cap.out)["counts"]
    assert main(["run", str(REPO / "examples" / "ghz.json"), "--shots", "100", "--json", "--seed", str(seed)]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == counts  # same seed, same numbers


def test_reported_simulation_time_excludes_engine_startup(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import time

    import qtilab.sim.firstuse as fu

    real = fu.warm_up

    def slow_warm_up(*a: object, **k: object) -> float:
        time.sleep(0.5)
        return real(*a, **k) + 0.5  # type: ignore[arg-type]

    monkeypatch.setattr(fu, "warm_up", slow_warm_up)
    assert main(["run", str(REPO / "examples" / "ghz.json"), "--shots", "10", "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["startup_seconds"] >= 0.5 and out["seconds"] < 0.5


def test_cold_numba_cache_is_detected_and_announced(tmp_path: Path) -> None:
    # a real cached numba function in a fresh module: cold before its first compilation, warm after
    (tmp_path / "tiny_kernel.py").write_text(textwrap.dedent("""
        from numba import njit

        @njit(cache=True)
        def add(a, b):
            return a + b
    """))
    code = textwrap.dedent("""
        import io, sys
        sys.path.insert(0, sys.argv[1])
        import tiny_kernel
        from qtilab.sim.firstuse import announce_if_cold, cache_is_cold
        buf = io.StringIO()
        print(cache_is_cold(tiny_kernel.add), announce_if_cold(tiny_kernel.add, "COLD", stream=buf), repr(buf.getvalue()))
        tiny_kernel.add(1, 2)
    """)
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env, timeout=300)
    assert first.stdout.split() == ["True", "True", "'COLD\\n'"], first.stderr[-2000:]
    second = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env, timeout=300)
    assert second.stdout.split() == ["False", "False", "''"], second.stderr[-2000:]


def test_engine_announces_compilation_on_a_cold_cache(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "import qtilab.sim"], capture_output=True, text=True,
                          env={"NUMBA_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=300)
    from qtilab.sim.firstuse import COMPILING

    assert COMPILING in proc.stderr


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_default_to_terminals_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from qtilab._progress import show_progress
    from qtilab.qkd.protocols import LinkConfig, simulate_link

    cfg = LinkConfig(distance_km=10, pulses=300_000, postprocess=False, seed=1)
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    assert show_progress(None) is False and show_progress(True) is True
    simulate_link(cfg)
    assert pipe.getvalue() == ""
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    assert show_progress(None) is True and show_progress(False) is False
    simulate_link(cfg)
    assert "pulses" in tty.getvalue()
    tty2 = _Tty()
    monkeypatch.setattr(sys, "stderr", tty2)
    simulate_link(cfg, progress=False)
    assert tty2.getvalue() == ""


def test_cli_prints_qtilab_info_but_not_other_libraries_info() -> None:
    code = ("import logging; from qtilab.cli import main; main(['docs', '--path', 'hep']); "
            "logging.getLogger('httpx').info('HTTP Request: GET'); logging.getLogger('qtilab.kms').info('mine'); "
            "logging.getLogger('httpx').warning('a library warning')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "mine" in proc.stderr and "a library warning" in proc.stderr
    assert "HTTP Request" not in proc.stderr
