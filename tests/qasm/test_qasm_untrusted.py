"""OpenQASM as untrusted input: includes stay inside allowed folders, size limits, error columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from qtilab.core.qasm import QasmLimits, load, loads
from qtilab.errors import QasmError

H = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\n'


def test_absolute_include_refused_from_string() -> None:
    with pytest.raises(QasmError, match="only the standard files") as info:
        loads(H + 'include "/etc/passwd";\n')
    assert info.value.line == 5 and info.value.column == 10


def test_absolute_and_escaping_includes_refused_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.inc"
    secret.write_text("gate leak a { x a; }\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    for name, msg in ((str(secret), "absolute paths are refused"), ("/etc/passwd", "absolute paths are refused"),
                      ("../secret.inc", "outside")):
        top = sub / "top.qasm"
        top.write_text(H + f'include "{name}";\n')
        with pytest.raises(QasmError, match=msg):
            load(top)
    # a link inside the folder that points out is refused too
    (sub / "link.inc").symlink_to(secret)
    top.write_text(H + 'include "link.inc";\n')
    with pytest.raises(QasmError, match="outside"):
        load(top)


def test_include_path_is_the_explicit_way(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "g.inc").write_text("gate myx a { x a; }\n")
    c = loads(H + 'include "g.inc";\nmyx q[0];\n', include_path=[lib])
    assert c.count_ops() == {"x": 1}
    with pytest.raises(QasmError, match="outside"):
        loads(H + 'include "../lib/../../g.inc";\n', include_path=[lib])


def test_statement_and_size_limits_are_configurable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prog = H + "h q[0];\n" * 100
    assert len(loads(prog)) == 100
    with pytest.raises(QasmError, match="more than 50 statements"):
        loads(prog, limits=QasmLimits(max_statements=50))
    with pytest.raises(QasmError, match="limit of 500 characters"):
        loads(prog, limits=QasmLimits(max_bytes=500))
    monkeypatch.setenv("QTILAB_QASM_MAX_STATEMENTS", "20")
    with pytest.raises(QasmError, match="more than 20 statements"):
        loads(prog)
    # includes count towards the limits
    monkeypatch.delenv("QTILAB_QASM_MAX_STATEMENTS")
    (tmp_path / "big.inc").write_text("h q[0];\n" * 60)
    top = tmp_path / "top.qasm"
    top.write_text(H + 'include "big.inc";\n' + "h q[1];\n" * 10)
    assert len(load(top)) == 70
    with pytest.raises(QasmError, match="more than 60 statements"):
        load(top, limits=QasmLimits(max_statements=60))
    monkeypatch.setenv("QTILAB_QASM_MAX_BYTES", "100")
    with pytest.raises(QasmError, match="longer than the limit of 100 characters"):
        load(top)
    monkeypatch.setenv("QTILAB_QASM_MAX_BYTES", "20")  # the file is refused before it is read
    with pytest.raises(QasmError, match="bytes, beyond the limit of 20"):
        load(top)
    with pytest.raises(QasmError, match="positive"):
        QasmLimits(max_bytes=0)


@pytest.mark.parametrize(
    ("stmt", "column", "token"),
    [
        ("cx q[0], q[5];", 10, "q[5]"),
        ("cx q[0], q[0];", 10, "q[0]"),
        ("measure q[0] -> c[3];", 17, "c[3]"),
        ("barrier q[0], q[7];", 15, "q[7]"),
        ("measure q -> c[0];", 14, "c[0]"),
        ("qreg q[3];", 6, "q"),
        ("h q[0];  cx q[1], r[1];", 19, "r[1]"),
    ],
)
def test_semantic_errors_point_at_the_token(stmt: str, column: int, token: str) -> None:
    with pytest.raises(QasmError) as info:
        loads(H + stmt)
    assert (info.value.line, info.value.column, info.value.token) == (5, column, token)
    assert stmt[column - 1 : column - 1 + len(token)] == token
