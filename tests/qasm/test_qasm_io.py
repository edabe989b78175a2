"""OpenQASM reader details, errors and writer round trips."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from qasm_dense import RX, H, Ref, X, same_up_to_phase, unitary_of
from scipy.stats import unitary_group

from qtilab import Circuit, Parameter
from qtilab.core.qasm import dumps, load, loads
from qtilab.core.qasm.reader import NATIVES
from qtilab.errors import QasmError

CORPUS = Path(__file__).parent / "corpus"


# -- the standard gates: library mapping == definitions in the packaged include files ----------
def _call(version: int, name: str, n_params: int, n_qubits: int, rng: np.random.Generator) -> str:
    ps = ", ".join(f"{x:.6f}" for x in rng.uniform(-3, 3, n_params))
    qs = ", ".join(f"q[{i}]" for i in rng.permutation(n_qubits))
    call = f"{name}({ps}) {qs};" if n_params else f"{name} {qs};"
    prep = " ".join(f"h q[{i}]; t q[{i}];" for i in range(n_qubits))  # a generic input state
    if version == 2:
        return f'OPENQASM 2.0; include "qelib1.inc"; qreg q[{n_qubits}]; {prep} {call}'
    return f'OPENQASM 3.0; include "stdgates.inc"; qubit[{n_qubits}] q; {prep} {call}'


@pytest.mark.parametrize("version,name", [(v, n) for v in (2, 3) for n in sorted(NATIVES[v])])
def test_native_gate_equals_its_definition(version: int, name: str) -> None:
    n_params, n_qubits, _ = NATIVES[version][name]
    rng = np.random.default_rng(abs(hash((version, name))) % 2**32)
    text = _call(version, name, n_params, n_qubits, rng)
    fast = unitary_of(loads(text))
    slow = unitary_of(loads(text, native=False))
    if version == 3:  # exact: stdgates.inc defines global phases
        np.testing.assert_allclose(fast, slow, atol=1e-9)
    else:
        assert same_up_to_phase(fast, slow)


def test_relative_phase_toffolis_follow_their_definition() -> None:
    # rccx/rc3x have no library form: they are read from qelib1.inc's bodies; the relative-phase
    # Toffoli acts as a Toffoli on the target's populations
    c = loads('OPENQASM 2.0; include "qelib1.inc"; qreg q[3]; rccx q[0], q[1], q[2];')
    u = unitary_of(c)
    toffoli = Ref(3).c(X, [0, 1], [2]).u
    np.testing.assert_allclose(np.abs(u), np.abs(toffoli), atol=1e-9)
    c = loads('OPENQASM 2.0; include "qelib1.inc"; qreg q[4]; rc3x q[0], q[1], q[2], q[3];')
    np.testing.assert_allclose(np.abs(unitary_of(c)), np.abs(Ref(4).c(X, [0, 1, 2], [3]).u), atol=1e-9)


def test_layout_registers_in_declaration_order() -> None:
    c = loads('OPENQASM 2.0; include "qelib1.inc"; qreg a[2]; creg m[1]; qreg b[1]; creg n[2]; x b[0]; measure a[1] -> n[1];')
    assert (c.n_qubits, c.n_clbits) == (3, 3)
    assert c[0].qubits == (2,)
    assert c[1].qubits == (1,) and c[1].clbits == (2,)


def test_input_float_becomes_parameter() -> None:
    c = loads("OPENQASM 3.0; include \"stdgates.inc\"; input float a; input angle[32] b; qubit q; rx(a + 2*b) q;")
    assert c.parameters == [Parameter("a"), Parameter("b")]
    np.testing.assert_allclose(unitary_of(c, {"a": 0.1, "b": 0.2}), RX(0.5), atol=1e-12)


# -- errors: QasmError with file, line, column, token ------------------------------------------
ERRORS = [
    ("OPENQASM 2.0;\nqreg q[2];\nfoo q[0];", "unknown gate 'foo'", 3, 1, "foo"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0];', "acts on 2 qubit(s)", 4, 1, "cx"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nrx q[0];', "takes 1 parameter(s), got 0", 4, 1, "rx"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh r[0];', "undeclared quantum register 'r'", 4, 3, "r[0]"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[2];', "index 2 out of range", 4, 3, "q[2]"),
    ("OPENQASM 2.0;\nqreg q[2];\n  cx q[0] q[1];", "syntax error", 3, 11, "q[1]"),
    ("OPENQASM 2.0;\nqreg q[2];\nh q[0] $", "unexpected character", 3, 8, "$"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncx q[0], q[0];', "same qubit appears twice", 4, 10, "q[0]"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nqreg q[1];', "already declared", 4, 6, None),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nrz(1/0) q[0];', "division by zero", 4, 1, None),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nrz(1e999) q[0];', "not finite", 4, 1, None),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nrz(2 * 1e999) q[0];', "not finite", 4, 1, None),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nopaque g a;\nqreg q[1];\ng q[0];', "opaque", 5, 1, "g"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[1];\nmeasure q -> c;', "has 2 qubit(s) but c has 1", 5, 14, None),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nctrl @ x q[0];', "OpenQASM 3", 4, 8, None),
    ('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nfor uint i in [0:1] { x q[i]; }', "for loops are not supported", 4, 1, "for"),
    ('OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nint x;', "int variables are not supported", 4, 1, "int"),
    ('OPENQASM 3.0;\ninclude "stdgates.inc";\ninput float w;\nqubit[2] q;\nrx(sin(w)) q[0];', "not supported", 5, 4, None),
    ('OPENQASM 3.0;\ninclude "stdgates.inc";\ninput float w;\nqubit[2] q;\npow(w) @ x q[0];', "not supported", 5, 1, "pow"),
    ("OPENQASM 4.0;", "unsupported OpenQASM version", 1, 10, "4.0"),
    ("OPENQASM 2.0;\nqreg q[1];\nh q[0];", "did you forget `include \"qelib1.inc\";`", 3, 1, "h"),
    ('OPENQASM 2.0;\ninclude "qelib1.inc";\ngate g a { g a; }', "unknown gate 'g' (a gate cannot call itself)", 3, 12, "g"),
]


@pytest.mark.parametrize("text,message,line,column,token", ERRORS)
def test_errors_locate_the_problem(text: str, message: str, line: int, column: int, token: str | None) -> None:
    with pytest.raises(QasmError) as info:
        loads(text, filename="prog.qasm")
    e = info.value
    assert message in str(e)
    assert e.filename == "prog.qasm"
    assert (e.line, e.column) == (line, column), str(e)
    if token is not None:
        assert e.token == token, str(e)


def test_unexpected_end_of_file() -> None:
    with pytest.raises(QasmError, match="unexpected end of file"):
        loads('OPENQASM 2.0; include "qelib1.inc"; qreg q[1]; h q[0]')


def test_include_resolves_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "g.inc").write_text("gate myh a { h a; }\n")
    (tmp_path / "top.inc").write_text('include "sub/g.inc";\ngate twice a { myh a; myh a; }\n')
    main = tmp_path / "main.qasm"
    main.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\ninclude "top.inc";\nqreg q[1];\ntwice q[0];\nmyh q[0];\n')
    c = load(main)
    assert same_up_to_phase(unitary_of(c), H)


def test_include_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.inc").write_text('include "b.inc";\n')
    (tmp_path / "b.inc").write_text('include "a.inc";\n')
    main = tmp_path / "main.qasm"
    main.write_text('OPENQASM 2.0;\ninclude "a.inc";\nqreg q[1];\n')
    with pytest.raises(QasmError, match=r"include cycle: a.inc -> b.inc -> a.inc") as info:
        load(main)
    assert info.value.filename == str(tmp_path / "b.inc")
    assert info.value.line == 1


def test_self_include_and_missing_include(tmp_path: Path) -> None:
    main = tmp_path / "main.qasm"
    main.write_text('OPENQASM 2.0;\ninclude "main.qasm";\nqreg q[1];\n')
    with pytest.raises(QasmError, match="include cycle"):
        load(main)
    with pytest.raises(QasmError, match="include file 'nope.inc' not found") as info:
        loads('OPENQASM 2.0;\ninclude "nope.inc";', filename=str(main))
    assert (info.value.line, info.value.token) == (2, "nope.inc")


def test_error_in_an_included_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "bad.inc").write_text("gate g a {\n  h a\n}\n")
    main = tmp_path / "m.qasm"
    main.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\ninclude "bad.inc";\n')
    with pytest.raises(QasmError) as info:
        load(main)
    assert info.value.filename == str(tmp_path / "bad.inc")
    assert info.value.line == 3


def test_exponential_gate_nesting_is_stopped() -> None:
    lines = ['OPENQASM 2.0;', 'include "qelib1.inc";', "gate g0 a { x a; x a; }"]
    for k in range(1, 30):
        lines.append(f"gate g{k} a {{ g{k - 1} a; g{k - 1} a; }}")
    lines += ["qreg q[1];", "g29 q[0];"]
    with pytest.raises(QasmError, match="more than"):
        loads("\n".join(lines))


# -- writer round trips -------------------------------------------------------------------------
def _random_circuit(rng: np.random.Generator, n: int, depth: int) -> Circuit:
    c = Circuit(n)
    one = ["h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg", "id"]
    rot = ["rx", "ry", "rz", "p"]
    two = ["swap", "iswap", "iswapdg"]
    tworot = ["rxx", "ryy", "rzz"]
    for _ in range(depth):
        kind = rng.integers(6)
        qs = [int(q) for q in rng.permutation(n)]
        nctrl = int(rng.integers(0, min(3, n - 2) + 1))
        ctrls = qs[2:2 + nctrl]
        state = int(rng.integers(0, 2**nctrl)) if nctrl and rng.random() < 0.5 else None
        if kind == 0:
            c.controlled(str(rng.choice(one)), ctrls, [qs[0]], ctrl_state=state)
        elif kind == 1:
            c.controlled(str(rng.choice(rot)), ctrls, [qs[0]], [float(rng.uniform(-4, 4))], ctrl_state=state)
        elif kind == 2:
            c.controlled("u", ctrls, [qs[0]], list(rng.uniform(-4, 4, 3)), ctrl_state=state)
        elif kind == 3:
            c.controlled(str(rng.choice(two)), ctrls[:1], qs[:2], ctrl_state=state if nctrl == 1 else None)
        elif kind == 4:
            c.controlled(str(rng.choice(tworot)), ctrls[:1], qs[:2], [float(rng.uniform(-4, 4))])
        else:
            k = int(rng.integers(1, 3))
            c.unitary(unitary_group.rvs(2**k, random_state=int(rng.integers(2**31))), qs[:k])
    return c


@pytest.mark.parametrize("seed", range(6))
def test_round_trip_preserves_the_unitary(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = _random_circuit(rng, 4, 14)
    u = unitary_of(c)
    u3 = unitary_of(loads(dumps(c, version=3)))
    np.testing.assert_allclose(u3, u, atol=1e-8)  # OpenQASM 3: exact, global phase included
    u2 = unitary_of(loads(dumps(c, version=2)))
    assert same_up_to_phase(u2, u, atol=1e-8)  # OpenQASM 2: up to a global phase


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.qasm")))
def test_corpus_round_trip(name: str) -> None:
    c = load(CORPUS / name)
    vals = {p.name: 0.3 + 0.2 * i for i, p in enumerate(c.parameters)} or None
    for version in (3, 2):
        # OpenQASM 2 has no symbolic parameters: write the bound circuit
        src = c.bind(vals) if (version == 2 and vals) else c
        back = loads(dumps(src, version=version))
        assert back.n_qubits == c.n_qubits and back.n_clbits == c.n_clbits
        if c.has_mid_circuit_ops:
            assert [g.name for g in back if not g.is_unitary] == [g.name for g in c if not g.is_unitary]
            continue
        u, ub = unitary_of(c, vals), unitary_of(back, vals if back.parameters else None)
        if version == 3:
            np.testing.assert_allclose(ub, u, atol=1e-8)
        else:
            assert same_up_to_phase(ub, u, atol=1e-8)


def test_round_trip_keeps_symbols_in_version_3() -> None:
    a, b = Parameter("a"), Parameter("b")
    c = Circuit(2).rx(2 * a - 0.5, 0).crz(b, 0, 1).controlled("ry", [1], [0], [-a / 3], ctrl_state=0)
    back = loads(dumps(c, version=3))
    assert back.parameters == [a, b]
    vals = {"a": 0.7, "b": -1.2}
    np.testing.assert_allclose(unitary_of(back, vals), unitary_of(c, vals), atol=1e-10)
    with pytest.raises(QasmError, match="cannot carry unbound parameters"):
        dumps(c, version=2)


def test_conditions_are_written_per_register() -> None:
    c = load(CORPUS / "teleport.qasm")
    for v in (2, 3):
        text = dumps(c, version=v)
        back = loads(text)
        assert [g.condition for g in back if g.condition] == [g.condition for g in c if g.condition]


def test_writer_output_is_readable_text() -> None:
    c = Circuit(3, 1).h(0).cx(0, 1).ccx(0, 1, 2).rz(math.pi / 4, 2).measure(2, 0)
    assert dumps(c, version=2) == (
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[1];\nh q[0];\ncx q[0], q[1];\n'
        "ccx q[0], q[1], q[2];\nrz(pi/4) q[2];\nmeasure q[2] -> c[0];\n"
    )
    text3 = dumps(Circuit(3).controlled("x", [0, 1], [2], ctrl_state=0b10), version=3)
    assert "negctrl @ ctrl @ x q[0], q[1], q[2];" in text3


def test_dumps_and_qasm_convert_default_to_the_same_version(tmp_path: Path) -> None:
    from qtilab.cli import main

    c = Circuit(2).h(0).cx(0, 1)
    (tmp_path / "c.json").write_text(json.dumps(c.to_dict()))
    assert main(["qasm", "convert", str(tmp_path / "c.json"), str(tmp_path / "c.qasm")]) == 0
    assert (tmp_path / "c.qasm").read_text() == dumps(c)
    assert dumps(c).startswith("OPENQASM 3.0;")


def test_version_2_file_written_as_version_3_keeps_its_unitary() -> None:
    c = loads('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0]; cu3(0.1, 0.2, 0.3) q[0], q[1];')
    np.testing.assert_allclose(unitary_of(loads(dumps(c, 3))), unitary_of(c), atol=1e-10)


@pytest.mark.parametrize(
    "expr,value",
    [
        ("1 - 2 - 3", -4.0), ("8 / 2 / 2", 2.0), ("-2^2", -4.0), ("2^3^2", 512.0), ("2*3^2", 18.0),
        ("-(1+2)*3", -9.0), ("2^-1", 0.5), ("+3 - -2", 5.0), ("pi/2 + pi/2", math.pi),
        ("sqrt(4) * ln(exp(1.5))", 3.0), ("cos(0) + sin(0) + tan(0)", 1.0), ("1e-3 * 2E+2", 0.2),
    ],
)
def test_expression_precedence(expr: str, value: float) -> None:
    # the same rules as the usual mathematical notation (and Python's, with ^ for **)
    for flat in (expr, f"({expr})"):
        c = loads(f'OPENQASM 2.0; include "qelib1.inc"; qreg q[1]; rz({flat}) q[0];')
        assert c[0].params[0] == pytest.approx(value, rel=1e-14, abs=1e-14)
